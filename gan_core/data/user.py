"""User files as datasets: 2-D points from CSV/.npy, an image folder (flat or one subfolder per class), an .npz.

Decoded defensively: size and pixel limits (an array's declared size is checked from its header before anything
is allocated), unreadable files skipped, pickles refused. Errors are ValueErrors that name the file by its name
and say what is allowed; they never quote the file's contents nor the folder it lies in (a browser sees them).
``browser_data_root`` is the one check of every path a browser makes the server read.
"""
from __future__ import annotations

import functools
import math
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.checks import ConfigError, shown
from gan_core.data.dataset import Dataset, bounds, labelled, to_unit

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
MAX_IMAGES = 60_000                  # user images kept (evenly spread over the sorted files)
MAX_FILE_BYTES = 50 * 2**20          # larger image files are skipped
MAX_PIXELS = 4096 * 4096             # larger images are skipped (decompression bombs)
MAX_TOTAL_PIXELS = 500 * 10**6       # all images of one data set together (decoding costs ~7 ms a megapixel)
MAX_UNPACKED_BYTES = 400 * 2**20     # an array (.npy, an .npz member) or a whole zip, once unpacked
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})
BROWSER_ALLOWED = ("allowed: a file or folder uploaded from this browser (page 'Your own data'), a data set "
                   "folder of this server, or empty for a built-in data set")


def browser_data_root(value: Any, roots: list[Path]) -> str:
    """``value`` as a data_root a browser may use: empty, or a path that resolves (links and ``..`` followed)
    inside one of ``roots`` (``gan_core.paths.browser_roots``: this browser's uploads, the data set folders); a
    relative path lands in ``roots[0]``, which itself is not allowed (an upload in it is).

    Every path a browser can make the server read goes through here: typed in the form, in an uploaded config
    or checkpoint, in the config.json of a run opened or resumed from a browser. Returns the resolved path.
    Raises ValueError naming the value (never the allowed folders: they are the server's own paths).
    """
    if value is None or value == "":
        return ""
    refused = ConfigError(f"data_root={shown(value)} is outside the files this browser may read; {BROWSER_ALLOWED}",
                          "data_root", value, "outside")
    if not isinstance(value, str) or "\x00" in value or len(value) > 4096:
        raise refused
    try:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = roots[0] / path
        resolved = path.resolve()
        # the uploads folder itself (data_root=".") is no upload: only what lies in it; a data folder may be named
        inside = any((resolved == root.resolve() and i > 0) or root.resolve() in resolved.parents
                     for i, root in enumerate(roots))
    except (OSError, RuntimeError, ValueError):   # a loop of links, an unknown ~user
        raise refused from None
    if not inside:
        raise refused
    return str(resolved)


Progress = Callable[[int, int], None]   # (images decoded, images to decode); may raise Cancelled to stop


class Cancelled(Exception):
    """Raised by a ``Progress`` callback to stop reading an upload (the student pressed Cancel)."""


PROGRESS_EVERY = 32                      # images between two progress calls


def file_label(path: str | Path) -> str:
    """How an error names a user file: its name only (its folder is the server's business)."""
    return Path(path).name or "data_root"


def read_points(path: Path) -> Dataset:
    """``points`` dataset from a .csv / .npy file."""
    return _points(path)


def read_folder(path: Path) -> Dataset:
    """``folder`` dataset from an image folder or an .npz (cached until files are added or removed)."""
    return _folder(str(path), _stamp(path))


def check_folder(path: Path, label: str, progress: Progress | None = None) -> Dataset:
    """Decode ``path`` as ``read_folder`` does but uncached (an upload being checked); errors name ``label``;
    ``progress`` is told how far the decoding is (and may stop it by raising ``Cancelled``)."""
    return _read_folder(str(path), repr(label), progress)


