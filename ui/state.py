"""Streamlit-side state: the registry singleton, this browser's id and language, the current run, run reads.

A run is either *live* (a ``TrainingSession`` in this server's ``RunRegistry``) or *on disk* only (finished,
from an earlier server, or from the command line). The read helpers below give both the same shape, so
pages never care which it is. The current run id lives in ``st.session_state["run"]`` and in
``st.query_params["run"]`` (a reload or a shared link opens the same run); the language in ``?lang=``.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from gan_core.config import TrainConfig
from gan_core.paths import browser_roots, runs_root
from gan_core.runtime import runs, store
from gan_core.runtime.registry import RunRegistry
from gan_core.runtime.session import TrainingSession
from gan_core.runtime.snapshot import ENDED

from . import owner_cookie
from .i18n import LANGS, code, from_locale, t

ACTIVE = ("starting", "queued", "running", "paused")


# ---- process-wide singletons ------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _registry(root: str) -> RunRegistry:
    if os.environ.get("GAN_RAY_ADDRESS"):   # the class's runs live on a Ray cluster (runtime/ray_backend.py)
        from gan_core.runtime.ray_backend import RayRegistry
        return RayRegistry(root=root)       # type: ignore[return-value]  (the same interface)
    return RunRegistry(root=root)


def registry() -> RunRegistry:
    """The one ``RunRegistry`` of this server for the current runs folder (``$GAN_RUNS_DIR``)."""
    return _registry(str(runs_root()))


@st.cache_resource(show_spinner=False)
def configure_threads() -> int:
    """Set torch's intra-op threads once per server: leave a core to the web server when there are many."""
    import torch

    from gan_core.device import default_threads

    threads = int(os.environ.get("GAN_THREADS") or default_threads(serving=True))
    torch.set_num_threads(threads)
    # The first optimiser of a process imports torch._dynamo (about 3 s on a laptop CPU): pay it now, in the
    # background, so the first Start reaches its first point quickly.
    threading.Thread(target=lambda: torch.optim.Adam([torch.zeros(1, requires_grad=True)]), daemon=True,
                     name="warm-up").start()
    return threads


@st.cache_resource(show_spinner=False)
def device_label() -> tuple[str, int]:
    """("cuda: <name>" | "mps" | "cpu", threads) of the device runs use by default."""
    import torch

    from gan_core.device import resolve_device

    dev = resolve_device("auto")
    if dev.type == "cuda":
        return f"GPU · {torch.cuda.get_device_name(0)}", 0
    if dev.type == "mps":
        return "Apple GPU (mps)", 0
    return "cpu", torch.get_num_threads()


# ---- per browser --------------------------------------------------------------------------------------
REFRESH_S = float(os.environ.get("GAN_UI_REFRESH", "1.0"))  # live panels redraw this often (1-2 per second)
REDRAWS_PER_S = 10.0   # with many browsers on, each redraws less often: about this many live redraws a second
_watch_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _watchers() -> dict[str, float]:
    return {}


def refresh_s(base: float | None = None) -> float:
    """How often this browser's live panels redraw: ``base`` (``REFRESH_S``) while fewer than 10 browsers are on,
    slower with more (30 students: every 3 s), so a class does not keep the server's one Python thread busy
    redrawing (measured: bench/classroom_load.py)."""
    now = time.time()
    with _watch_lock:
        seen = _watchers()
        seen[browser_id()] = now
        for key in [k for k, t in seen.items() if now - t > 30]:
            del seen[key]
        n = len(seen)
    return (base or REFRESH_S) * max(1.0, n / REDRAWS_PER_S)


def browser_id() -> str:
    """An id for this browser (kept across reloads in a cookie: ``owner_cookie``): runs it starts are owned by
    it."""
    if "browser_id" not in st.session_state:
        st.session_state["browser_id"] = owner_cookie.owner_id()
    return st.session_state["browser_id"]


def sync_lang() -> str:
    """The language: this session's choice, else ``?lang=`` (a link opens a new session), else the browser's; written
    back to both. The session wins because a rerun can carry the browser's query string from before a switch
    (the switch's own rerun was interrupted by the next one): taking ``?lang=`` first turned the page back."""
    lang = st.session_state.get("lang")
    if lang not in LANGS:   # no ?lang=: the browser's own language (st.context.locale, e.g. "zh-CN")
        lang = st.query_params.get("lang") or from_locale(getattr(st.context, "locale", None))
    if lang not in LANGS:
        lang = "en"
    st.session_state["lang"] = lang
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


def keep_choice(key: str, options: list, default: Any) -> Any:
    """Pin a choice widget's value in session state before the widget is drawn; returns it.

    A selectbox sends its value back as its *label*: after a language switch the old label matches no option
    and Streamlit hands it to the page as the value (e.g. ``"(your own settings)"`` instead of ``"__custom__"``).
    Setting the value first makes Streamlit send the option to the browser, which then shows the new label.
    Widgets pinned this way take no ``index``/``default``/``value`` argument.
    """
    # a widget the previous page did not draw has lost its state: its kept value, not the default, comes back
    value = st.session_state[key] if key in st.session_state else st.session_state.get(f"_kept.{key}", default)
    if value not in options:
        value = st.session_state.get(f"_kept.{key}", default)
    if value not in options:
        value = default
    st.session_state[key] = st.session_state[f"_kept.{key}"] = value
    return value


