"""An independent writer of TensorBoard event files, for testing Fovea's reader.

Usage: /usr/bin/python3 write_tfevents.py FILE EVENTS_JSON

EVENTS_JSON is a list of events, each {"step": N, "scalars": {"tag": value, ...},
"text": optional string}: all of an event's scalars (and its text, as the text plugin stores
it) go into one Summary, as TensorFlow's writers may put several values in one event. The
file starts with the file-version event. Uses Google's protobuf runtime on
tfevents_subset.proto and the framing and CRC of read_tfevents.py.
"""

import json
import struct
import sys
import tempfile

from read_tfevents import crc32c, fail, load_messages, masked


def framed(data):
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked(crc32c(length))) + data +
            struct.pack("<I", masked(crc32c(data))))


def encode(pb, spec):
    event = pb.Event()
    event.wall_time = 1.7e9
    event.step = spec["step"]
    for tag, value in spec.get("scalars", {}).items():
        entry = event.summary.value.add()
        entry.tag = tag
        entry.simple_value = value
    if "text" in spec:
        entry = event.summary.value.add()
        entry.tag = "notes"
        entry.metadata.plugin_data.plugin_name = "text"
        entry.tensor.dtype = 7
        entry.tensor.tensor_shape.dim.add().size = 1
        entry.tensor.string_val.append(spec["text"].encode("utf-8"))
    return event.SerializeToString()


def main():
    if len(sys.argv) != 3:
        fail(__doc__)
    events = json.loads(sys.argv[2])
    with tempfile.TemporaryDirectory() as work_dir:
        pb = load_messages(work_dir)
        version = pb.Event()
        version.wall_time = 1.7e9
        version.file_version = "brain.Event:2"
        with open(sys.argv[1], "wb") as out:
            out.write(framed(version.SerializeToString()))
            for spec in events:
                out.write(framed(encode(pb, spec)))


if __name__ == "__main__":
    main()
