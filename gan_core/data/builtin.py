"""The data sets the course knows by name (``load_dataset``): 2-D toy sets, scikit-learn digits, MNIST-like
sets, CIFAR-10 and user files.

Decoded image sets are cached in-process and shared between loads: treat them as read-only. The record they
come in (``Dataset``) and the batcher live in ``gan_core.data.dataset``. Errors name files and folders by their
last part only (a browser sees them; the server's folders are its own business).
"""
from __future__ import annotations

import functools
import gzip
import math
import tarfile
import zlib
from pathlib import Path

import numpy as np
import torch

from gan_core.checks import public_text
from gan_core.data.dataset import Dataset, DatasetUnavailable, bounds, labelled, to_unit
from gan_core.paths import FASHION_MNIST_SYSTEM_DIR, default_data_dir

DESCRIPTIONS: dict[str, str] = {
    "ring8": "8 Gaussians on a circle of radius 2 (std 0.02): the classic mode-collapse test.",
    "grid25": "25 Gaussians on a 5x5 grid at {-4,-2,0,2,4}^2 (std 0.05): a harder mode-coverage test.",
    "spiral": "A 2-D Swiss roll (spiral), as in the WGAN-GP toy experiments.",
    "quadratic": "Points on the curve y = 10 + x^2 with x in [-3, 3], after the classic TensorFlow GAN tutorial.",
    "two_curves": "Two interleaved half-circles (moons), labelled 0 and 1.",
    "points": "Your own 2-D points from a .csv (two numeric columns) or a .npy of shape (N, 2).",
    "digits": "scikit-learn's 1,797 handwritten digits, 8x8 grayscale: trains in seconds on a CPU.",
    "mnist": "MNIST: 70,000 handwritten digits, 28x28 grayscale, 10 classes.",
    "fashion_mnist": "Fashion-MNIST: 70,000 clothing images, 28x28 grayscale, 10 classes.",
    "cifar10": "CIFAR-10: 60,000 small colour photos, 32x32 RGB, 10 classes.",
    "folder": "Your own images: an image folder (one subfolder per class, or flat) or an .npz with x (and y).",
}
TOY_SETS = ("ring8", "grid25", "spiral", "quadratic", "two_curves")
CLASS_NAMES = {
    "digits": tuple("0123456789"), "mnist": tuple("0123456789"),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
}
_TV_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}
_DATA_DIR_TEXT = "$GAN_DATA_DIR, by default ~/.cache/gan_classroom"
_IDX = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def load_dataset(name: str, data_root: str = "", *, train: bool = True, n_points: int = 20000, seed: int = 0,
                 download: bool = True) -> Dataset:
    """Load dataset ``name`` (a key of ``DESCRIPTIONS``) on the CPU.

    Args: ``data_root`` the file/folder for ``points``/``folder``, or where MNIST-like sets and CIFAR-10 live;
    ``train=False`` the held-out split (toy sets: an independent sample, user files: the same data);
    ``n_points``/``seed`` size and seed of a toy sample; ``download`` lets torchvision fetch a missing set.
    Raises: ValueError for a bad name or file; DatasetUnavailable (a ValueError) when files are missing.
    """
    if name not in DESCRIPTIONS:
        raise ValueError(f"dataset={name!r} is unknown; allowed: {', '.join(DESCRIPTIONS)}")
    if name in TOY_SETS:
        if not 1 <= int(n_points) <= 10_000_000:
            raise ValueError(f"n_points={n_points!r} is out of range; allowed: 1 to 10000000")
        return _toy(name, int(n_points), int(seed) + (0 if train else 1_000_003))
    root = Path(data_root).expanduser().resolve() if data_root else None
    if name in ("points", "folder"):
        if root is None or not root.exists():
            given = repr(Path(data_root).name) if data_root else "empty"
            raise ValueError(f"dataset={name!r} needs data_root: an existing file or folder; {given} is not one")
        from gan_core.data.user import read_folder, read_points  # user files: decoded only when asked for
        return read_points(root) if name == "points" else read_folder(root)
    return _image_set(name, str(root or ""), bool(train), bool(download), str(default_data_dir()))


