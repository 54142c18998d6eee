"""Writes the weight files core_weights_tests reads, with Debian's python3-torch 1.13.

Usage: /usr/bin/python3 make_pth_fixtures.py OUTPUT_FOLDER

For every set of tensors it also writes the expected values, independently of any reader
under test: <set>.bin holds each tensor's contiguous little-endian bytes one after another,
and expected.json lists, per set, each tensor's name, dtype, shape, byte offset and length.

Besides what torch.save writes (zip and legacy containers, pickle protocols 2 and 4), it
writes hand-made pickles: malicious ones that would run a command if unpickled by Python, and
corrupt ones (bad sizes, offsets, memo references...). Hand-made files come from the same
helpers as a valid one that torch.load reads back, so a corrupt file differs only where it
is meant to.
"""

import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch
import torchvision

OUT = sys.argv[1]
EXPECTED = {}


def path(name):
    return os.path.join(OUT, name)


def expect(set_name, tensors):
    """Records the expected contents of a state dict (name -> tensor), in order."""
    entries = []
    offset = 0
    with open(path(set_name + ".bin"), "wb") as out:
        for name, tensor in tensors.items():
            data = tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
            out.write(data)
            entries.append({
                "name": name,
                "dtype": str(tensor.dtype).replace("torch.", ""),
                "shape": list(tensor.shape),
                "offset": offset,
                "nbytes": len(data),
            })
            offset += len(data)
    EXPECTED[set_name] = {"bin": set_name + ".bin", "tensors": entries}


def save_both(obj, stem, **kwargs):
    torch.save(obj, path(stem + "_zip.pth"), **kwargs)
    torch.save(obj, path(stem + "_legacy.pth"), _use_new_zipfile_serialization=False, **kwargs)


# --- Real state dicts ---

torch.manual_seed(0)
resnet = torchvision.models.resnet18().eval()
# A trained network's BatchNorm statistics are not 0/1; make them distinctive too.
with torch.no_grad():
    for module in resnet.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
            module.num_batches_tracked.fill_(7)
resnet_sd = resnet.state_dict()
assert hasattr(resnet_sd, "_metadata")
save_both(resnet_sd, "resnet18")
expect("resnet18", resnet_sd)

dtypes = collections.OrderedDict()
dtypes["f32"] = torch.tensor([[1.5, -2.25, 3.0e38], [-0.0, 1.0e-40, 7.0]], dtype=torch.float32)
dtypes["f64"] = torch.tensor([1.0 / 3.0, -1.0e308, 5e-324], dtype=torch.float64)
dtypes["f16"] = torch.tensor([0.5, -65504.0, 6.0e-8, 1.0], dtype=torch.float16)
dtypes["bf16"] = torch.tensor([[1.0, -3.0e38], [0.0078125, 2.5]], dtype=torch.bfloat16)
dtypes["i64"] = torch.tensor([2**63 - 1, -2**63, 0, -1], dtype=torch.int64)
dtypes["i32"] = torch.tensor([2**31 - 1, -2**31, 12345], dtype=torch.int32)
dtypes["i16"] = torch.tensor([32767, -32768, 7], dtype=torch.int16)
dtypes["i8"] = torch.tensor([127, -128, 0, 5], dtype=torch.int8)
dtypes["u8"] = torch.tensor([0, 255, 128], dtype=torch.uint8)
dtypes["bool"] = torch.tensor([[True, False], [False, True]])
dtypes["scalar"] = torch.tensor(2.75)
dtypes["empty"] = torch.zeros(0, 3)
dtypes._metadata = {"": {"version": 1}}
save_both(dtypes, "dtypes")
# Protocol 4 brings FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL-free framing.
torch.save(dtypes, path("dtypes_p4_zip.pth"), pickle_protocol=4)
torch.save(dtypes, path("dtypes_p4_legacy.pth"), pickle_protocol=4,
           _use_new_zipfile_serialization=False)
expect("dtypes", dtypes)

# Views sharing one storage with offsets and non-contiguous strides.
base = torch.arange(24.0).reshape(4, 6)
views = collections.OrderedDict()
views["a"] = base[1:]
views["b"] = base[:, 2]
views["c"] = base.t()
views["d"] = base[::2, 1::3]
views["e"] = base[2, 3]
save_both(views, "views")
with zipfile.ZipFile(path("views_zip.pth")) as archive:
    records = [name for name in archive.namelist() if "/data/" in name]
    assert len(records) == 1, records  # one shared storage, five views of it
expect("views", views)

