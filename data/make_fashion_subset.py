#!/usr/bin/env python3
"""Writes data/fashion-mnist-subset/: the first 10,000 training and 2,000 test images of
Fashion-MNIST (and their labels) as gzip'd IDX, with the dataset's MIT licence beside them.

Source: Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or any
directory with the four original files, given as the first argument. Standard library only.
"""
import gzip
import os
import shutil
import struct
import sys

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-subset")
COUNTS = {"train": 10_000, "t10k": 2_000}
LICENCE = "/usr/share/doc/dataset-fashion-mnist/copyright"


def take(name, count):
    with gzip.open(os.path.join(SOURCE, name + ".gz"), "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    rank = magic & 0xFF
    dims = list(struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank]))
    item = 1
    for d in dims[1:]:
        item *= d
    body = data[4 + 4 * rank:4 + 4 * rank + count * item]
    dims[0] = count
    # mtime=0 keeps the output byte-identical from run to run.
    with open(os.path.join(TARGET, name + ".gz"), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as out:
            out.write(struct.pack(">I", magic) + struct.pack(">" + "I" * rank, *dims) + body)


os.makedirs(TARGET, exist_ok=True)
for split, count in COUNTS.items():
    take(f"{split}-images-idx3-ubyte", count)
    take(f"{split}-labels-idx1-ubyte", count)
with open(os.path.join(TARGET, "LICENSE"), "w") as out:
    out.write("Fashion-MNIST subset: the first 10,000 training and 2,000 test images and labels of\n"
              "https://github.com/zalandoresearch/fashion-mnist, made by data/make_fashion_subset.py.\n\n"
              "The MIT License (MIT)\n\nCopyright (c) 2017 Zalando SE, https://tech.zalando.com\n\n")
    with open(LICENCE) as f:
        text = f.read()
    body = text.split("License: Expat\n")[-1]
    out.write("\n".join(line[1:] if line.startswith(" ") else line for line in body.splitlines()).replace("\n.\n", "\n\n").strip() + "\n")
print("wrote", TARGET, sorted(os.listdir(TARGET)))
