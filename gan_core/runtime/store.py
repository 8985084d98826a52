"""The run folder on disk: config, metrics and events in SQLite, status, checkpoints, sample grids.

Layout of ``<runs_root>/<run_id>/``: ``config.json``, ``metrics.sqlite`` (tables ``metrics(step, time, data)``
with ``data`` a JSON object of floats, and ``events(step, time, kind, detail)``), ``status.json``,
``checkpoints/<name>.pt``, ``samples/step_<step:07d>.png``. Every file is written atomically (temp file in the
same folder, fsync, ``os.replace``), so a killed process never leaves a half-written one. One ``RunStore``
writes a run, and only one: it holds an exclusive ``flock`` on ``writer.lock`` while open (the kernel drops it
with its process, so a killed server leaves no stale lock), and a second writer, in this process or another
server on the same runs folder, is refused. The ``read_*`` functions work on any run folder, also one another
process is writing.
"""
from __future__ import annotations

import collections
import errno
import fcntl
import json
import math
import os
import pickle
import re
import secrets
import shutil
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch

from gan_core.checks import shown
from gan_core.paths import runs_root

CHECKPOINT_FORMAT = "gan-classroom-checkpoint"
CHECKPOINT_VERSION = 1
MIN_FREE_BYTES = 64 * 2**20  # a new run needs this much free disk (config, metrics, checkpoints, samples)
MAX_BUFFER = 10_000  # buffered rows that force a flush, so a caller that never flushes cannot grow memory
_SCHEMA = """
CREATE TABLE IF NOT EXISTS metrics (step INTEGER NOT NULL, time REAL NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS metrics_step ON metrics(step);
CREATE TABLE IF NOT EXISTS events (step INTEGER NOT NULL, time REAL NOT NULL, kind TEXT NOT NULL,
                                   detail TEXT NOT NULL);
"""
_NAME_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PLAIN_LEAVES = (torch.Tensor, str, bytes, int, float, complex, bool, type(None), torch.Size, torch.dtype,
                 torch.device)


def new_run_dir(dataset: str, root: str | Path | None = None) -> Path:
    """Create and return ``<root>/<YYYYmmdd-HHMMSS.mmm>-<dataset>-<4 hex>`` (milliseconds, so runs made in one
    second sort by their start); the dataset name is reduced to [a-z0-9_-].

    Raises OSError (ENOSPC), before making anything, when less than ``MIN_FREE_BYTES`` are free there: a full
    disk must not leave an empty run folder behind each try.
    """
    base = Path(root) if root is not None else runs_root()
    name = re.sub(r"[^a-z0-9_-]+", "_", str(dataset).lower()).strip("_-")[:40] or "run"
    base.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(base).free
    if free < MIN_FREE_BYTES:
        raise OSError(errno.ENOSPC, f"only {free / 2**20:.0f} MB are free where runs are written; a run needs at "
                                    f"least {MIN_FREE_BYTES // 2**20} MB")
    while True:  # the 4 hex digits make a clash unlikely; exist_ok=False makes it impossible
        now = time.time()
        stamp = f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}.{int(now % 1 * 1000):03d}"
        path = base / f"{stamp}-{name}-{secrets.token_hex(2)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def safe_run_dir(run_id: str, root: str | Path | None = None) -> Path:
    """``root / run_id`` after checking that run_id is one plain folder name inside root.

    Raises:
        ValueError: naming run_id if it is empty, absolute, has separators or ``..``, or resolves outside root.
    """
    base = Path(root) if root is not None else runs_root()
    rid = str(run_id)
    bad = (not rid or rid in (".", "..") or "/" in rid or "\\" in rid or "\x00" in rid or ".." in rid
           or os.path.isabs(rid) or Path(rid).drive)
    if bad or not (base / rid).resolve().is_relative_to(base.resolve()):
        raise ValueError(f"run_id={run_id!r} is not allowed: it must be a single folder name inside {base}")
    return base / rid


