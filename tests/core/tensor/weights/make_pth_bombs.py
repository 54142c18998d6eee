#!/usr/bin/env python3
"""Writes .pth files built to make a reader allocate far more than the file holds.

Usage: make_pth_bombs.py OUTDIR. Run by pth_abuse_test.cpp with Debian's python3-torch. Each
file is small; what it would cost a careless reader is said next to it.
"""
import io
import os
import struct
import sys
import zipfile

import torch

out = sys.argv[1]
MB = 1 << 20


def path(name):
    return os.path.join(out, name)


def saved_zip(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def records(data):
    """name -> (central directory offset of its entry) of a zip in memory."""
    found = {}
    at = data.index(b"PK\x01\x02")
    while data[at:at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[at + 28:at + 34])
        found[data[at + 46:at + 46 + name_length].decode()] = at
        at += 46 + name_length + extra_length + comment_length
    return found


# 1. Deflate bomb: one storage record of 64 MiB of zeros, compressed to about 64 KiB. Its
#    declared uncompressed size is far larger than the file.
with zipfile.ZipFile(io.BytesIO(saved_zip({"w": torch.zeros(16 * MB // 4 * 4)})), "r") as src:
    with zipfile.ZipFile(path("deflate_bomb_zip.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))

# 2. A deflated record that lies: it declares 64 bytes (what the pickle asks for) but inflates to
#    64 MiB. A reader must stop at the declared size instead of inflating all of it.
big = zipfile.ZipFile(io.BytesIO(saved_zip({"w": torch.zeros(16)})), "r")
with zipfile.ZipFile(path("lying_deflate_zip.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
    for info in big.infolist():
        payload = big.read(info.filename)
        if info.filename.endswith("/data/0"):
            payload = bytes(64 * MB)
        dst.writestr(info.filename, payload)
data = bytearray(open(path("lying_deflate_zip.pth"), "rb").read())
for name, at in records(bytes(data)).items():
    if name.endswith("/data/0"):
        data[at + 24:at + 28] = struct.pack("<I", 64)  # central directory: uncompressed size
        local = struct.unpack("<I", data[at + 42:at + 46])[0]
        data[local + 22:local + 26] = struct.pack("<I", 64)  # local header
open(path("lying_deflate_zip.pth"), "wb").write(data)

# 3. Overlapping entries (the "non-recursive zip bomb", Fifield 2019): 200 tensors whose storage
#    records are 200 directory entries pointing at the same 256 KiB of data. 256 KiB on disk,
#    50 MiB when read.
count, numel = 200, 64 * 1024
state = {"t%03d" % i: torch.zeros(numel) for i in range(count)}
data = bytearray(saved_zip(state))
entries = records(bytes(data))
first = next(n for n in entries if n.endswith("/data/0"))
prefix = first[:-len("0")]
first_local = struct.unpack("<I", data[entries[first] + 42:entries[first] + 46])[0]
first_size = struct.unpack("<I", data[entries[first] + 20:entries[first] + 24])[0]
# Keep data.pkl, version and record 0 (the pickle numbers storages 0..199); drop the others and
# make every other storage's directory entry point at record 0's local header.
pickled = zipfile.ZipFile(io.BytesIO(bytes(data))).read([n for n in entries if n.endswith("data.pkl")][0])
keep = io.BytesIO()
with zipfile.ZipFile(keep, "w", zipfile.ZIP_STORED) as dst:
    dst.writestr(prefix.replace("data/", "data.pkl"), pickled)
    dst.writestr(prefix.replace("data/", "version"), b"3\n")
    dst.writestr(first, bytes(numel * 4))
data = bytearray(keep.getvalue())
entries = records(bytes(data))
eocd = data.rindex(b"PK\x05\x06")
entry_at = entries[first]
entry_end = eocd
for name, at in entries.items():
    if at > entry_at:
        entry_end = min(entry_end, at)
template = bytes(data[entry_at:entry_end])
name_bytes = first.encode()
copies = b""
for i in range(1, count):
    name = (prefix + str(i)).encode()
    copy = bytearray(template)
    copy[28:30] = struct.pack("<H", len(name))
    copies += bytes(copy[:46]) + name + bytes(copy[46 + len(name_bytes):])
directory_entries, directory_size = struct.unpack("<HI", data[eocd + 10:eocd + 16])
data[eocd:eocd] = copies
eocd += len(copies)
data[eocd + 8:eocd + 16] = struct.pack("<HHI", directory_entries + count - 1,
                                       directory_entries + count - 1, directory_size + len(copies))
open(path("overlapping_entries_zip.pth"), "wb").write(data)

# 4. Many names for one tensor: pickle memoizes the tensor, so each further state-dict entry
#    costs a few bytes of pickle. 400 entries of one 256 KiB tensor: 100 MiB as copies.
shared = torch.zeros(numel)
open(path("shared_view_bomb_zip.pth"), "wb").write(saved_zip({"t%03d" % i: shared
                                                               for i in range(400)}))
buffer = io.BytesIO()
torch.save({"t%03d" % i: shared for i in range(400)}, buffer, _use_new_zipfile_serialization=False)
open(path("shared_view_bomb_legacy.pth"), "wb").write(buffer.getvalue())

# 5. Control: tied weights (two names, one tensor) as language models save them, must load.
tied = torch.arange(6.0)
open(path("tied_weights_zip.pth"), "wb").write(saved_zip({"embed.weight": tied,
                                                           "head.weight": tied}))

for name in sorted(os.listdir(out)):
    print(name, os.path.getsize(path(name)))
