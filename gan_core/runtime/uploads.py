"""Files a student sends from a browser: images (files, a .zip of a folder, an .npz/.npy), a config, a checkpoint.

Images land in the uploading browser's own folder, ``uploads_dir(root, browser)/<id>`` (a folder) or ``<id>.npz``
(another browser cannot train on them); a checkpoint becomes a new run folder.
Each is written to a hidden temporary path first and moved into place only once it decoded, so a bad file
leaves nothing behind. Sizes are checked before decoding, pickles are refused (``allow_pickle=False``,
``weights_only=True``), and a zip member cannot name a path outside its folder (only its last folder and file
name are kept, both sanitised). A checkpoint's config must be one the server would start for that browser (its
data_root inside the browser's own folders) and its weights must fit it, checked before any network is built.
Every problem is a ValueError that names the file and what is allowed, never a server folder.
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
import shutil
import stat
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from gan_core.config import TrainConfig
from gan_core.data.dataset import Dataset
from gan_core.data.user import (
    IMAGE_EXTS,
    MAX_FILE_BYTES,
    MAX_UNPACKED_BYTES,
    PROGRESS_EVERY,
    Cancelled,
    Progress,
    check_folder,
)
from gan_core.logs import refusal, short
from gan_core.paths import browser_roots, uploads_dir
from gan_core.runtime import store

MAX_UPLOAD_BYTES = 50 * 2**20     # one upload: all its images together, a .zip, an .npz or a checkpoint
MAX_CONFIG_BYTES = 64 * 2**10
MAX_ZIP_MEMBERS = 70_000
MAX_ZIP_BYTES = MAX_UNPACKED_BYTES  # uncompressed: a small zip that inflates to gigabytes is refused unread
ARRAY_EXTS = (".npz", ".npy")
UPLOAD_TYPES = sorted(e[1:] for e in IMAGE_EXTS) + ["zip", "npz", "npy"]   # what an images upload may hold
log = logging.getLogger(__name__)
_ALLOWED = f"images ({', '.join(sorted(IMAGE_EXTS))}), or one .zip of them, or one .npz/.npy with x (and y)"


@contextlib.contextmanager
def _logged(kind: str, name: str, browser: str | None) -> Iterator[None]:
    """A refused upload (ValueError) logged as one line naming the kind, the file and why, then re-raised."""
    try:
        yield
    except ValueError as exc:
        log.warning("%s upload %s refused (browser=%s): %s", kind, short(name), browser or "-", refusal(exc))
        raise
    except Cancelled:
        log.info("%s upload %s cancelled (browser=%s)", kind, short(name), browser or "-")
        raise


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.1f} KB"


def _check_size(name: str, n: int, limit: int) -> None:
    if n > limit:
        size = _mb(n)
        raise ValueError(f"{name} is {size if size != _mb(limit) else 'over ' + size}; allowed: at most "
                         f"{_mb(limit)}")


def _safe_name(name: str) -> str:
    """A file or folder name with nothing but word characters, dots and dashes; never hidden, never '..'."""
    clean = re.sub(r"[^\w.-]", "_", name).lstrip(".")[:100]
    return clean or "_"


def save_images(files: list[tuple[str, bytes]], root: str | Path | None = None,
                browser: str | None = None, progress: Progress | None = None) -> tuple[Path, Dataset]:
    """Store an upload of images as a ``folder`` dataset; returns its path (the run's ``data_root``) and the data.

    Args:
        files: ``(file name, bytes)`` pairs: image files, or a single .zip, or a single .npz/.npy.
        root: the runs folder (default ``$GAN_RUNS_DIR``).
        browser: the id of the browser uploading (its own folder); None: the shared uploads folder.
        progress: told ``(images decoded, images in all)`` as the work goes on (0 done while unpacking); it
            may raise ``gan_core.data.user.Cancelled`` to stop: nothing is left behind.
    """
    label = files[0][0] if len(files) == 1 else f"{len(files)} files"
    with _logged("images", label, browser):
        return _save_images(files, root, browser, progress)


def _save_images(files: list[tuple[str, bytes]], root: str | Path | None, browser: str | None,
                 progress: Progress | None = None) -> tuple[Path, Dataset]:
    if not files:
        raise ValueError(f"no files were uploaded; allowed: {_ALLOWED}")
    _check_size("the upload", sum(len(raw) for _, raw in files), MAX_UPLOAD_BYTES)
    suffixes = [PurePosixPath(name).suffix.lower() for name, _ in files]
    folder = uploads_dir(root, browser)
    folder.mkdir(parents=True, exist_ok=True)
    uid = uuid.uuid4().hex[:10]
    tmp = folder / f".{uid}.tmp"
    try:
        if len(files) == 1 and suffixes[0] in ARRAY_EXTS:
            final = folder / f"{uid}{suffixes[0]}"
            tmp.write_bytes(files[0][1])
        elif len(files) == 1 and suffixes[0] == ".zip":
            final = folder / uid
            _unzip_images(files[0][0], files[0][1], tmp, progress)
        else:
            bad = [name for (name, _), s in zip(files, suffixes, strict=True) if s not in IMAGE_EXTS]
            if bad:
                raise ValueError(f"{bad[0]!r} is not an image file; allowed: {_ALLOWED}")
            final = folder / uid
            tmp.mkdir()
            for i, (name, raw) in enumerate(files):
                _check_size(repr(name), len(raw), MAX_FILE_BYTES)
                (tmp / f"{i:05d}_{_safe_name(PurePosixPath(name).name)}").write_bytes(raw)
        data = check_folder(tmp, label=files[0][0] if len(files) == 1 else f"{len(files)} uploaded files",
                            progress=progress)
        tmp.rename(final)
    except BaseException:
        _remove(tmp)
        raise
    return final, data


def _unzip_images(name: str, raw: bytes, dest: Path, progress: Progress | None = None) -> None:
    """Extract the image members of a zip into ``dest`` as ``<last folder>/<file>`` (an ImageFolder layout when
    the zip has one folder per class), within the member, size and name limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ValueError(f"{name!r} is not a readable .zip file; allowed: {_ALLOWED}") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise ValueError(f"{name!r} holds {len(members):,} files; allowed: at most {MAX_ZIP_MEMBERS:,}")
        _check_size(f"{name!r} unpacked", sum(m.file_size for m in members), MAX_ZIP_BYTES)
        dest.mkdir()
        kept = 0
        for j, m in enumerate(members):
            if progress is not None and j % PROGRESS_EVERY == 0:
                progress(0, len(members))
            parts = [p for p in PurePosixPath(m.filename.replace("\\", "/")).parts if p not in ("/", "")]
            is_link = stat.S_ISLNK(m.external_attr >> 16)
            if (is_link or not parts or any(p == ".." or p.startswith((".", "__MACOSX")) for p in parts)
                    or PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_EXTS or m.file_size > MAX_FILE_BYTES):
                continue
            target = dest.joinpath(*(_safe_name(p) for p in parts[-2:]))
            target.parent.mkdir(exist_ok=True)
            if target.exists():
                target = target.with_name(f"{kept}_{target.name}")
            try:
                with archive.open(m) as src:
                    target.write_bytes(src.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES])
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:  # CRC, password, method
                raise ValueError(f"{name!r}: member {m.filename[:100]!r} could not be read "
                                 f"({type(exc).__name__})") from None
            kept += 1
    if not kept:
        raise ValueError(f"{name!r} holds no image files ({len(members)} other files); allowed: {_ALLOWED}")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def read_config(raw: bytes, name: str = "config.json") -> TrainConfig:
    """An uploaded config (JSON, as the dashboard downloads it) as a validated TrainConfig."""
    with _logged("config", name, None):
        return _read_config(raw, name)