def _atomic_write(path: Path, write: Callable[[Any], None]) -> Path:
    """Call ``write(binary_file)`` on a temp file next to ``path``, fsync it, then rename it over ``path``.

    The temp file is opened with mode 0o666 like any ``open()``, so the process umask decides who may read the
    run (``tempfile.mkstemp`` would make it 0o600: a teacher's second account could not read a student's run).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:  # O_EXCL, as mkstemp does: a name taken by another writer is never opened twice
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # also KeyboardInterrupt: never leave the temp file behind
        Path(tmp).unlink(missing_ok=True)
        raise
    if os.name == "posix":  # make the rename itself durable; Windows cannot open folders
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return path


def _write_json(path: Path, obj: Any) -> Path:
    data = json.dumps(_clean(obj), indent=2, default=str, allow_nan=False).encode()
    return _atomic_write(path, lambda f: f.write(data))


def _clean(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become None (JSON has no NaN), tuples become lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _encode_metric(key: str, value: Any) -> float | str | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"metric {key!r}={value!r} is not a number") from None
    if math.isnan(v):
        return None
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")  # keep the sign of a divergence


def _decode_metric(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)  # also "inf" / "-inf"
    except (TypeError, ValueError):
        return math.nan


def _check_plain(obj: Any, where: str = "state") -> None:
    """Raise ValueError unless obj holds only what ``torch.load(weights_only=True)`` accepts."""
    if isinstance(obj, _PLAIN_LEAVES):
        return
    if type(obj) in (dict, collections.OrderedDict):
        for k, v in obj.items():
            _check_plain(k, f"{where} key")
            _check_plain(v, f"{where}[{k!r}]")
        return
    if type(obj) in (list, tuple, set):
        for i, v in enumerate(obj):
            _check_plain(v, f"{where}[{i}]")
        return
    raise ValueError(f"checkpoint {where} is a {type(obj).__name__}, which weights_only loading refuses; "
                     "use tensors, numbers, strings, lists and dicts (e.g. config.to_dict())")


class RunStore:
    """Writer of one run folder; thread-safe. ``log_*`` only buffer; ``flush()`` writes one transaction."""

    def __init__(self, run_dir: str | Path, config: dict | None = None) -> None:
        """Raises ValueError when another ``RunStore`` (here or in another process) writes the folder."""
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._writer = _writer_lock(self.run_dir)  # first: the stale files below may be a live writer's
        self._db = None
        try:
            self._open(config)
        except BaseException:
            self._closed = True     # __del__ must not close the descriptor again (its number may be reused)
            if self._db is not None:
                self._db.close()
            os.close(self._writer)
            raise

    def _open(self, config: dict | None) -> None:
        for folder in (self.run_dir, self.run_dir / "checkpoints", self.run_dir / "samples"):
            for stale in folder.glob(".*.tmp"):  # left by a writer killed mid-write
                stale.unlink(missing_ok=True)
        if config is not None:
            _write_json(self.run_dir / "config.json", config)
        self._lock = threading.Lock()      # guards the buffers
        self._db_lock = threading.Lock()   # serialises use of the connection
        self._metrics: list[tuple[int, float, str]] = []
        self._events: list[tuple[int, float, str, str]] = []
        self._closed = False
        self._db: sqlite3.Connection | None = sqlite3.connect(self.run_dir / "metrics.sqlite", timeout=30,
                                                              check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode a killed process loses no commit
        self._db.executescript(_SCHEMA)

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):   # dropped unclosed (a session never started nor stopped)
            os.close(self._writer)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _append(self, buffer: list, row: tuple) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"RunStore for {self.run_dir} is closed")
            buffer.append(row)
            full = len(self._metrics) + len(self._events) >= MAX_BUFFER
        if full:
            self.flush()

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Buffer one row of float metrics for ``step``; NaN is stored as null, +-inf as "inf"/"-inf"."""
        data = {str(k): _encode_metric(str(k), v) for k, v in metrics.items()}
        self._append(self._metrics, (int(step), time.time(), json.dumps(data, separators=(",", ":"))))

    def log_event(self, step: int, kind: str, detail: dict | None = None) -> None:
        """Buffer one event (``kind`` e.g. "update", "pause", "error") with a JSON-able ``detail`` dict."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"event kind={kind!r} must be a non-empty string")
        text = json.dumps(_clean(detail or {}), default=str, allow_nan=False)
        self._append(self._events, (int(step), time.time(), kind, text))

    def flush(self) -> None:
        """Write all buffered rows in one transaction; on failure they stay buffered and the error is raised."""
        with self._db_lock:
            with self._lock:
                metrics, self._metrics = self._metrics, []
                events, self._events = self._events, []
            if not (metrics or events) or self._db is None:
                return
            try:
                with self._db:  # one transaction: commit, or roll back on error
                    self._db.executemany("INSERT INTO metrics VALUES (?, ?, ?)", metrics)
                    self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
            except sqlite3.Error:
                with self._lock:  # keep order: the failed rows go back in front of newer ones
                    self._metrics[:0] = metrics
                    self._events[:0] = events
                raise

    def set_status(self, status: str, step: int, message: str = "") -> None:
        """Write ``status.json`` atomically: ``{"status", "step", "message", "updated", "pid"}``."""
        _write_json(self.run_dir / "status.json", {"status": str(status), "step": int(step),
                                                   "message": str(message), "updated": time.time(),
                                                   "pid": os.getpid()})

    def save_checkpoint(self, state: dict, name: str = "latest") -> Path:
        """Atomically ``torch.save`` state plus the schema keys ``format`` and ``version`` to checkpoints/<name>.pt."""
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or ".." in name:
            raise ValueError(f"checkpoint name={name!r} must match [A-Za-z0-9_-][A-Za-z0-9_.-]* without '..'")
        if not isinstance(state, dict):
            raise ValueError(f"checkpoint state must be a dict, got {type(state).__name__}")
        payload = {**state, "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION}
        _check_plain(payload)
        return _atomic_write(self.run_dir / "checkpoints" / f"{name}.pt", lambda f: torch.save(payload, f))

    def save_samples(self, png: bytes, step: int) -> Path:
        """Atomically write a PNG (bytes) to samples/step_<step:07d>.png."""
        if not isinstance(png, (bytes, bytearray)) or not bytes(png[:8]) == _PNG_MAGIC:
            raise ValueError("save_samples needs PNG bytes (starting with the PNG signature)")
        return _atomic_write(self.run_dir / "samples" / f"step_{int(step):07d}.png", lambda f: f.write(png))

    @property
    def closed(self) -> bool:
        """Closed (the run ended): its database handles are freed; files can still be written."""
        return self._closed

    def close(self) -> None:
        """Flush and close the database; idempotent. A flush that fails (a full disk) still closes it, freeing
        its handles and the writer lock, and then raises."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._close_db()

    def _close_db(self) -> None:
        with self._db_lock, self._lock:
            self._closed = True
            db, self._db = self._db, None
        if db is None:  # another thread closed it meanwhile
            return
        try:  # a finished run becomes one self-contained file (no -wal/-shm); skipped while a reader holds it
            db.execute("PRAGMA busy_timeout=1000")
            db.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.OperationalError:
            pass
        db.close()
        os.close(self._writer)  # the folder may have another writer now (a resumed session)

    def drop_metrics_after(self, step: int) -> int:
        """Delete the metric rows logged after ``step`` (a crash lost the training they describe: a resumed run
        trains that stretch again, and would otherwise draw it twice); returns how many went."""
        self.flush()
        with self._db_lock:
            if self._db is None:
                raise RuntimeError(f"RunStore for {self.run_dir.name} is closed")
            with self._db:
                return self._db.execute("DELETE FROM metrics WHERE step > ?", (int(step),)).rowcount


