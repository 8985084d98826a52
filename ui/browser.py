"""This browser's own state (``st.session_state``, mirrored in the address bar where a link must carry it).

Its id (the runs it starts are owned by it), its language (``?lang=``), the current run (``?run=``), the choices
its widgets keep across pages, the runs it owns (start, resume, take over) and how often its live panels redraw.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import streamlit as st

from gan_core.paths import browser_roots
from gan_core.runtime import runs
from gan_core.runtime.session import TrainingSession

from . import owner_cookie, run_reads, server
from .i18n import LANGS, from_locale, t

REFRESH_S = float(os.environ.get("GAN_UI_REFRESH", "1.0"))  # live panels redraw this often (1-2 per second)
REDRAWS_PER_S = 10.0   # with many browsers on, each redraws less often: about this many live redraws a second
_watch_lock = threading.Lock()


def browser_id() -> str:
    """An id for this browser (kept across reloads in a cookie: ``owner_cookie``): runs it starts are owned by
    it."""
    if "browser_id" not in st.session_state:
        st.session_state["browser_id"] = owner_cookie.owner_id()
    return st.session_state["browser_id"]


def refresh_s(base: float | None = None) -> float:
    """How often this browser's live panels redraw: ``base`` (``REFRESH_S``) while fewer than 10 browsers are on,
    slower with more (30 students: every 3 s), so a class does not keep the server's one Python thread busy
    redrawing (measured: bench/classroom_load.py)."""
    now = time.time()
    with _watch_lock:
        seen = server.browsers_seen()
        seen[browser_id()] = now
        for key in [k for k, t in seen.items() if now - t > 30]:
            del seen[key]
        n = len(seen)
    return (base or REFRESH_S) * max(1.0, n / REDRAWS_PER_S)


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


def dark_theme() -> bool:
    """This browser shows Streamlit's dark theme: what it reports (``st.context.theme.type``), else the server's
    ``theme.base`` (a session's first run may report nothing yet; the live panels follow on their next redraw)."""
    kind = getattr(getattr(st.context, "theme", None), "type", None) or st.get_option("theme.base")
    return kind == "dark"


# ---- the current run ----------------------------------------------------------------------------------
def sync_run(found: list[dict]) -> str | None:
    """The current run: ``?run=`` if it exists, else this session's, else none; written back to both.

    Never the server's newest run: in a class that is another student's, and the Train form would take its
    settings. A new browser opens on a fresh form; only an explicit link (or the run picker) opens a run.
    """
    ids = {r["run_id"] for r in found}
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


# ---- the runs this browser owns -----------------------------------------------------------------------
def data_roots() -> list[Path]:
    """Folders a data_root this browser gives (typed, in an uploaded config or checkpoint) may point into: this
    browser's own uploads folder first (a relative path lands there), then the data set folders."""
    return browser_roots(server.registry().root, browser_id())


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
        sess = server.registry().create(config, owner=browser_id())
    except OSError as exc:
        raise ValueError(t("train.no_space", msg=exc.strerror or type(exc).__name__)) from None
    sess.start()
    select_run(sess.run_id)
    return sess


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
    runs.run_config(run_reads.run_dir(run_id), run_reads.open_roots())
    old = run_reads.live_session(run_id)
    mine = run_id in st.session_state.get("own_runs", ()) or (old is not None and old.owner == browser_id())
    if not mine:
        try:
            run_id = runs.fork_run(run_reads.run_dir(run_id), server.registry().root).name
        except OSError as exc:
            raise ValueError(t("train.no_space", msg=exc.strerror or type(exc).__name__)) from None
        mark_own(run_id)
    sess = server.registry().resume(run_id, owner=browser_id())
    sess.start()
    select_run(run_id)
    return sess