def _points(path: Path) -> Dataset:
    """User points: a .npy of shape (N, 2), or a CSV/TSV of two numeric columns with an optional header."""
    name = file_label(path)
    try:
        if path.suffix == ".npy":
            text, x = None, _load_npy(path, name)
        else:
            if path.stat().st_size > MAX_UNPACKED_BYTES:
                raise ValueError(f"{name} is {path.stat().st_size / 2**20:.0f} MB; allowed: at most "
                                 f"{MAX_UNPACKED_BYTES // 2**20} MB")
            text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"{name} could not be read ({exc.strerror or type(exc).__name__}); allowed: a CSV "
                         "or .npy file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text; allowed: a CSV of two numeric columns or a .npy") from None
    if text is not None:
        lines = [ln.strip() for ln in text.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        sep = next((s for s in (",", ";", "\t") if lines and s in lines[0]), None)
        rows = [[c.strip().strip('"') for c in ln.split(sep)] for ln in lines]
        parsed = [_two_numbers(r, name, i) for i, r in enumerate(rows)]
        x = np.array([r for r in parsed if r is not None], dtype=np.float64).reshape(-1, 2)
    if x.ndim != 2 or x.shape[1] != 2 or not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise ValueError(f"{name} holds an array of shape {x.shape} ({x.dtype}); need real numbers of shape (N, 2)")
    with np.errstate(over="ignore", invalid="ignore"):
        x32 = x.astype(np.float32)   # finite as float64 is not enough: 5e307 becomes inf in float32
    if len(x) < 2 or not np.isfinite(x32).all():
        raise ValueError(f"{name} needs at least 2 points and only finite numbers, each within "
                         f"±{np.finfo(np.float32).max:.2e}")
    t = torch.from_numpy(x32)
    return Dataset("points", "points", t, None, bounds=bounds(t), source=str(path))


def _two_numbers(cells: list[str], name: str, i: int) -> tuple[float, float] | None:
    """One CSV row as (x, y); None for a header in the first row. Errors give the row's number, never its text."""
    try:
        if len(cells) == 2:
            return float(cells[0]), float(cells[1])
    except ValueError:
        if i == 0:
            return None
    raise ValueError(f"{name}: row {i + 1} is not two numbers; the file needs two numeric columns (x, y) and at "
                     "most one header row")


# ---- arrays: sizes from the header before anything is allocated ------------------------------------
def _npy_header(fp: IO[bytes], available: int, label: str) -> None:
    """Read a .npy header from ``fp`` and refuse an array larger than MAX_UNPACKED_BYTES or than the
    ``available`` bytes of the file (a header may claim 97 GiB: numpy would allocate it before reading)."""
    fmt = np.lib.format
    try:
        major, _ = fmt.read_magic(fp)
        shape, _, dtype = (fmt.read_array_header_1_0 if major == 1 else fmt.read_array_header_2_0)(fp)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError):
        raise ValueError(f"{label} could not be read as a .npy array (pickled objects are refused)") from None
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > MAX_UNPACKED_BYTES:
        raise ValueError(f"{label} declares an array of shape {shape} ({nbytes / 2**20:,.0f} MB); allowed: at "
                         f"most {MAX_UNPACKED_BYTES // 2**20} MB")
    if nbytes > available - fp.tell():
        raise ValueError(f"{label} is truncated: its header declares shape {shape}, the file is shorter")


def _load_npy(path: Path, label: str) -> np.ndarray:
    with open(path, "rb") as fp:
        _npy_header(fp, path.stat().st_size, label)
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError):
        raise ValueError(f"{label} could not be read as a .npy array (pickled objects are refused)") from None