# ---- 2-D toy sets ---------------------------------------------------------------------------------
def _toy(name: str, n: int, seed: int) -> Dataset:
    gen = torch.Generator().manual_seed(seed)
    y, modes, std, class_names = None, None, 0.0, ()
    if name in ("ring8", "grid25"):
        if name == "ring8":
            angle = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
            modes, std = (2.0 * torch.stack([angle.cos(), angle.sin()], 1)).float(), 0.02
        else:
            axis = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
            modes, std = torch.cartesian_prod(axis, axis), 0.05
        y = torch.randint(len(modes), (n,), generator=gen)       # label = index of the mode
        x = modes[y] + std * torch.randn(n, 2, generator=gen)
        class_names = tuple(f"mode {k}" for k in range(len(modes)))
    elif name == "spiral":    # sklearn.make_swiss_roll(noise=0.25)[0][:, [0, 2]] / 7.5, as in WGAN-GP
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=gen))
        x = (torch.stack([t * t.cos(), t * t.sin()], 1) + 0.25 * torch.randn(n, 2, generator=gen)) / 7.5
    elif name == "quadratic":  # tutorial: x = scale * (U - 0.5), y = 10 + x^2 with scale 100; 6 keeps y <= 19
        u = 6.0 * (torch.rand(n, generator=gen) - 0.5)
        x = torch.stack([u, 10 + u * u], 1) + 0.05 * torch.randn(n, 2, generator=gen)
    else:                     # two_curves: sklearn.make_moons(noise=0.05), centred and scaled by 2
        y = (torch.arange(n) % 2)[torch.randperm(n, generator=gen)]
        t = math.pi * torch.rand(n, generator=gen)
        upper, lower = torch.stack([t.cos(), t.sin()], 1), torch.stack([1 - t.cos(), 0.5 - t.sin()], 1)
        x = torch.where(y[:, None] == 0, upper, lower) - torch.tensor([0.5, 0.25])
        x = 2 * (x + 0.05 * torch.randn(n, 2, generator=gen))
        class_names = ("upper", "lower")
    return Dataset(name, "points", x.float().contiguous(), y, len(class_names), class_names, modes, std,
                   bounds(x))


@functools.lru_cache(maxsize=6)
def _image_set(name: str, data_root: str, train: bool, download: bool, home: str) -> Dataset:
    """digits, mnist, fashion_mnist or cifar10; ``home`` is default_data_dir() (part of the cache key)."""
    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        bunch = load_digits()   # (1797, 8, 8) values 0..16
        train_idx, test_idx = train_test_split(np.arange(len(bunch.target)), test_size=0.2, random_state=0,
                                               stratify=bunch.target)   # fixed, stratified 80/20
        idx = train_idx if train else test_idx
        x = torch.from_numpy(bunch.images[idx, None].astype(np.float32)).div_(8.0).sub_(1.0)
        return labelled(name, x, bunch.target[idx], CLASS_NAMES[name], "sklearn.datasets.load_digits")
    searched = _search_dirs(name, data_root, Path(home))
    for folder in searched:       # local files first: fast, offline, no torchvision
        found = _read_local(name, folder, train)
        if found is not None:
            return labelled(name, to_unit(found[0]), found[1], CLASS_NAMES[name], str(folder))
    roots = ([Path(data_root)] if data_root else []) + [Path(home)]
    root = next((r for r in roots if name == "cifar10" and (r / "cifar-10-batches-py").is_dir()), None)
    if root is None and not download:
        raise _unavailable(name, data_root, "download=False")
    root = root or roots[0]
    if data_root and not root.is_dir():  # found nowhere: a mistyped data_root must not become a download folder
        raise DatasetUnavailable(f"data_root={Path(data_root).name!r} is not an existing folder; allowed: a folder "
                                 f"holding the {name} files, or empty to use the data folder ({_DATA_DIR_TEXT})")
    try:
        import torchvision.datasets as tvd
        root.mkdir(parents=True, exist_ok=True)
        ds = getattr(tvd, _TV_NAMES[name])(str(root), train=train, download=download)
    except ImportError as exc:
        raise _unavailable(name, data_root, f"torchvision is not installed: {exc}") from None
    except (RuntimeError, OSError, ValueError, tarfile.TarError) as exc:
        reason = public_text(" ".join(str(exc).split())) or type(exc).__name__
        raise _unavailable(name, data_root, f"torchvision: {reason}") from None
    x = np.asarray(ds.data)   # MNIST-like (N, 28, 28); CIFAR-10 (N, 32, 32, 3)
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
    return labelled(name, to_unit(x), np.asarray(ds.targets), CLASS_NAMES[name], str(root))


