"""Every folder the engine reads or writes, in one place. Environment variables win over the defaults:
``GAN_RUNS_DIR`` (run folders), ``GAN_DATA_DIR`` (downloaded and offline data sets)."""
from __future__ import annotations

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


def uploads_dir(root: str | Path | None = None) -> Path:
    """Files sent from browsers: ``<runs_root>/_uploads``."""
    return Path(root or runs_root()) / "_uploads"


def classifier_cache_dir() -> Path:
    """Trained evaluation classifiers: ``<runs_root>/_cache/classifiers``."""
    return runs_root() / "_cache" / "classifiers"


def default_data_dir() -> Path:
    """Where downloads go and files are looked for: ``$GAN_DATA_DIR`` or ``~/.cache/gan_classroom``."""
    return Path(os.environ.get("GAN_DATA_DIR") or Path.home() / ".cache" / "gan_classroom").expanduser()
