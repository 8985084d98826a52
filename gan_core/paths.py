"""Every folder the engine reads or writes, in one place. Environment variables win over the defaults:
``GAN_RUNS_DIR`` (run folders), ``GAN_DATA_DIR`` (downloaded and offline data sets).

Two layouts: a source checkout (``make run``) keeps its runs in ``<checkout>/runs``; an installed package
(``pip install .``) never writes into site-packages and keeps them in the user's data folder instead.

``browser_roots`` is the one list of folders whose files a browser may make the server read (its own uploads and
the data set folders); ``gan_core.data.user.browser_data_root`` checks a data_root against it.
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent   # the checkout's root, or site-packages when installed
# a checkout has its git folder (a file in a worktree) or at least its Makefile; site-packages has neither
IS_CHECKOUT = (REPO_ROOT / ".git").exists() or (REPO_ROOT / "Makefile").is_file()
# the wheel ships assets/presets as the data package gan_core/presets (pyproject.toml: package-dir)
_INSTALLED_PRESETS = Path(__file__).resolve().parent / "presets"
PRESETS_DIR = _INSTALLED_PRESETS if _INSTALLED_PRESETS.is_dir() else REPO_ROOT / "assets" / "presets"
APP_NAME = "gan_classroom"
SYSTEM_DATASETS_DIR = Path("/usr/share/datasets")  # Debian's dataset packages
FASHION_MNIST_SYSTEM_DIR = SYSTEM_DATASETS_DIR / "fashion-mnist"  # Debian package dataset-fashion-mnist


def runs_root() -> Path:
    """Where run folders live: ``$GAN_RUNS_DIR`` if set, else ``<checkout>/runs`` in a source checkout, else
    ``<user data folder>/runs`` (see ``user_data_dir``)."""
    env = os.environ.get("GAN_RUNS_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    return REPO_ROOT / "runs" if IS_CHECKOUT else user_data_dir() / "runs"


def user_data_dir() -> Path:
    """The platform's per-user data folder for this app: ``$XDG_DATA_HOME/gan_classroom`` (default
    ``~/.local/share/gan_classroom``) on Linux, ``~/Library/Application Support/gan_classroom`` on macOS,
    ``%LOCALAPPDATA%\\gan_classroom`` on Windows."""
    return _platform_dir("XDG_DATA_HOME", Path(".local") / "share", Path("Library") / "Application Support")


def user_cache_dir() -> Path:
    """The platform's per-user cache folder for this app (files that can be made again): ``$XDG_CACHE_HOME`` or
    ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%\\gan_classroom\\Cache`` on Windows."""
    return _platform_dir("XDG_CACHE_HOME", Path(".cache"), Path("Library") / "Caches", windows_sub="Cache")


def _platform_dir(xdg_var: str, xdg_default: Path, macos: Path, windows_sub: str = "") -> Path:
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / APP_NAME
        return base / windows_sub if windows_sub else base
    if sys.platform == "darwin":
        return home / macos / APP_NAME
    xdg = os.environ.get(xdg_var, "").strip()
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else home / xdg_default) / APP_NAME  # XDG: absolute only


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
