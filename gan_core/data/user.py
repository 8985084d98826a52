"""User files as datasets: 2-D points from CSV/.npy, an image folder (flat or one subfolder per class), an .npz.

Decoded defensively: size and pixel limits, unreadable files skipped, pickles refused, clear ValueErrors that
name the file and what is allowed.
"""
from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.data.dataset import Dataset, bounds, labelled, to_unit

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
MAX_IMAGES = 60_000                  # user images kept (evenly spread over the sorted files)
MAX_FILE_BYTES = 50 * 2**20          # larger image files are skipped
MAX_PIXELS = 4096 * 4096             # larger images are skipped (decompression bombs)
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})


def browser_data_root(value: str, roots: list[Path]) -> str:
    """``value`` as a data_root a browser may use: empty, or a path that resolves (links and ``..`` followed)
    inside one of ``roots`` (the uploads folder, the data folder, the system datasets). Raises ValueError naming
    the value and the allowed folders: a student must not read the server's other files through a form."""
    if not value:
        return ""
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = roots[0] / path
    resolved = path.resolve()
    for root in roots:
        if resolved == root.resolve() or root.resolve() in resolved.parents:
            return str(resolved)
    allowed = ", ".join(str(r) for r in roots)
    raise ValueError(f"data_root={value!r} is outside the folders this server reads from a browser; allowed: "
                     f"a path inside {allowed}")


def read_points(path: Path) -> Dataset:
    """``points`` dataset from a .csv / .npy file."""
    return _points(path)


def read_folder(path: Path) -> Dataset:
    """``folder`` dataset from an image folder or an .npz (cached until files are added or removed)."""
    return _folder(str(path), _stamp(path))


def check_folder(path: Path, label: str) -> Dataset:
    """Decode ``path`` as ``read_folder`` does but uncached (an upload being checked); errors name ``label``."""
    try:
        return _folder.__wrapped__(str(path), ())
    except ValueError as exc:
        raise ValueError(str(exc).replace(f"data_root={str(path)!r}", repr(label)).replace(str(path), repr(label))) \
            from None


def _points(path: Path) -> Dataset:
    """User points: a .npy of shape (N, 2), or a CSV/TSV of two numeric columns with an optional header."""
    try:
        text = None if path.suffix == ".npy" else path.read_text(encoding="utf-8-sig")
        x = np.load(path, allow_pickle=False) if text is None else None
    except (OSError, ValueError) as exc:   # ValueError: undecodable text, pickled .npy
        raise ValueError(f"{path} could not be read as a CSV or .npy file: {exc}") from None
    if text is not None:
        lines = [ln.strip() for ln in text.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        sep = next((s for s in (",", ";", "\t") if lines and s in lines[0]), None)
        rows = [[c.strip().strip('"') for c in ln.split(sep)] for ln in lines]
        parsed = [_two_numbers(r, path, i) for i, r in enumerate(rows)]
        x = np.array([r for r in parsed if r is not None], dtype=np.float64).reshape(-1, 2)
    if x.ndim != 2 or x.shape[1] != 2 or not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{path} holds an array of shape {x.shape} ({x.dtype}); need numbers of shape (N, 2)")
    if len(x) < 2 or not np.isfinite(x).all():
        raise ValueError(f"{path} needs at least 2 points and only finite numbers")
    t = torch.from_numpy(x.astype(np.float32))
    return Dataset("points", "points", t, None, bounds=bounds(t), source=str(path))


def _two_numbers(cells: list[str], path: Path, i: int) -> tuple[float, float] | None:
    """One CSV row as (x, y); None for a header in the first row."""
    try:
        if len(cells) == 2:
            return float(cells[0]), float(cells[1])
    except ValueError:
        if i == 0:
            return None
    raise ValueError(f"{path}: row {i + 1} {','.join(cells)!r} is not two numbers; the file needs two numeric "
                     "columns (x, y) and at most one header row")


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
    """Images from an ImageFolder layout (>= 2 class subfolders), a flat folder, or an .npz/.npy file."""
    root = Path(path)
    if root.is_file():
        return _array_file(root)
    classes = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".") and _images_in(d)]
    groups = [_images_in(d) for d in classes] if len(classes) >= 2 else [_images_in(classes[0] if classes else root)]
    files = [p for g in groups for p in g]
    keep = _keep(len(files))
    x, kept = _decode([files[i] for i in keep])
    if not kept:
        raise ValueError(f"data_root={path!r} holds no readable images ({len(files)} files with extensions "
                         f"{', '.join(sorted(IMAGE_EXTS))})")
    if len(groups) < 2:
        return Dataset("folder", "images", x, None, source=path)
    labels = np.repeat(np.arange(len(groups)), [len(g) for g in groups])[keep][kept]
    return labelled("folder", x, labels, tuple(d.name for d in classes), path)