def _load_npz(path: Path, label: str) -> tuple[list[str], dict[str, np.ndarray]]:
    """The member names of an .npz and its ``x`` and ``y`` arrays, each checked from its header first."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {i.filename: i for i in archive.infolist()}
            for key in ("x", "y"):
                info = infos.get(f"{key}.npy") or infos.get(key)
                if info is None:
                    continue
                if info.file_size > MAX_UNPACKED_BYTES:
                    raise ValueError(f"{label}: {key} is {info.file_size / 2**20:,.0f} MB unpacked; allowed: at "
                                     f"most {MAX_UNPACKED_BYTES // 2**20} MB")
                with archive.open(info) as member:
                    _npy_header(member, info.file_size, f"{label}: {key}")
        with np.load(path, allow_pickle=False) as loaded:
            names = list(loaded.files)
            return names, {k: loaded[k] for k in ("x", "y") if k in names}
    except (OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
        raise ValueError(f"{label} could not be read as .npz ({type(exc).__name__})") from None
    except ValueError as exc:
        if str(exc).startswith(label):
            raise
        raise ValueError(f"{label} could not be read as .npz (pickled objects are refused)") from None


# ---- image sets: digits, MNIST, Fashion-MNIST, CIFAR-10 -----------------------------------------
def _stamp(path: Path) -> tuple:
    """Part of the cache key: changes when the file, the folder or a class subfolder changes."""
    parts = [path.stat().st_mtime_ns, path.stat().st_size]
    return tuple(parts + ([p.stat().st_mtime_ns for p in sorted(path.iterdir()) if p.is_dir()]
                          if path.is_dir() else []))


def _keep(n: int) -> np.ndarray:
    """Indices of at most MAX_IMAGES items, evenly spread so every class keeps its share."""
    return np.arange(n) if n <= MAX_IMAGES else np.linspace(0, n - 1, MAX_IMAGES).astype(np.int64)


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_EXTS and not p.name.startswith(".") and p.is_file())


@functools.lru_cache(maxsize=4)
def _folder(path: str, stamp: tuple) -> Dataset:
    return _read_folder(path)


def _read_folder(path: str, label: str | None = None, progress: Progress | None = None) -> Dataset:
    """Images from an ImageFolder layout (>= 2 class subfolders), a flat folder, or an .npz/.npy file; errors
    name ``label`` (default: the file's or folder's name)."""
    root, label = Path(path), label or file_label(path)
    if root.is_file():
        return _array_file(root, label)
    classes = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".") and _images_in(d)]
    groups = [_images_in(d) for d in classes] if len(classes) >= 2 else [_images_in(classes[0] if classes else root)]
    files = [p for g in groups for p in g]
    keep = _keep(len(files))
    x, kept = _decode([files[i] for i in keep], progress)
    if not kept:
        raise ValueError(f"{label} holds no readable images ({len(files)} files with extensions "
                         f"{', '.join(sorted(IMAGE_EXTS))})")
    if len(groups) < 2:
        return Dataset("folder", "images", x, None, source=path)
    labels = np.repeat(np.arange(len(groups)), [len(g) for g in groups])[keep][kept]
    return labelled("folder", x, labels, tuple(d.name for d in classes), path)


def _decode(files: list[Path], progress: Progress | None = None) -> tuple[torch.Tensor, list[int]]:
    """Decode with PIL, skipping unreadable or huge files; gray if all are gray; 28x28 if all are, else 32x32.
    ``progress(done, total)`` every PROGRESS_EVERY images (``done`` 0 while the headers are read)."""
    from PIL import Image, ImageOps
    bad = (OSError, ValueError, Image.DecompressionBombError)
    tell = progress or (lambda done, total: None)
    heads = []   # (index, mode, size) read from the headers only
    for i, p in enumerate(files):
        if i % PROGRESS_EVERY == 0:
            tell(0, len(files))
        try:
            if p.stat().st_size <= MAX_FILE_BYTES:
                with Image.open(p) as im:
                    if im.size[0] * im.size[1] <= MAX_PIXELS:
                        heads.append((i, im.mode, im.size))
        except bad:
            continue
    total = sum(w * h for _, _, (w, h) in heads)
    if total > MAX_TOTAL_PIXELS:   # a zip of 25,638 blank 4096x4096 PNGs (7.8 MB) took ~50 min of CPU to decode
        raise ValueError(f"these {len(heads):,} images hold {total / 1e6:,.0f} megapixels; allowed: at most "
                         f"{MAX_TOTAL_PIXELS / 1e6:,.0f} megapixels in all (they are shrunk to 32x32 anyway): "
                         "make them smaller or send fewer")
    mode = "L" if all(m in _GRAY_MODES for _, m, _ in heads) else "RGB"
    side = 28 if heads and all(s == (28, 28) for _, _, s in heads) else 32
    arrays, kept = [], []
    for k, (i, _, _) in enumerate(heads):
        if k % PROGRESS_EVERY == 0:
            tell(k, len(heads))
        try:
            with Image.open(files[i]) as im:
                if "A" in im.mode or "transparency" in im.info:   # flatten transparency onto white
                    im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im.convert("RGBA"))
                arrays.append(np.asarray(ImageOps.fit(im.convert(mode), (side, side), Image.Resampling.LANCZOS)))
                kept.append(i)
        except bad:
            continue
    tell(len(heads), len(heads))
    u8 = np.stack(arrays) if arrays else np.zeros((0, side, side), np.uint8)
    return to_unit(u8[:, None] if u8.ndim == 3 else u8.transpose(0, 3, 1, 2)), kept


def _array_file(path: Path, label: str) -> Dataset:
    """Images from an .npz (``x`` and optional ``y``) or an .npy (``x`` only), loaded without pickle."""
    if path.suffix.lower() == ".npy":
        names, arrays = ["x"], {"x": _load_npy(path, label)}
    else:
        names, arrays = _load_npz(path, label)
    if "x" not in arrays:
        raise ValueError(f"{label} holds arrays {names[:10]}; expected 'x' (images) and optional 'y' (labels)")
    x, y = arrays["x"], arrays.get("y")
    allowed = "allowed: (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3 and 4 <= H, W <= 1024"
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or len(x) < 1 or not all(4 <= s <= 1024 for s in x.shape[2:]):
        raise ValueError(f"{label}: x has shape {arrays['x'].shape}; {allowed}")
    n, _, h, w = x.shape
    keep = _keep(n)
    x = x[keep]
    integer = np.issubdtype(x.dtype, np.integer) and not np.issubdtype(x.dtype, np.bool_)
    if integer and x.min() >= 0 and x.max() <= 255:
        pass
    elif np.issubdtype(x.dtype, np.floating) and np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1 + 1e-4:
        integer = False
    else:
        what = f"from {x.min()} to {x.max()}" if integer or np.issubdtype(x.dtype, np.floating) else "not numbers"
        raise ValueError(f"{label}: x is {x.dtype} {what}; allowed: uint8 0..255 or float 0..1")
    t = _to_unit_32(x, integer)
    if y is not None and np.shape(y) != (n,):
        raise ValueError(f"{label}: y has shape {np.shape(y)}; expected ({n},), one label per image")
    values, labels = np.unique(y[keep], return_inverse=True) if y is not None else ((), None)
    if len(values) > 1000:
        raise ValueError(f"{label}: y has {len(values)} distinct values; labels must be class ids (at most 1000)")
    if len(values) < 2:
        return Dataset("folder", "images", t.contiguous(), None, source=str(path))
    return labelled("folder", t.contiguous(), labels, tuple(str(v) for v in values), str(path))


def _to_unit_32(x: np.ndarray, integer: bool) -> torch.Tensor:
    """``(n, c, h, w)`` uint8 0..255 or float 0..1 as float32 in [-1, 1]; sizes other than 28x28 and 32x32 are
    centre-cropped to a square and resized to 32x32. Converted about 64 MB at a time, so a large array never
    exists whole as float32 (uint8 becomes 4 times larger)."""
    n, c, h, w = x.shape
    chunk = max(1, 64 * 2**20 // (c * h * w * 4))
    parts = []
    for i in range(0, n, chunk):
        part = x[i:i + chunk]
        t = (to_unit(part) if integer else
             torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32)).mul_(2).sub_(1).clamp_(-1, 1))
        if (h, w) not in ((28, 28), (32, 32)):    # centre-crop to a square, then resize to 32x32
            s = min(h, w)
            t = t[:, :, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
            t = F.interpolate(t, size=(32, 32), mode="bilinear", antialias=True, align_corners=False).clamp_(-1, 1)
        parts.append(t)
    return torch.cat(parts)


# ---- batches -----------------------------------------------------------------------------------