def _read_config(raw: bytes, name: str) -> TrainConfig:
    _check_size(repr(name), len(raw), MAX_CONFIG_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{name!r} is not UTF-8 text; allowed: a JSON config as the dashboard downloads it") \
            from None
    try:
        return TrainConfig.from_json(text).validate()
    except ValueError as exc:
        raise ValueError(f"{name!r}: {exc}") from None


def import_checkpoint(raw: bytes, name: str = "checkpoint.pt", root: str | Path | None = None,
                      browser: str | None = None) -> Path:
    """A checkpoint file (as the dashboard downloads it) as a new, stopped run folder that every page can open
    and Resume can train on. Returns the run folder.

    Loaded with ``weights_only=True``; its config must be one the server would start for ``browser`` (validated,
    its data_root inside ``browser_roots(root, browser)``: a checkpoint must not make the server read its other
    files), and its weights and fixed noise must fit the networks that config builds, counted before anything
    is built (``runs.restore``).
    """
    with _logged("checkpoint", name, browser):
        return _import_checkpoint(raw, name, root, browser)


def _import_checkpoint(raw: bytes, name: str, root: str | Path | None, browser: str | None) -> Path:
    from gan_core.runtime.runs import checked_config, restore
    from gan_core.views import make_view

    _check_size(repr(name), len(raw), MAX_UPLOAD_BYTES)
    folder = uploads_dir(root, browser)
    folder.mkdir(parents=True, exist_ok=True)
    tmp, run_dir = folder / f".{uuid.uuid4().hex[:10]}.pt.tmp", None
    try:
        tmp.write_bytes(raw)
        state = store.load_checkpoint(tmp, label=repr(name))
        if not isinstance(state.get("config"), dict):
            raise ValueError(f"{name!r} holds no config; allowed: a checkpoint saved by GAN Classroom")
        try:
            saved = TrainConfig.from_dict(state["config"])
            cfg = checked_config(saved.replace(device="cpu"), browser_roots(root, browser))
        except ValueError as exc:
            raise ValueError(f"{name!r}: its config: {exc}") from None
        try:
            trainer = restore(cfg, state, "cpu")
        except ValueError as exc:
            raise ValueError(f"{name!r}: {exc}") from None
        run_dir = store.new_run_dir(cfg.dataset, root)
        with store.RunStore(run_dir, cfg.replace(device=saved.device).to_dict()) as rs:
            rs.save_checkpoint({k: v for k, v in state.items() if k not in ("format", "version")})
            view = make_view(trainer)
            if view.png is not None:
                rs.save_samples(view.png, trainer.step_count)
            rs.log_event(trainer.step_count, "import", {"file": name})
            rs.set_status("stopped", trainer.step_count, f"imported from {name}")
    except BaseException:
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return run_dir


def sweep_stale(root: str | Path | None = None, older_than: float = 3600.0) -> int:
    """Remove the hidden temporary files and folders uploads leave when a server dies mid-upload (``.<id>.tmp``,
    ``.<id>.pt.tmp``), in the shared uploads folder and every browser's, once older than ``older_than``
    seconds (younger ones may be another server's uploads in progress); returns how many went."""
    base = uploads_dir(root)
    if not base.is_dir():
        return 0
    now, gone = time.time(), 0
    try:
        folders = [base, *(d for d in base.iterdir()
                           if d.is_dir() and not d.is_symlink() and not d.name.startswith("."))]
        for folder in folders:
            for tmp in folder.glob(".*.tmp"):
                if now - tmp.lstat().st_mtime < older_than:
                    continue
                if tmp.is_symlink() or not tmp.is_dir():
                    tmp.unlink(missing_ok=True)
                else:
                    shutil.rmtree(tmp, ignore_errors=True)
                gone += not tmp.exists()
    except OSError:   # an unreadable folder: what is left waits for the next start, the server starts anyway
        pass
    return gone

