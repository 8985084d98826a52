"""Where the Discriminator and Latent space pages get their models and views.

A live run: a private copy of its networks taken under its step lock (``gan_core.lessons.features.frozen_copy``), so
nothing a page does can touch the training thread. A run on disk: a Trainer restored from its checkpoint by
``gan_core.runtime.runs.load_trainer``, cached per checkpoint modification time and used read-only (eval mode).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from gan_core.lessons import features as gi
from gan_core.runtime.runs import load_trainer

from . import browser, run_reads
from .i18n import code, t


@st.cache_resource(show_spinner=False, max_entries=8)
def _loaded(path: str, mtime: float) -> Any:
    return gi.frozen_copy(load_trainer(path, device="cpu", roots=run_reads.open_roots()))


@st.cache_resource(show_spinner=False, max_entries=8)
def _disk_views(path: str, mtime: float) -> list:
    return [_loaded(path, mtime).view()]


def _checkpoint(run_id: str):
    ckpt = run_reads.run_dir(run_id) / "checkpoints" / "latest.pt"
    return (str(run_reads.run_dir(run_id)), ckpt.stat().st_mtime) if ckpt.is_file() else None


def page_run(title_key: str, intro_key: str) -> str:
    """The header of a page that inspects the current GAN run; stops the page with a hint when there is none."""
    st.title(t(title_key))
    st.caption(t(intro_key))
    run = browser.current_run()
    if run is None:
        st.info(t("train.no_run"))
        st.stop()
    if not gan_run(run):
        st.info(t("disc.not_gan"))
        st.stop()
    try:
        views(run)   # a run whose config or checkpoint cannot be read: one message, not a traceback
    except ValueError as exc:
        st.error(t("err.generic", msg=code(exc)))
        st.stop()
    return run


def gan_run(run_id: str) -> bool:
    """True for a GAN run (its config is a ``TrainConfig``); the lesson modules' runs are not inspected here."""
    from gan_core.config import TrainConfig

    try:
        TrainConfig.from_dict(run_reads.config_of(run_id))
    except ValueError:
        return False
    return bool(run_reads.config_of(run_id))


def model(run_id: str) -> Any:
    """The run's networks now: a fresh private copy of a live run, else its last checkpoint; None if neither."""
    sess = run_reads.live_session(run_id)
    if sess is not None and sess.trainer is not None:
        return gi.frozen_copy(sess)
    found = _checkpoint(run_id)
    return _loaded(*found) if found else None


def pinned(run_id: str, key: str, refresh: bool = False) -> Any:
    """This browser's copy of the run's networks for one page: kept (so sliders explore one fixed model) until
    ``refresh`` or another run is selected."""
    slot = st.session_state.get(key)
    if refresh or slot is None or slot[0] != run_id or slot[1] is None:
        slot = (run_id, model(run_id))
        st.session_state[key] = slot
    return slot[1]


def views(run_id: str) -> list:
    """The run's snapshot views, oldest first: a live session's history, else the view of its checkpoint."""
    sess = run_reads.live_session(run_id)
    if sess is not None:
        out = [v for v in (sess.view_at(i) for i in range(len(sess.view_steps()))) if v is not None]
        if out:
            return out
    found = _checkpoint(run_id)
    return _disk_views(*found) if found else []


@st.cache_data(show_spinner=False, max_entries=4096)
def _probe(run_id: str, step: int, _real: np.ndarray, _fake: np.ndarray) -> float:
    return gi.linear_probe_accuracy(_real, _fake)


def probe_history(run_id: str, history: list) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, accuracy)`` of the linear probe on each view (computed once per run and step)."""
    pairs = [(v.step, _probe(run_id, v.step, v.feat_real, v.feat_fake)) for v in history
             if v.feat_real is not None and v.feat_fake is not None and min(len(v.feat_real), len(v.feat_fake)) >= 4]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs])


def history_index(history: list, key: str, label: str, help: str = "") -> int:
    """A slider over the view history (by step) that follows the newest view until the student moves it back;
    a step thinned out of a long history snaps to the nearest one kept.

    While it follows, the slider's widget key carries the newest step (``<key>@<step>``): a new widget each time
    the newest view changes, drawn at that step. A browser keeps the value it first showed and sends it back,
    whatever the server sets through the session state (checked in Chromium: the slider stayed at the step
    shown when the page opened). Once the student picks an older step (``<key>_chosen``), one widget
    (``<key>@fixed``) keeps it; moving it to the newest step follows again."""
    steps = [v.step for v in history]
    chosen_key = key + "_chosen"
    chosen = st.session_state.get(chosen_key)
    if chosen is not None and chosen not in steps:
        chosen = min(steps, key=lambda s: abs(s - chosen))
        st.session_state[chosen_key] = chosen
    if len(steps) == 1:
        return 0
    widget = f"{key}@{steps[-1]}" if chosen is None else f"{key}@fixed"

    def _moved() -> None:
        value = st.session_state[widget]
        st.session_state[chosen_key] = None if value == steps[-1] else value

    value = st.select_slider(label, options=steps, value=steps[-1] if chosen is None else chosen, key=widget,
                             on_change=_moved, help=help, format_func=lambda s: f"{s:,}")
    return steps.index(value)


def on_pick(chart_key: str, prefix: str) -> None:
    """Chart selection callback: the clicked sample becomes end A, the next click end B, and so on."""
    event = st.session_state.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    picked = []
    for p in points:
        data = p.get("customdata")
        data = data[0] if isinstance(data, list) and data else data
        if isinstance(data, (int, float)):
            picked.append(data)
    if not picked:
        return
    end = st.session_state.get(prefix + "next", "a")
    st.session_state[prefix + end] = int(picked[-1])
    st.session_state[prefix + "next"] = "b" if end == "a" else "a"
