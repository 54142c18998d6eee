"""An independent reader of TensorBoard event files: Google's protobuf runtime, no TensorFlow.

Usage: /usr/bin/python3 read_tfevents.py FILE [--allow-truncated-tail]

Compiles tfevents_subset.proto (next to this script) with protoc into a temporary folder,
walks the TFRecord framing (uint64 length, masked CRC-32C of it, data, masked CRC-32C of the
data), checks both CRCs of every record with a bitwise CRC-32C written here, parses each
record as an Event and prints JSON:

  {"file_version": "...", "records": N, "truncated_tail": false,
   "scalars": [[tag, step, value, wall_time], ...],
   "texts": [[tag, step, text, wall_time], ...]}

Floats are strings from float.hex() so that they are exact and NaN/inf survive JSON ("nan",
"inf", "-inf"); steps are JSON integers. With --allow-truncated-tail an incomplete last record
ends the file the way TensorBoard treats it (not yet written); without it, it is an error.
Exits 1 with a message on stderr when the file breaks the format.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def crc32c(data):
    # Bit by bit, on purpose unlike the table-driven C++ one: reflected Castagnoli polynomial.
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# The check value from the CRC catalogue and RFC 3720's 32 zero bytes: a wrong implementation
# here would otherwise agree with a wrong one in C++ only by accident, never silently.
assert crc32c(b"123456789") == 0xE3069283
assert crc32c(bytes(32)) == 0x8A9136AA


def load_messages(work_dir):
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        compiled = subprocess.run(
            ["protoc", "-I", here, "--python_out=" + work_dir,
             os.path.join(here, "tfevents_subset.proto")],
            capture_output=True, text=True)
    except FileNotFoundError:
        fail("protoc not found (Debian package protobuf-compiler)")
    if compiled.returncode != 0:
        fail("protoc failed: " + compiled.stderr)
    sys.path.insert(0, work_dir)
    try:
        import tfevents_subset_pb2  # generated just above
    except ImportError as error:
        fail(f"cannot load the protobuf runtime (Debian package python3-protobuf): {error}")
    return tfevents_subset_pb2


def records(raw, allow_truncated_tail):
    """Yields (offset, data) per record; returns True when an incomplete tail was dropped."""
    offset = 0
    index = 0
    while offset < len(raw):
        if offset + 12 > len(raw):
            if allow_truncated_tail:
                return True
            fail(f"record {index} at offset {offset}: truncated header")
        length_bytes = raw[offset:offset + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        (length_crc,) = struct.unpack("<I", raw[offset + 8:offset + 12])
        if masked(crc32c(length_bytes)) != length_crc:
            fail(f"record {index} at offset {offset}: length CRC mismatch "
                 f"(stored 0x{length_crc:08x}, computed 0x{masked(crc32c(length_bytes)):08x})")
        end = offset + 12 + length + 4
        if end > len(raw):
            if allow_truncated_tail:
                return True
            fail(f"record {index} at offset {offset}: truncated data ({length} bytes announced)")
        data = raw[offset + 12:offset + 12 + length]
        (data_crc,) = struct.unpack("<I", raw[end - 4:end])
        if masked(crc32c(data)) != data_crc:
            fail(f"record {index} at offset {offset}: data CRC mismatch "
                 f"(stored 0x{data_crc:08x}, computed 0x{masked(crc32c(data)):08x})")
        yield offset, data
        offset = end
        index += 1
    return False


def has_unknown_fields(message):
    # Works with every protobuf backend: unknown fields count in the serialised size.
    copy = type(message)()
    copy.CopyFrom(message)
    size = copy.ByteSize()
    copy.DiscardUnknownFields()
    return copy.ByteSize() != size


def read(path, allow_truncated_tail, pb):
    with open(path, "rb") as f:
        raw = f.read()
    result = {"file_version": None, "records": 0, "truncated_tail": False, "scalars": [],
              "texts": []}
    walker = records(raw, allow_truncated_tail)
    while True:
        try:
            offset, data = next(walker)
        except StopIteration as end:
            result["truncated_tail"] = bool(end.value)
            break
        where = f"record {result['records']} at offset {offset}"
        event = pb.Event()
        try:
            event.ParseFromString(data)
        except Exception as error:  # DecodeError, or a non-UTF-8 string field
            fail(f"{where}: not an Event: {error}")
        if has_unknown_fields(event):
            fail(f"{where}: fields this subset does not know (wrong field number or type?)")
        kind = event.WhichOneof("what")
        if result["records"] == 0:
            if kind != "file_version":
                fail(f"{where}: the first event has no file_version")
            result["file_version"] = event.file_version
        elif kind != "summary":
            fail(f"{where}: expected a summary, found {kind}")
        else:
            for value in event.summary.value:
                add_value(result, where, event, value)
        result["records"] += 1
    if result["records"] == 0:
        fail("no complete record: not even the file-version event")
    return result


def add_value(result, where, event, value):
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        result["scalars"].append([value.tag, event.step, float(value.simple_value).hex(),
                                  event.wall_time.hex()])
    elif kind == "tensor":
        tensor = value.tensor
        if value.metadata.plugin_data.plugin_name != "text":
            fail(f"{where}: a tensor summary for plugin "
                 f"'{value.metadata.plugin_data.plugin_name}', expected 'text'")
        if tensor.dtype != 7 or [d.size for d in tensor.tensor_shape.dim] != [1] or \
                len(tensor.string_val) != 1:
            fail(f"{where}: a text tensor must be DT_STRING of shape [1] with one string")
        result["texts"].append([value.tag, event.step, tensor.string_val[0].decode("utf-8"),
                                event.wall_time.hex()])
    else:
        fail(f"{where}: summary value '{value.tag}' holds {kind}")


def main():
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    if len(args) != 1:
        fail(__doc__)
    allow_truncated_tail = "--allow-truncated-tail" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as work_dir:
        pb = load_messages(work_dir)
        result = read(args[0], allow_truncated_tail, pb)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