def _writer_lock(run_dir: Path) -> int:
    """The open, exclusively locked ``writer.lock`` of ``run_dir`` (holding this process's pid)."""
    fd = os.open(run_dir / "writer.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):   # a filesystem without locks (NFS without lockd):
            return fd                                            # one writer cannot be enforced there
        os.close(fd)
        raise ValueError(f"run {run_dir.name!r} is being written by another session (on this server or another "
                         "one on the same runs folder); watch it, or resume it once that one has ended") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def load_checkpoint(path: str | Path, label: str | None = None) -> dict:
    """Load a checkpoint with ``torch.load(map_location="cpu", weights_only=True)`` and check its schema.

    ``label``: how errors name the file (default ``'<run>/checkpoints/<name>.pt'``: never the runs folder).

    Raises:
        ValueError: the file is missing, corrupt, not a dict, has no/another ``format``, a newer ``version``,
            or holds objects whose unpickling could run code (refused, never executed).
    """
    p = Path(path)
    label = label or repr("/".join(p.parts[-3:]))
    if not p.is_file():
        raise ValueError(f"checkpoint {label} does not exist")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:  # weights_only met a global/opcode outside its allow-list
        found = re.search(r"GLOBAL (\S+)", str(e))
        why = f"it references {found.group(1)[:80]}" if found else "it uses pickle features outside the safe subset"
        raise ValueError(f"refused to load checkpoint {label}: {why}, and unpickling it could run arbitrary code "
                         "(weights_only=True); only load files you trust, or it is corrupt") from None
    except Exception as e:
        raise ValueError(f"checkpoint {label} is corrupt or not a PyTorch file ({type(e).__name__})") from None
    if not isinstance(state, dict):  # ValueError, not TypeError: the project's error for bad input
        raise ValueError(f"checkpoint {label} holds a {type(state).__name__}, expected a dict")
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint {label} has format={shown(state.get('format'))}, expected "
                         f"{CHECKPOINT_FORMAT!r}")
    version = state.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= CHECKPOINT_VERSION:
        raise ValueError(f"checkpoint {label} has version={shown(version)}; this code reads versions "
                         f"1..{CHECKPOINT_VERSION}")
    return state