# expand() gives zero strides: 4000 elements over a 4-element storage.
expanded = {"row": torch.tensor([1.0, 2.0, 3.0, 4.0]).view(1, 4).expand(1000, 4)}
torch.save(expanded, path("expanded_zip.pth"))
expect("expanded", expanded)

parameter = torch.nn.Parameter(torch.randn(2, 3))
save_both(parameter, "parameter")
expect("parameter", {"": parameter})

linear = torch.nn.Linear(3, 2)
params = dict(linear.named_parameters())
torch.save(params, path("params_dict_zip.pth"))
expect("params_dict", params)

small = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
# One training step first: state_dict() tensors share the parameters' memory, so the
# checkpoint below must be saved with the values expected here.
optimizer = torch.optim.SGD(small.parameters(), lr=0.1, momentum=0.9)
small(torch.randn(5, 4)).sum().backward()
optimizer.step()
small_sd = small.state_dict()
expect("small", small_sd)
torch.save(dict(small_sd), path("plain_dict_zip.pth"))
checkpoint = {
    "epoch": 3,
    "lr": 0.1,
    "history": [1.5, -2, "x", None, True, (1, 2)],
    "big": 2**70,
    "optimizer": optimizer.state_dict(),
    "state_dict": small_sd,
}
save_both(checkpoint, "checkpoint")
torch.save({"model": small_sd, "epoch": 3}, path("checkpoint_model_zip.pth"))
torch.save({"epoch": 3, "loss": 0.5}, path("not_a_state_dict_zip.pth"))
torch.save([torch.ones(2)], path("list_zip.pth"))
torch.save(small, path("whole_module_zip.pth"))

# --- Hand-made pickles ---


def unicode(text):
    data = text.encode("utf-8")
    return b"X" + struct.pack("<I", len(data)) + data


def binint(value):
    return b"J" + struct.pack("<i", value)


def int_tuple(values):
    return b"(" + b"".join(binint(v) for v in values) + b"t"


def storage(dtype_name, key, numel):
    return (b"(" + unicode("storage") + b"ctorch\n" + dtype_name + b"\n" + unicode(key) +
            unicode("cpu") + binint(numel) + b"tQ")


def tensor(storage_pid, offset, size, stride):
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + storage_pid + binint(offset) +
            int_tuple(size) + int_tuple(stride) + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


def state_dict_pickle(items):
    body = b"".join(unicode(name) + value for name, value in items)
    return b"\x80\x02ccollections\nOrderedDict\n)R(" + body + b"u."


def write_zip(name, data_pkl, records):
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        for key, data in records.items():
            archive.writestr("archive/data/" + key, data)
        archive.writestr("archive/version", b"3\n")


floats16 = struct.pack("<16f", *range(16))

# A valid hand-made file, read back by torch.load to prove the helpers write torch's format.
write_zip("crafted_valid_zip.pth",
          state_dict_pickle([("w", tensor(storage(b"FloatStorage", "0", 16), 4, (2, 3), (1, 4)))]),
          {"0": floats16})
assert torch.equal(torch.load(path("crafted_valid_zip.pth"))["w"],
                   torch.arange(16.0).as_strided((2, 3), (1, 4), 4))
expect("crafted_valid", {"w": torch.arange(16.0).as_strided((2, 3), (1, 4), 4)})

# Bool bytes other than 0/1 must come back as true, not as invalid bools.
write_zip("bool_bytes_zip.pth",
          state_dict_pickle([("b", tensor(storage(b"BoolStorage", "0", 4), 0, (4,), (1,)))]),
          {"0": bytes([0, 1, 2, 255])})

corrupt = {
    "storage_larger_than_record_zip.pth":
        state_dict_pickle([("w", tensor(storage(b"FloatStorage", "0", 1000), 0, (16,), (1,)))]),
    "offset_outside_storage_zip.pth":
        state_dict_pickle([("w", tensor(storage(b"FloatStorage", "0", 16), 10, (8,), (1,)))]),
    "stride_outside_storage_zip.pth":
        state_dict_pickle([("w", tensor(storage(b"FloatStorage", "0", 16), 0, (4, 4), (5, 1)))]),
    "missing_record_zip.pth":
        state_dict_pickle([("w", tensor(storage(b"FloatStorage", "7", 16), 0, (16,), (1,)))]),
    "memo_missing_zip.pth": b"\x80\x02h\x63.",
    "stack_underflow_zip.pth": b"\x80\x02R.",
    "mark_underflow_zip.pth": b"\x80\x02(R.",
    "huge_string_zip.pth": b"\x80\x02X\xf0\xff\xff\xffabc.",
    "no_stop_zip.pth": b"\x80\x02}q\x00",
    "unknown_opcode_zip.pth": b"\x80\x02\xff.",
    "storage_called_zip.pth": b"\x80\x02ctorch\nFloatStorage\n)R.",
    "newer_protocol_zip.pth": b"\x80\x06}.",
}
for name, data_pkl in corrupt.items():
    write_zip(name, data_pkl, {"0": floats16})

