"""An independent safetensors reader: plain json + numpy, no torch, no safetensors package.

Usage: /usr/bin/python3 read_safetensors.py FILE

Checks the layout the format requires (8-byte little-endian header size, a JSON object,
byte ranges that tile the buffer) and prints, as JSON, the metadata, the tensor names in
buffer order and each tensor's dtype, shape and values. Values are strings so that they are
exact: float.hex() for floating types (bfloat16 widened to float32 first), decimal for
integers and bools. Exits 1 with a message on stderr when the file breaks the format.
"""

import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4",
          "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "u1"}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


with open(sys.argv[1], "rb") as f:
    raw = f.read()
if len(raw) < 8:
    fail("shorter than 8 bytes")
(header_size,) = struct.unpack("<Q", raw[:8])
if 8 + header_size > len(raw):
    fail("header size beyond the file")
header_bytes = raw[8:8 + header_size]
header = json.loads(header_bytes.decode("utf-8"))
if not isinstance(header, dict):
    fail("header is not an object")
buffer = raw[8 + header_size:]
metadata = header.pop("__metadata__", {})

ranges = sorted((entry["data_offsets"][0], entry["data_offsets"][1], name)
                for name, entry in header.items())
position = 0
for begin, end, name in ranges:
    if begin != position or end < begin:
        fail("byte ranges do not tile the buffer at " + name)
    position = end
if position != len(buffer):
    fail("buffer has %d bytes, tensors cover %d" % (len(buffer), position))

tensors = {}
for begin, end, name in ranges:
    entry = header[name]
    dtype = entry["dtype"]
    shape = entry["shape"]
    array = np.frombuffer(buffer[begin:end], dtype=np.dtype(DTYPES[dtype]))
    if array.size != int(np.prod(shape, dtype=np.int64)):
        fail("wrong byte count for " + name)
    if dtype == "BF16":
        array = (array.astype(np.uint32) << 16).view("<f4")
    if dtype == "BOOL":
        if np.any(array > 1):
            fail("bool byte other than 0/1 in " + name)
    if array.dtype.kind == "f":
        values = [float(v).hex() for v in array.tolist()]
    else:
        values = [str(int(v)) for v in array.tolist()]
    tensors[name] = {"dtype": dtype, "shape": shape, "values": values}

print(json.dumps({
    "header_size": header_size,
    "header_size_multiple_of_8": header_size % 8 == 0,
    "metadata": metadata,
    "order": [name for _, _, name in ranges],
    "tensors": tensors,
}))