def _read(run_dir: str | Path, sql: str, args: Iterable[Any] = ()) -> list[tuple]:
    """Rows of a read-only query on the run's database; [] if it or its tables do not exist yet."""
    db_path = Path(run_dir) / "metrics.sqlite"
    if not db_path.is_file():
        return []
    uri = f"file:{urllib.parse.quote(str(db_path.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, timeout=10)
        try:
            return db.execute(sql, tuple(args)).fetchall()
        finally:
            db.close()
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):  # a writer has created the file but not yet its tables
            return []
        raise ValueError(f"metrics.sqlite of run {Path(run_dir).name!r} cannot be read ({e})") from None
    except sqlite3.DatabaseError as e:
        raise ValueError(f"metrics.sqlite of run {Path(run_dir).name!r} is corrupt ({e})") from None


def _loads_dict(text: str) -> dict:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return obj if isinstance(obj, dict) else {}


def read_metrics(run_dir: str | Path, keys: Iterable[str] | None = None,
                 since_step: int | None = None) -> dict[str, np.ndarray]:
    """Metrics of a run as columns sorted by step.

    Args:
        keys: only these metric columns (each present, all NaN if never logged); None: every key ever logged.
        since_step: only rows with ``step > since_step`` (for incremental polling).
    Returns:
        ``step`` (int64), ``time`` (float64) and one float64 array per metric, NaN where a row lacks it.
    """
    where, args = ("WHERE step > ?", (int(since_step),)) if since_step is not None else ("", ())
    rows = _read(run_dir, f"SELECT step, time, data FROM metrics {where} ORDER BY step, rowid", args)
    parsed = [_loads_dict(data) for _, _, data in rows]
    names = list(dict.fromkeys(keys)) if keys is not None else list(dict.fromkeys(k for d in parsed for k in d))
    out = {"step": np.array([r[0] for r in rows], dtype=np.int64),
           "time": np.array([r[1] for r in rows], dtype=np.float64)}
    for name in names:
        if name not in ("step", "time"):
            out[name] = np.array([_decode_metric(d.get(name)) for d in parsed], dtype=np.float64)
    return out