def _decode(files: list[Path]) -> tuple[torch.Tensor, list[int]]:
    """Decode with PIL, skipping unreadable or huge files; gray if all are gray; 28x28 if all are, else 32x32."""
    from PIL import Image, ImageOps
    bad = (OSError, ValueError, Image.DecompressionBombError)
    heads = []   # (index, mode, size) read from the headers only
    for i, p in enumerate(files):
        try:
            if p.stat().st_size <= MAX_FILE_BYTES:
                with Image.open(p) as im:
                    if im.size[0] * im.size[1] <= MAX_PIXELS:
                        heads.append((i, im.mode, im.size))
        except bad:
            continue
    mode = "L" if all(m in _GRAY_MODES for _, m, _ in heads) else "RGB"
    side = 28 if heads and all(s == (28, 28) for _, _, s in heads) else 32
    arrays, kept = [], []
    for i, _, _ in heads:
        try:
            with Image.open(files[i]) as im:
                if "A" in im.mode or "transparency" in im.info:   # flatten transparency onto white
                    im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im.convert("RGBA"))
                arrays.append(np.asarray(ImageOps.fit(im.convert(mode), (side, side), Image.Resampling.LANCZOS)))
                kept.append(i)
        except bad:
            continue
    u8 = np.stack(arrays) if arrays else np.zeros((0, side, side), np.uint8)
    return to_unit(u8[:, None] if u8.ndim == 3 else u8.transpose(0, 3, 1, 2)), kept


def _array_file(path: Path) -> Dataset:
    """Images from an .npz (``x`` and optional ``y``) or an .npy (``x`` only), loaded without pickle."""
    try:
        loaded, names = np.load(path, allow_pickle=False), ["x"]
        if isinstance(loaded, np.ndarray):
            arrays = {"x": loaded}
        else:
            with loaded:
                names, arrays = loaded.files, {k: loaded[k] for k in ("x", "y") if k in loaded.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} could not be read as .npz or .npy (pickled objects are refused): {exc}") from None
    if "x" not in arrays:
        raise ValueError(f"{path} holds arrays {names}; expected 'x' (images) and optional 'y' (labels)")
    x, y = arrays["x"], arrays.get("y")
    allowed = "allowed: (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3 and 4 <= H, W <= 1024"
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or len(x) < 1 or not all(4 <= s <= 1024 for s in x.shape[2:]):
        raise ValueError(f"{path}: x has shape {arrays['x'].shape}; {allowed}")
    n, _, h, w = x.shape
    keep = _keep(n)
    x = x[keep]
    if np.issubdtype(x.dtype, np.integer) and x.min() >= 0 and x.max() <= 255:
        t = to_unit(x)
    elif np.issubdtype(x.dtype, np.floating) and np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1 + 1e-4:
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).mul_(2).sub_(1).clamp_(-1, 1)
    else:
        raise ValueError(f"{path}: x is {x.dtype} from {x.min()} to {x.max()}; allowed: uint8 0..255 or float 0..1")
    if (h, w) not in ((28, 28), (32, 32)):    # centre-crop to a square, then resize to 32x32
        s = min(h, w)
        t = t[:, :, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
        t = F.interpolate(t, size=(32, 32), mode="bilinear", antialias=True, align_corners=False).clamp_(-1, 1)
    if y is not None and np.shape(y) != (n,):
        raise ValueError(f"{path}: y has shape {np.shape(y)}; expected ({n},), one label per image")
    values, labels = np.unique(y[keep], return_inverse=True) if y is not None else ((), None)
    if len(values) > 1000:
        raise ValueError(f"{path}: y has {len(values)} distinct values; labels must be class ids (at most 1000)")
    if len(values) < 2:
        return Dataset("folder", "images", t.contiguous(), None, source=str(path))
    return labelled("folder", t.contiguous(), labels, tuple(str(v) for v in values), str(path))


# ---- batches -----------------------------------------------------------------------------------
