"""A small HTTP file server on 127.0.0.1 for download tests, with HTTP Range support.

Usage: range_http_server.py ROOT LOG_FILE
Prints "PORT <n>" on stdout once listening on an ephemeral port. Each request is appended to
LOG_FILE as "<path> <Range header or ->". Query options simulate real-world trouble:
  ?cut=N     send the headers for the whole body, then only N bytes, then drop the connection
             (only for the first request of that path)
  ?slow=1    pause 20 ms between 16 KiB chunks (so a client can cancel mid-way)
  ?norange=1 ignore Range and always send the whole file with 200
"""
import http.server
import os
import socketserver
import sys
import threading
import time
import urllib.parse

ROOT, LOG = sys.argv[1], sys.argv[2]
cut_done = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        options = urllib.parse.parse_qs(url.query)
        range_header = self.headers.get("Range")
        with lock, open(LOG, "a") as log:
            log.write(f"{url.path} {range_header or '-'}\n")
        path = os.path.join(ROOT, url.path.lstrip("/"))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        start = 0
        if range_header and "norange" not in options:
            start = int(range_header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        limit = len(body)
        if "cut" in options:
            with lock:
                if url.path not in cut_done:
                    cut_done.add(url.path)
                    limit = int(options["cut"][0])
        for offset in range(0, limit, 16384):
            self.wfile.write(body[offset:min(offset + 16384, limit)])
            if "slow" in options:
                time.sleep(0.02)
        if limit < len(body):
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