def metrics_frame(run_dir: str | Path, keys: Iterable[str] | None = None) -> Any:
    """A run's metrics as a pandas DataFrame for notebooks: indexed by ``step``, one row per logged step (a
    training row and an evaluation at the same step merge), a ``time`` column (seconds since the epoch) and one
    float column per metric, NaN where a step lacks it. ``keys``: only these metrics (see ``read_metrics``)."""
    import pandas as pd  # only here: the engine imports without it

    cols = read_metrics(run_dir, keys)
    frame = pd.DataFrame({k: v for k, v in cols.items() if k != "step"}, index=pd.Index(cols["step"], name="step"))
    return frame.groupby(level="step").first()


def read_events(run_dir: str | Path, since_step: int | None = None) -> list[dict]:
    """Events of a run in order: ``[{"step", "time", "kind", "detail"}]`` (optionally only ``step > since_step``)."""
    where, args = ("WHERE step > ?", (int(since_step),)) if since_step is not None else ("", ())
    out = []
    for step, t, kind, detail in _read(run_dir, f"SELECT * FROM events {where} ORDER BY step, rowid", args):
        out.append({"step": step, "time": t, "kind": kind, "detail": _loads_dict(detail)})
    return out


LIVE_STATES = ("idle", "queued", "starting", "running", "paused")


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def read_status(run_dir: str | Path) -> dict:
    """``{"status", "step", "message", "updated"}`` from status.json, or inferred from the metrics ("unknown")."""
    try:
        status = json.loads((Path(run_dir) / "status.json").read_text())
        if isinstance(status, dict) and isinstance(status.get("status"), str):
            status = {"step": 0, "message": "", "updated": None, **status}
            if not isinstance(status["step"], int) or isinstance(status["step"], bool):   # a hand-edited file
                status["step"] = 0
            status["message"] = status["message"] if isinstance(status["message"], str) else ""
            if status["status"] in LIVE_STATES and not _pid_alive(status.get("pid")):
                # the process that trained it is gone (killed, crashed, restarted): resumable from its checkpoint
                status = {**status, "status": "interrupted", "was": status["status"]}
            return status
    except (OSError, ValueError, RecursionError):
        pass
    try:
        last = _read(run_dir, "SELECT MAX(step), MAX(time) FROM metrics")
    except ValueError as e:
        return {"status": "unknown", "step": 0, "message": str(e), "updated": None}
    step, updated = last[0] if last else (None, None)
    return {"status": "unknown", "step": int(step or 0), "message": "", "updated": updated}


def _created(name: str, mtime_ns: int) -> float:
    """The creation time a run folder's name carries (``YYYYmmdd-HHMMSS`` and, since 2026-12, ``.mmm``); the
    config's mtime for hand-made folders."""
    try:
        created = time.mktime(time.strptime(name[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        return mtime_ns / 1e9
    millis = re.match(r"\.(\d{3})-", name[15:])
    return created + (int(millis.group(1)) / 1000 if millis else 0.0)


def list_runs(root: str | Path | None = None) -> list[dict]:
    """Runs under root, newest first: ``{"run_id", "run_dir", "dataset", "status", "step", "created"}``.

    Folders without config.json are skipped; a corrupt config.json lists with dataset "?".
    """
    base = Path(root) if root is not None else runs_root()
    if not base.is_dir():
        return []
    runs = []
    for folder in base.iterdir():
        cfg_path = folder / "config.json"
        try:
            if not folder.is_dir() or not cfg_path.is_file():
                continue
            mtime_ns = cfg_path.stat().st_mtime_ns
            cfg = _loads_dict(cfg_path.read_text(errors="replace"))
        except OSError:  # deleted or unreadable while we looked
            continue
        created = _created(folder.name, mtime_ns)
        status = read_status(folder)
        runs.append(((created, mtime_ns, folder.name), {
            "run_id": folder.name, "run_dir": str(folder), "dataset": str(cfg.get("dataset", "?")),
            "status": status["status"], "step": status["step"], "created": created}))
    runs.sort(key=lambda r: r[0], reverse=True)
    return [info for _, info in runs]