def _search_subs(name: str) -> tuple[str, ...]:
    return ("cifar-10-batches-bin",) if name == "cifar10" else (f"{_TV_NAMES[name]}/raw", _TV_NAMES[name])


def _search_dirs(name: str, data_root: str, home: Path) -> list[Path]:
    roots = ([Path(data_root)] if data_root else []) + [home]
    subs = _search_subs(name)
    dirs = [d for r in roots for d in (r, *(r / s for s in subs))]
    return dirs + ([FASHION_MNIST_SYSTEM_DIR] if name == "fashion_mnist" else [])


def fashion_mnist_locations() -> list[Path]:
    """Folders searched for the Fashion-MNIST IDX files when no data_root is given, in search order."""
    return _search_dirs("fashion_mnist", "", default_data_dir())


def _read_local(name: str, folder: Path, train: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(uint8 images (N, C, H, W), labels) from IDX files or CIFAR-10 binary batches in ``folder``, or None."""
    if name == "cifar10":
        files = [folder / f"data_batch_{i}.bin" for i in range(1, 6)] if train else [folder / "test_batch.bin"]
        if not all(f.is_file() for f in files):
            return None
        raw = np.concatenate([np.fromfile(f, np.uint8) for f in files])
        if raw.size % 3073:
            raise DatasetUnavailable(f"{folder.name!r}: the CIFAR-10 binary batches have the wrong size")
        records = raw.reshape(-1, 3073)   # 1 label byte, then 3 x 32 x 32 bytes (R, G, B planes)
        return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0]
    paths = []
    for stem in _IDX[train]:          # plain or .gz; "train-images-idx3-ubyte" or "train-images.idx3-ubyte"
        cands = [folder / f"{s}{ext}" for s in (stem, stem.replace("-idx", ".idx")) for ext in ("", ".gz")]
        paths.append(next((p for p in cands if p.is_file()), None))
    if None in paths:
        return None
    x = read_idx(paths[0])
    if x.ndim != 3:
        raise DatasetUnavailable(f"{paths[0].name!r} holds shape {x.shape}; expected images (N, H, W)")
    return x[:, None], read_idx(paths[1])


def read_idx(path: Path) -> np.ndarray:
    """An unsigned-byte IDX file (the MNIST format), gzipped or not, as a uint8 array of its shape."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        raise DatasetUnavailable(f"{path.name!r} could not be read ({why}); replace the file") from None
    ndim = raw[3] if len(raw) >= 4 else 0
    if ndim == 0 or raw[:3] != b"\x00\x00\x08" or len(raw) < 4 + 4 * ndim:
        raise DatasetUnavailable(f"{path.name!r} is not an unsigned-byte IDX file (bad header)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">i4", ndim, 4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(dims):
        raise DatasetUnavailable(f"{path.name!r} is truncated: its header says {dims}, it holds {data.size} bytes")
    return data.reshape(dims)


def _unavailable(name: str, data_root: str, reason: str) -> DatasetUnavailable:
    files = ("the folder cifar-10-batches-bin (binary version) or cifar-10-batches-py (python version)"
             if name == "cifar10" else "the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
             "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (.gz or not)")
    apt = (f"On Debian/Ubuntu, `sudo apt install dataset-fashion-mnist` puts it in {FASHION_MNIST_SYSTEM_DIR}, "
           "which is found automatically. " if name == "fashion_mnist" else
           "Offline alternative: fashion_mnist (Debian/Ubuntu package dataset-fashion-mnist). ")
    where = ("data_root, " if data_root else "") + f"the data folder ({_DATA_DIR_TEXT})"
    system = " and the system datasets" if name == "fashion_mnist" else ""
    return DatasetUnavailable(
        f"Dataset {name!r} is not available ({reason}). Searched: {where}, their subfolders "
        f"{' and '.join(_search_subs(name))}{system}. "
        f"Put {files} in a folder and point to it with --set data_root=FOLDER (the data_root box in the "
        f"dashboard), or put them in the data folder. {apt}With internet access, torchvision downloads it "
        "there by itself.")


