"""Reading a run, live or on disk, in one shape.

A run is either *live* (a ``TrainingSession`` in this server's ``RunRegistry``) or *on disk* only (finished,
from an earlier server, or from the command line). These helpers give both the same shape, so pages never care
which it is. Reads only: starting, resuming and owning a run is ``ui.browser``'s.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from gan_core.config import TrainConfig
from gan_core.paths import browser_roots
from gan_core.runtime import runs, store
from gan_core.runtime.session import TrainingSession
from gan_core.runtime.snapshot import ENDED

from . import server
from .i18n import code, t

ACTIVE = ("starting", "queued", "running", "paused")


def run_list() -> list[dict]:
    """Every run: the ones on disk (newest first), with the live state where this server trains it."""
    found = store.list_runs(server.registry().root)
    for info in found:
        sess = server.registry().get(info["run_id"])
        if sess is not None:
            info["status"], info["step"] = sess.snapshot().state, sess.snapshot().step
            info["live"] = True
    return found


def live_session(run_id: str | None) -> TrainingSession | None:
    return server.registry().get(run_id) if run_id else None


def open_roots() -> list[Path]:
    """Folders the config.json of a run opened or resumed from this browser may read: every browser's uploads
    (a classmate's run on their own data opens for everyone) and the data set folders; nothing else."""
    return browser_roots(server.registry().root, None)


def run_config(run_id: str) -> TrainConfig:
    """The config of a live or on-disk run, its data_root checked (``open_roots``). Raises ValueError."""
    sess = live_session(run_id)
    if sess is not None:
        return sess.config
    return runs.run_config(run_dir(run_id), open_roots())


def run_dir(run_id: str) -> Path:
    return store.safe_run_dir(run_id, server.registry().root)


def is_active(sess: TrainingSession | None) -> bool:
    return sess is not None and sess.snapshot().state in ACTIVE


def wait_first_point(sess: TrainingSession, timeout: float = 1.0) -> bool:
    """Wait (at most ``timeout`` s, sleeping: the training thread keeps the GIL) until the run has reported its
    first metrics, so the page drawn right after Start already shows the first point. True when it has."""
    end = time.monotonic() + timeout
    while not sess.snapshot().metrics and sess.snapshot().state not in ENDED and time.monotonic() < end:
        time.sleep(0.02)
    return bool(sess.snapshot().metrics)


@st.cache_data(ttl=1.0, show_spinner=False, max_entries=64)
def _disk_metrics(path: str) -> dict[str, np.ndarray]:
    return store.read_metrics(path)


def _unreadable(exc: Exception) -> None:
    """A run whose files cannot be read (a corrupt metrics.sqlite, a truncated checkpoint): one message where
    its data would be, and the page goes on."""
    st.error(t("err.generic", msg=code(exc)))


def downsample(series: dict[str, np.ndarray], max_points: int) -> dict[str, np.ndarray]:
    """Evenly strided rows, at most ``max_points``, the newest always kept."""
    n = len(series.get("step", ()))
    if n <= max_points:
        return series
    idx = np.unique(np.r_[np.linspace(0, n - 1, max_points).astype(int), n - 1])
    return {k: np.asarray(v)[idx] for k, v in series.items()}


def series(run_id: str, max_points: int = 2000, zoom: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    """Metric columns (``step`` + metrics) of a live or on-disk run, downsampled to ``max_points`` rows.

    ``zoom=(lo, hi)``: the steps a chart is zoomed into also come at full resolution (up to ``max_points``
    more rows), so a zoomed window of a long run still holds its lines (a 2000-row overview of 100k steps
    has no row inside a 40-step window).
    """
    sess = live_session(run_id)
    if sess is not None:
        overview = sess.series(max_points=max_points)
    else:
        try:
            overview = dict(_disk_metrics(str(run_dir(run_id))))
        except ValueError as exc:
            _unreadable(exc)
            return {"step": np.zeros(0, np.int64)}
        overview.pop("time", None)
    if zoom is not None and len(overview.get("step", ())):
        lo, hi = sorted(float(v) for v in zoom)
        pad = (hi - lo) / 2 + 1  # reach past the edges, so the lines cross them
        if sess is not None:
            detail = sess.series(max_points=max_points, steps=(lo - pad, hi + pad))
        else:
            keep = (overview["step"] >= lo - pad) & (overview["step"] <= hi + pad)
            detail = downsample({k: np.asarray(v)[keep] for k, v in overview.items()}, max_points)
        overview = _merge(downsample(overview, max_points), detail)
    return downsample(overview, max_points) if zoom is None else overview


def _merge(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows of both (by step, each step once), sorted; a key missing on one side is NaN there."""
    steps = np.concatenate([np.asarray(a["step"]), np.asarray(b["step"])])
    steps, first = np.unique(steps, return_index=True)
    out = {"step": steps}
    for key in dict.fromkeys([*a, *b]):
        if key == "step":
            continue
        col = [np.asarray(d[key], dtype=np.float64) if key in d else np.full(len(d["step"]), np.nan) for d in (a, b)]
        out[key] = np.concatenate(col)[first]
    return out


def events(run_id: str) -> list[dict]:
    """The run's events; none when its database cannot be read (``series`` says so)."""
    sess = live_session(run_id)
    if sess is not None:
        return sess.events()
    try:
        return store.read_events(run_dir(run_id))
    except ValueError:
        return []


def status(run_id: str) -> dict:
    """``{"state", "step", "error", "hint"}`` of a live or on-disk run."""
    sess = live_session(run_id)
    if sess is not None:
        snap = sess.snapshot()
        return {"state": snap.state, "step": snap.step, "error": snap.error, "hint": snap.hint}
    info = store.read_status(run_dir(run_id))
    state = info.get("status", "unknown")
    if state in ACTIVE and info.get("pid") == os.getpid():
        state = "interrupted"  # it was live in this server once and is no longer
    return {"state": state, "step": info.get("step", 0), "error": info.get("message") or None, "hint": None}


def config_of(run_id: str) -> dict:
    sess = live_session(run_id)
    if sess is not None:
        return sess.config.to_dict()
    path = run_dir(run_id) / "config.json"
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return values if isinstance(values, dict) else {}


def has_checkpoint(run_id: str) -> bool:
    return (run_dir(run_id) / "checkpoints" / "latest.pt").is_file()


def latest_samples_png(run_id: str) -> bytes | None:
    steps = sample_steps(run_id)
    return sample_png(run_id, steps[-1]) if steps else None


def sample_steps(run_id: str) -> list[int]:
    """Steps with a saved sample grid (``samples/step_<step>.png``), ascending."""
    return sorted(int(p.stem[5:]) for p in (run_dir(run_id) / "samples").glob("step_*.png") if p.stem[5:].isdigit())


def sample_png(run_id: str, step: int) -> bytes | None:
    path = run_dir(run_id) / "samples" / f"step_{int(step):07d}.png"
    return path.read_bytes() if path.is_file() else None


@st.cache_resource(show_spinner=False, max_entries=16)
def _disk_view(path: str, mtime: float) -> Any:
    return runs.load_trainer(path, device="cpu", roots=open_roots()).view()


def disk_view(run_id: str) -> Any:
    """The 2-D ``View`` of an on-disk run at its last checkpoint (models rebuilt once, then cached); None, with
    a message, when its config or checkpoint cannot be read."""
    ckpt = run_dir(run_id) / "checkpoints" / "latest.pt"
    if not ckpt.is_file():
        return None
    try:
        return _disk_view(str(run_dir(run_id)), ckpt.stat().st_mtime)
    except ValueError as exc:
        _unreadable(exc)
        return None
