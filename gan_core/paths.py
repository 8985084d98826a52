"""Every folder the engine reads or writes, in one place. Environment variables win over the defaults:
``GAN_RUNS_DIR`` (run folders), ``GAN_DATA_DIR`` (downloaded and offline data sets).

``browser_roots`` is the one list of folders whose files a browser may make the server read (its own uploads and
the data set folders); ``gan_core.data.user.browser_data_root`` checks a data_root against it.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRESETS_DIR = REPO_ROOT / "assets" / "presets"
SYSTEM_DATASETS_DIR = Path("/usr/share/datasets")  # Debian's dataset packages
FASHION_MNIST_SYSTEM_DIR = SYSTEM_DATASETS_DIR / "fashion-mnist"  # Debian package dataset-fashion-mnist


def runs_root() -> Path:
    """Where run folders live: ``$GAN_RUNS_DIR`` if set, else ``<repo root>/runs``."""
    env = os.environ.get("GAN_RUNS_DIR", "").strip()
    return Path(env).expanduser() if env else REPO_ROOT / "runs"


def uploads_dir(root: str | Path | None = None, browser: str | None = None) -> Path:
    """Files sent from browsers: ``<runs_root>/_uploads``, and one browser's own ``<runs_root>/_uploads/<key>``.

    ``key`` is a hash of the browser's id, never the id itself: a data_root in a run's config (which every
    classmate can download) must not carry what identifies its owner's browser.
    """
    base = Path(root or runs_root()) / "_uploads"
    if not browser:
        return base
    return base / hashlib.sha256(f"gan-classroom-uploads:{browser}".encode()).hexdigest()[:16]


def dataset_dirs() -> list[Path]:
    """The data set folders a browser may name: the data folder (``$GAN_DATA_DIR``) and the system datasets."""
    return [default_data_dir(), SYSTEM_DATASETS_DIR]


def browser_roots(root: str | Path | None = None, browser: str | None = None) -> list[Path]:
    """The folders a browser may make the server read: ``browser``'s uploads folder first (a relative data_root
    lands there), then the data set folders. ``browser=None``: every browser's uploads (a run someone uploaded
    data for, opened read-only or resumed into a run of one's own)."""
    return [uploads_dir(root, browser), *dataset_dirs()]


def classifier_cache_dir() -> Path:
    """Trained evaluation classifiers: ``<runs_root>/_cache/classifiers``."""
    return runs_root() / "_cache" / "classifiers"


def default_data_dir() -> Path:
    """Where downloads go and files are looked for: ``$GAN_DATA_DIR`` or ``~/.cache/gan_classroom``."""
    return Path(os.environ.get("GAN_DATA_DIR") or Path.home() / ".cache" / "gan_classroom").expanduser()