def run_list() -> list[dict]:
    """Every run: the ones on disk (newest first), with the live state where this server trains it."""
    runs = store.list_runs(registry().root)
    for info in runs:
        sess = registry().get(info["run_id"])
        if sess is not None:
            info["status"], info["step"] = sess.snapshot().state, sess.snapshot().step
            info["live"] = True
    return runs


def sync_run(runs: list[dict]) -> str | None:
    """The current run: ``?run=`` if it exists, else this session's, else none; written back to both.

    Never the server's newest run: in a class that is another student's, and the Train form would take its
    settings. A new browser opens on a fresh form; only an explicit link (or the run picker) opens a run.
    """
    ids = {r["run_id"] for r in runs}
    run = st.query_params.get("run")
    if run not in ids:
        run = st.session_state.get("run")
    if run not in ids:
        run = None
    select_run(run)
    return run


def select_run(run_id: str | None) -> None:
    st.session_state["run"] = run_id
    if run_id and st.query_params.get("run") != run_id:
        st.query_params["run"] = run_id
    elif not run_id and "run" in st.query_params:
        del st.query_params["run"]


def current_run() -> str | None:
    return st.session_state.get("run")


# ---- runs ---------------------------------------------------------------------------------------------
def live_session(run_id: str | None) -> TrainingSession | None:
    return registry().get(run_id) if run_id else None


def data_roots() -> list[Path]:
    """Folders a data_root this browser gives (typed, in an uploaded config or checkpoint) may point into: this
    browser's own uploads folder first (a relative path lands there), then the data set folders."""
    return browser_roots(registry().root, browser_id())


def open_roots() -> list[Path]:
    """Folders the config.json of a run opened or resumed from this browser may read: every browser's uploads
    (a classmate's run on their own data opens for everyone) and the data set folders; nothing else."""
    return browser_roots(registry().root, None)


def run_config(run_id: str) -> TrainConfig:
    """The config of a live or on-disk run, its data_root checked (``open_roots``). Raises ValueError."""
    sess = live_session(run_id)
    if sess is not None:
        return sess.config
    return runs.run_config(run_dir(run_id), open_roots())


def run_dir(run_id: str) -> Path:
    return store.safe_run_dir(run_id, registry().root)


def is_active(sess: TrainingSession | None) -> bool:
    return sess is not None and sess.snapshot().state in ACTIVE


def owns(sess: TrainingSession | None) -> bool:
    """True when this browser may control the session (it started it, or took it over)."""
    return sess is not None and (not sess.owner or sess.owner == browser_id())


def take_over(sess: TrainingSession) -> None:
    sess.owner = browser_id()


def start_run(config: Any) -> TrainingSession:
    """Create and start a run owned by this browser, and make it the current run. Raises ValueError for a
    data_root outside this browser's folders (``data_roots``), or when the run cannot be written (a full disk:
    ``store.new_run_dir`` refuses before it makes a folder)."""
    config = runs.checked_config(config, data_roots())
    try:
        sess = registry().create(config, owner=browser_id())
    except OSError as exc:
        raise ValueError(t("train.no_space", msg=exc.strerror or type(exc).__name__)) from None
    sess.start()
    select_run(sess.run_id)
    return sess


def wait_first_point(sess: TrainingSession, timeout: float = 1.0) -> bool:
    """Wait (at most ``timeout`` s, sleeping: the training thread keeps the GIL) until the run has reported its
    first metrics, so the page drawn right after Start already shows the first point. True when it has."""
    end = time.monotonic() + timeout
    while not sess.snapshot().metrics and sess.snapshot().state not in ENDED and time.monotonic() < end:
        time.sleep(0.02)
    return bool(sess.snapshot().metrics)


def mark_own(run_id: str) -> None:
    """Remember that this browser made ``run_id`` (e.g. it imported the checkpoint): Resume trains it in place."""
    st.session_state.setdefault("own_runs", set()).add(run_id)


def resume_run(run_id: str) -> TrainingSession:
    """Resume a run from its checkpoint, owned by this browser, and make it the current run.

    This browser's own run (it started or imported it in this server) trains on in its folder; anyone else's,
    or one whose owner this server no longer knows (after a restart), is first copied into a new run of this
    browser's (``runs.fork_run``): the original's files are never overwritten by another browser.
    Raises ValueError when its config.json names a data_root outside ``open_roots`` (a run folder must not make
    the server read its other files) or it cannot be resumed.
    """
    runs.run_config(run_dir(run_id), open_roots())
    old = live_session(run_id)
    mine = run_id in st.session_state.get("own_runs", ()) or (old is not None and old.owner == browser_id())
    if not mine:
        try:
            run_id = runs.fork_run(run_dir(run_id), registry().root).name
        except OSError as exc:
            raise ValueError(t("train.no_space", msg=exc.strerror or type(exc).__name__)) from None
        mark_own(run_id)
    sess = registry().resume(run_id, owner=browser_id())
    sess.start()
    select_run(run_id)
    return sess


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
        import json

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


def ended(state: str) -> bool:
    return state in ENDED
