#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/seeds/NAME/).

Python 3 standard library only, deterministic. The image seeds are copies of
small test fixtures plus a tiny BMP made here; seeds/image/seven.jpg, .gif
and .tga were made once with ImageMagick from tests/fixtures/seven_dark_on_white.png
(`convert IN -resize 16x16 OUT`) and are kept as they are.
Run from anywhere: python3 tests/fuzz/make_seeds.py
"""
import gzip
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")
FIXTURES = os.path.join(HERE, "..", "fixtures")


def put(name, data):
    path = os.path.join(SEEDS, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def idx(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def safetensors(in_width, layers):
    """layers: (kind, ndyad, out) tuples; values are small deterministic floats."""
    meta_layers, tensors, width = [], [], in_width
    for i, (kind, n, out) in enumerate(layers):
        meta_layers.append({"kind": kind, "ndyad": n, "in": width, "out": out,
                            "activation": "relu" if i + 1 < len(layers) else "none"})
        if kind == "dense":
            tensors.append(("layers.%d.weight" % i, [out, width]))
        else:
            tensors.append(("layers.%d.wl" % i, [n, out // n, width // n]))
            tensors.append(("layers.%d.wu" % i, [n, out // n, width // n]))
        tensors.append(("layers.%d.bias" % i, [out]))
        width = out
    header = {"__metadata__": {"dyad.layers": json.dumps(meta_layers, separators=(",", ":")),
                               "dyad.format": "1", "dyad.dataset": "seed", "dyad.epochs": "1"}}
    data, offset = b"", 0
    for name, shape in tensors:
        count = 1
        for d in shape:
            count *= d
        values = [((k * 37) % 17 - 8) / 16.0 for k in range(count)]
        data += struct.pack("<%df" % count, *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * count]}
        offset += 4 * count
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def bmp(w, h, grey_rows):
    pad = (4 - (w * 3) % 4) % 4
    pixels = b"".join(b"".join(bytes((v, v, v)) for v in row) + b"\x00" * pad
                      for row in reversed(grey_rows))
    return (struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54) +
            struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0) + pixels)


def main():
    images = idx(0x803, [3, 4, 4], bytes((i * 29) % 256 for i in range(48)))
    labels = idx(0x801, [5], bytes([0, 1, 9, 4, 7]))
    put("idx/images", images)
    put("idx/labels", labels)
    put("idx/images.gz", gzip.compress(images, mtime=0))
    put("idx/labels.gz", gzip.compress(labels, mtime=0))

    put("checkpoint/small.safetensors", safetensors(4, [("dyad-it", 2, 4), ("dense", 1, 2)]))
    put("checkpoint/mixed.safetensors",
        safetensors(8, [("dense", 1, 8), ("dyad-ot", 2, 4), ("dyad-dt", 2, 4), ("dense", 1, 3)]))

    put("layers/uniform", b"dyad-it/4:1024,dyad-it/4:1024,dense:10")
    put("layers/mixed", b"dense:64,dyad-ot/8:512,dyad-dt/2:16,dense:10")
    put("layers/one", b"dense:10")

    put("script/all-commands", b"# every command once\n"
        b"stroke 0.2,0.2 0.5,0.5 0.8,0.2\nerase 0.5,0.5 0.6,0.6\nclear\n"
        b"key ctrl+z\nkey F1\nwait 250\nmouse 10 20\nclick 30 40 right\n"
        b"wheel 50 60 -2\ndrop /nonexistent/file.png\n")
    shutil.copy(os.path.join(HERE, "..", "scripts", "digit-1.script"),
                os.path.join(SEEDS, "script", "digit-1.script"))

    os.makedirs(os.path.join(SEEDS, "image"), exist_ok=True)
    for name in ("seven_dark_on_white.png", "one_transparent.png", "zero_light_on_black.pgm",
                 "seven_16bit.png"):
        shutil.copy(os.path.join(FIXTURES, name), os.path.join(SEEDS, "image", name))
    put("image/tiny.bmp", bmp(6, 5, [[(x * 40 + y * 10) % 256 for x in range(6)] for y in range(5)]))


if __name__ == "__main__":
    main()