# A zip directory that declares a 4 GB data.pkl in a file of a few hundred bytes.
with open(path("crafted_valid_zip.pth"), "rb") as f:
    data = bytearray(f.read())
directory = data.index(b"PK\x01\x02")
assert data[directory + 46:directory + 46 + len(b"archive/data.pkl")] == b"archive/data.pkl"
data[directory + 24:directory + 28] = struct.pack("<I", 0xFFFFFFF0)
with open(path("huge_record_zip.pth"), "wb") as f:
    f.write(data)


def legacy_pickle_ends(raw):
    """Byte offsets just past each of the five pickles of a legacy file."""
    import pickletools
    stream = io.BytesIO(raw)
    ends = []
    for _ in range(5):
        for opcode, _, _ in pickletools.genops(stream):
            pass
        ends.append(stream.tell())
    return ends


with open(path("views_legacy.pth"), "rb") as f:
    legacy = bytearray(f.read())
storages_start = legacy_pickle_ends(bytes(legacy))[-1]
assert struct.unpack("<q", legacy[storages_start:storages_start + 8])[0] == 24
mismatch = bytearray(legacy)
mismatch[storages_start:storages_start + 8] = struct.pack("<q", 25)
with open(path("legacy_count_mismatch.pth"), "wb") as f:
    f.write(mismatch)
huge = bytearray(legacy)
huge[storages_start:storages_start + 8] = struct.pack("<q", 2**62)
with open(path("legacy_huge_count.pth"), "wb") as f:
    f.write(huge)
with open(path("legacy_truncated_data.pth"), "wb") as f:
    f.write(legacy[:storages_start + 8 + 40])
