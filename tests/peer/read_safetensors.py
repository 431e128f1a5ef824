#!/usr/bin/env python3
"""An independent reader for dyad checkpoints (safetensors), standard library only.

Usage: read_safetensors.py FILE

Checks the layout the C writer promises: the header length is a multiple of 8
(so the data starts 8-aligned), every tensor is F32 with
end - begin == prod(shape) * 4, and the tensors tile the data section in order
with no gaps or overlaps. Then prints one line per tensor, in data order:

    NAME SHAPE SUM        e.g.  layers.0.weight 16x12 -1.2345678901234567

and a final line "tensors N". Any violation: one line on stderr, exit 1.
"""
import json
import math
import struct
import sys


def fail(path, msg):
    print(f"read_safetensors: {path}: {msg}", file=sys.stderr)
    sys.exit(1)


def main(argv):
    if len(argv) != 2:
        print("usage: read_safetensors.py FILE", file=sys.stderr)
        return 2
    path = argv[1]
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        fail(path, f"file too short ({len(blob)} bytes)")
    (header_len,) = struct.unpack_from("<Q", blob, 0)
    if header_len % 8 != 0:
        fail(path, f"header length {header_len} is not a multiple of 8")
    if 8 + header_len > len(blob):
        fail(path, f"header length {header_len} goes beyond the file")
    try:
        header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(path, f"header is not JSON: {e}")
    if not isinstance(header, dict):
        fail(path, "header is not a JSON object")
    meta = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        fail(path, "__metadata__ is not a string -> string map")
    data = blob[8 + header_len:]

    try:
        tensors = sorted(header.items(), key=lambda item: item[1]["data_offsets"][0])
    except (KeyError, TypeError, IndexError):
        fail(path, "a tensor entry lacks data_offsets")
    expected_begin = 0
    for name, info in tensors:
        if info.get("dtype") != "F32":
            fail(path, f"{name}: dtype {info.get('dtype')!r}, expected F32")
        try:
            begin, end = info["data_offsets"]
            shape = info["shape"]
            size = math.prod(shape) * 4
        except (KeyError, TypeError, ValueError):
            fail(path, f"{name}: malformed shape or data_offsets")
        if begin != expected_begin:
            fail(path, f"{name}: starts at {begin}, expected {expected_begin} (gap or overlap)")
        if end - begin != size:
            fail(path, f"{name}: {end - begin} bytes for shape {shape}")
        expected_begin = end
    if expected_begin != len(data):
        fail(path, f"tensors cover {expected_begin} bytes of a {len(data)}-byte data section")

    for name, info in tensors:
        begin, end = info["data_offsets"]
        count = (end - begin) // 4
        values = struct.unpack_from(f"<{count}f", data, begin)
        shape = "x".join(str(d) for d in info["shape"])
        print(f"{name} {shape} {math.fsum(values)!r}")
    print(f"tensors {len(tensors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
