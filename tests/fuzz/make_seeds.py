#!/usr/bin/env python3
"""Writes the seed corpora of the weight, CSV and image fuzzers into tests/fuzz/corpus/.

Run once by hand (/usr/bin/python3 with Debian's python3-torch, -numpy, -pil); the files are
committed, so fuzzing needs no Python. Every seed is generated here: no third-party data. The
project database seeds come from Fovea itself (make_db_seeds.sh).
"""
import collections
import io
import json
import os
import pickle
import struct
import sys

import numpy as np
import torch
from PIL import Image

corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def out(target, name, data):
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def saved(obj, zip_format=True):
    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=zip_format)
    return buffer.getvalue()


# --- .pth: zip and legacy containers, the layouts readPth accepts, and a refused global. ---
torch.manual_seed(0)
state = collections.OrderedDict(
    [("conv.weight", torch.arange(6, dtype=torch.float32).reshape(2, 3)),
     ("bn.num_batches_tracked", torch.tensor(3, dtype=torch.int64))])
out("pth", "state_zip.pth", saved(state))
out("pth", "state_legacy.pth", saved(state, zip_format=False))
base = torch.arange(12, dtype=torch.float16)
out("pth", "views_zip.pth", saved({"a": base[2:8].reshape(2, 3), "b": base.reshape(3, 4).t(),
                                    "c": torch.zeros(1, dtype=torch.bfloat16).expand(5)}))
out("pth", "checkpoint_legacy.pth",
    saved({"epoch": 3, "state_dict": {"w": torch.tensor([True, False])},
           "optimizer": {"lr": 0.1}}, zip_format=False))
out("pth", "parameter_zip.pth", saved(torch.nn.Parameter(torch.ones(2, dtype=torch.float64))))
out("pth", "dtypes_legacy.pth",
    saved({k: torch.tensor([1, 2], dtype=d) for k, d in
           [("i8", torch.int8), ("u8", torch.uint8), ("i16", torch.int16), ("i32", torch.int32)]},
          zip_format=False))


class RunsCommand:
    def __reduce__(self):
        return (os.system, ("true",))


out("pth", "os_system_legacy.pth", saved({"x": RunsCommand()}, zip_format=False))


# --- safetensors: written by hand (the format is a length, JSON and bytes). ---
def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


out("safetensors", "small.safetensors", safetensors(
    {"w": ("F32", np.arange(6, dtype="<f4").reshape(2, 3)), "b": ("I64", np.array([1, 2], "<i8"))},
    {"labels": "[\"cat\",\"dog\"]"}))
out("safetensors", "dtypes.safetensors", safetensors(
    {"f16": ("F16", np.ones(2, "<f2")), "f64": ("F64", np.ones(1, "<f8")),
     "bf16": ("BF16", np.array([0x3f80], "<u2")), "i32": ("I32", np.array([7], "<i4")),
     "i16": ("I16", np.array([7], "<i2")), "i8": ("I8", np.array([-1], "i1")),
     "u8": ("U8", np.array([255], "u1")), "bool": ("BOOL", np.array([1, 0], "u1")),
     "empty": ("F32", np.zeros((0, 3), "<f4")), "scalar": ("F32", np.array(2.5, "<f4"))}))
out("safetensors", "empty.safetensors", safetensors({}))

# --- CSV label files (the fuzzer's base folder holds a.png, b.jpg, sub/c.png, link.png, up/). ---
out("csv_import", "header.csv", b"path,label,split\r\na.png,cat,train\r\nb.jpg,dog,val\r\n"
    b"sub/c.png,,test\r\n")
out("csv_import", "plain.csv", b"\xef\xbb\xbfa.png,cat\nsub/c.png,\"dog, big\"\nmissing.png,cat\n")
out("csv_import", "columns.csv", b"split,class,file,path\nval,\"a \"\"b\"\"\",x,b.jpg\n,cat,,a.png")
out("csv_import", "escapes.csv", b"../outside.png,cat\n/etc/hostname,dog\nlink.png,cat\n"
    b"up/outside.png,dog\nup/images/a.png,cat\nnot-an-image.png,cat\na.png,x,bogus\n")
out("csv_import", "bad_quote.csv", b"a.png,\"cat\ndog")

# --- Images: each format the probe knows, small, in the layouts decodeImage converts. ---
def image_bytes(image, fmt, **kwargs):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


rgb = Image.fromarray(np.arange(8 * 6 * 3, dtype=np.uint8).reshape(6, 8, 3))
out("image", "rgb.png", image_bytes(rgb, "PNG"))
out("image", "gray16.png", image_bytes(
    Image.fromarray(np.arange(30, dtype=np.uint16).reshape(5, 6) * 2000), "PNG"))
out("image", "rgba.png", image_bytes(rgb.convert("RGBA"), "PNG"))
out("image", "palette.png", image_bytes(rgb.convert("P"), "PNG"))
exif = Image.Exif()
exif[0x0112] = 6  # orientation: rotate 90
out("image", "oriented.jpg", image_bytes(rgb, "JPEG", quality=50, exif=exif.tobytes()))
out("image", "gray.jpg", image_bytes(rgb.convert("L"), "JPEG", quality=50))
# Progressive 4:2:0, large enough for the 1/8-scale decode that leaves out the luma AC scans.
big = Image.fromarray(np.kron(np.asarray(rgb), np.ones((22, 17, 1), np.uint8)))
out("image", "progressive.jpg",
    image_bytes(big, "JPEG", quality=50, progressive=True, exif=exif.tobytes()))
out("image", "cmyk.jpg", image_bytes(rgb.convert("CMYK"), "JPEG", quality=50))
out("image", "rgb.bmp", image_bytes(rgb, "BMP"))
out("image", "rgb.webp", image_bytes(rgb, "WEBP", quality=50))
out("image", "rgb.tif", image_bytes(rgb, "TIFF"))
out("image", "float.tif", image_bytes(Image.fromarray(np.linspace(0, 1, 12, dtype=np.float32)
                                                      .reshape(3, 4)), "TIFF"))
print("seeds written to", corpus, file=sys.stderr)