with open(path("legacy_truncated_pickle.pth"), "wb") as f:
    f.write(legacy[:storages_start // 2])

# Legacy files of older torch versions: a storage view (view_metadata, which torch 1.13 never
# writes but still reads) and a storage tagged torch.cuda.FloatStorage from a GPU save.
def legacy_file(name, storage_pid_bytes, key, numel, values_bytes, offset, size, stride):
    main = state_dict_pickle([("w", tensor(storage_pid_bytes, offset, size, stride))])
    with open(path(name), "wb") as f:
        f.write(pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2))
        f.write(pickle.dumps(1001, protocol=2))
        f.write(pickle.dumps({"protocol_version": 1001, "little_endian": True,
                              "type_sizes": {"short": 2, "int": 4, "long": 8}}, protocol=2))
        f.write(main)
        f.write(pickle.dumps([key], protocol=2))
        f.write(struct.pack("<q", numel) + values_bytes)


def legacy_storage(module, key, numel, location, view):
    view_bytes = b"N" if view is None else (
        b"(" + unicode(view[0]) + binint(view[1]) + binint(view[2]) + b"t")
    return (b"(" + unicode("storage") + b"c" + module + b"\nFloatStorage\n" + unicode(key) +
            unicode(location) + binint(numel) + view_bytes + b"tQ")


# Elements 4..11 of a 16-float root storage, then offset 1, size (2, 3), stride (1, 2).
legacy_file("legacy_view_crafted.pth",
            legacy_storage(b"torch", "root", 16, "cpu", ("view", 4, 8)),
            "root", 16, floats16, 1, (2, 3), (1, 2))
view_expected = torch.arange(16.0)[4:12].clone().as_strided((2, 3), (1, 2), 1)
assert torch.equal(torch.load(path("legacy_view_crafted.pth"))["w"], view_expected)
expect("legacy_view", {"w": view_expected})
# A view reaching past its root storage: elements 12..19 of 16.
legacy_file("legacy_view_outside.pth",
            legacy_storage(b"torch", "root", 16, "cpu", ("view", 12, 8)),
            "root", 16, floats16, 0, (8,), (1,))
legacy_file("legacy_cuda_crafted.pth",
            legacy_storage(b"torch.cuda", "gpu", 16, "cuda:0", None),
            "gpu", 16, floats16, 2, (3,), (4,))
cuda_expected = torch.arange(16.0).as_strided((3,), (4,), 2)
assert torch.equal(torch.load(path("legacy_cuda_crafted.pth"), map_location="cpu")["w"],
                   cuda_expected)
expect("legacy_cuda", {"w": cuda_expected})

# --- Malicious pickles: each would run a command (or eval) if Python unpickled it ---


class System:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class Eval:
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return (eval, (self.code,))


def touch(marker):
    return "touch " + path(marker)


def evil_files(marker):
    """name -> writer(file) for every malicious layout, all creating `marker` if run."""
    os_system = (b"\x80\x02cos\nsystem\n" + unicode(touch(marker)) + b"\x85R.")
    py2_eval = (b"\x80\x02c__builtin__\neval\n" +
                unicode("open(%r, 'w').close()" % path(marker)) + b"\x85R.")
    inside = collections.OrderedDict()
    inside["w"] = torch.ones(2)
    inside["x"] = System(touch(marker))
    return {
        "evil_posix_system_zip.pth": lambda f: torch.save(System(touch(marker)), f),
        # Protocol 3: protocol 2 would spell the global Python 2's way, __builtin__.eval.
        "evil_builtins_eval_zip.pth": lambda f: torch.save(
            Eval("open(%r, 'w').close()" % path(marker)), f, pickle_protocol=3),
        "evil_posix_system_legacy.pth": lambda f: torch.save(
            System(touch(marker)), f, _use_new_zipfile_serialization=False),
        "evil_inside_state_dict_zip.pth": lambda f: torch.save(inside, f),
        "evil_stack_global_zip.pth": lambda f: write_raw_zip(
            f, pickle.dumps(System(touch(marker)), protocol=4)),
        "evil_os_system_zip.pth": lambda f: write_raw_zip(f, os_system),
        "evil_py2_eval_zip.pth": lambda f: write_raw_zip(f, py2_eval),
        "evil_plain_pickle.pth": lambda f: open(f, "wb").write(
            pickle.dumps(System(touch(marker)), protocol=2)),
    }


def write_raw_zip(file, data_pkl):
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/version", b"3\n")


for name, write in evil_files("pwned").items():
    write(path(name))

# Control: the same payloads with another marker, loaded by Python itself, must create their
# marker. This proves the files above are live exploits, so Fovea refusing them means something.
for name, write in evil_files("control_marker").items():
    control = path("control_" + name)
    write(control)
    try:
        if name == "evil_plain_pickle.pth":
            with open(control, "rb") as f:
                pickle.load(f)
        else:
            # torch 2.6 made weights_only=True the default, which refuses these files; the
            # control needs the unrestricted unpickler that older torch and careless code use.
            torch.load(control, weights_only=False)
    except Exception:
        pass  # the payload ran; what it returned is not a valid torch object
    assert os.path.exists(path("control_marker")), name
    os.remove(path("control_marker"))
    os.remove(control)

# --- A safetensors file written here with plain json, read by Fovea ---
# Header keys and byte order differ from name order, and the header is padded with spaces,
# as the format allows.
python_tensors = collections.OrderedDict()
python_tensors["zeta"] = torch.tensor([[1.5, -2.0, float("inf")]], dtype=torch.float32)
python_tensors["alpha"] = torch.tensor([1, -2, 2**40], dtype=torch.int64)
python_tensors["mid"] = torch.tensor([1.0, -0.5, 3.0e38], dtype=torch.bfloat16)
python_tensors["flag"] = torch.tensor([True, False, True])
python_tensors["half"] = torch.tensor([[0.25], [-2.0]], dtype=torch.float16)
python_tensors["scalar"] = torch.tensor(3.25, dtype=torch.float64)
python_tensors["empty"] = torch.zeros(0, 2)
python_tensors["small_ints"] = torch.tensor([-3, 4], dtype=torch.int8)
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
                      torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
                      torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
header = {"__metadata__": {"format": "pt", "labels": "cat,dog"}}
buffer = b""
for name, value in reversed(list(python_tensors.items())):
    data = value.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    header[name] = {"dtype": SAFETENSORS_DTYPES[value.dtype], "shape": list(value.shape),
                    "data_offsets": [len(buffer), len(buffer) + len(data)]}
    buffer += data
header_bytes = json.dumps(header).encode("utf-8") + b"   "
with open(path("python_written.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(header_bytes)) + header_bytes + buffer)
# Fovea returns tensors in the order of their bytes.
expect("python_safetensors", collections.OrderedDict(reversed(list(python_tensors.items()))))

with open(path("expected.json"), "w") as f:
    json.dump(EXPECTED, f, indent=1)
print("fixtures written to", OUT)
