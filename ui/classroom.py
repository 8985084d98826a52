"""Teacher mode and lesson links (a class on one server).

Lesson link: ``/?preset=NAME&hide=lr_g,loss`` opens the Train page with that preset in the form and those
knobs hidden, like TensorFlow Playground's classroom links: the lesson shows only what it is about. Anyone may
open one; it only changes that browser's form.

Teacher mode: the server starts with ``GAN_TEACHER_TOKEN`` set; a browser that opens any page once with
``?teacher=<token>`` is the teacher (the token is then removed from its address bar, so a shared link never
carries it). The teacher can broadcast a run: every sidebar then offers it, read-only (a run belongs to the
browser that started it), and can build lesson links on the Train page (``teacher_panel``).

Guesses are throttled: after ``FREE_GUESSES`` wrong tokens a browser waits 5 s, then 10 s, 20 s, ... (at most an
hour) before its next guess is even compared; after ``SERVER_FREE_GUESSES`` wrong tokens on the whole server (a
student opening new tabs) every guess from anyone waits 1 s, 2 s, 4 s, ... (at most ``SERVER_MAX_WAIT_S``). A
correct token clears its browser's count; the server's clears after ``SERVER_FORGET_S`` without a wrong guess.
(So a student who keeps guessing also makes the teacher wait up to a minute: the price of a global limit.)
"""
from __future__ import annotations

import hmac
import logging
import os
import time
from urllib.parse import urlencode, urlsplit

import streamlit as st

from gan_core.config import list_presets

from . import server
from .i18n import current_lang, t

log = logging.getLogger(__name__)
TOKEN_ENV = "GAN_TEACHER_TOKEN"
FREE_GUESSES = 3
MAX_WAIT_S = 3600.0
SERVER_FREE_GUESSES = 20
SERVER_MAX_WAIT_S = 60.0
SERVER_FORGET_S = 600.0


def _wait(fails: int, free: int, base: float, cap: float) -> float:
    """Seconds to wait after ``fails`` wrong guesses: none before ``free`` of them, then ``base``, twice that, ...
    up to ``cap``."""
    return 0.0 if fails < free else min(base * 2.0 ** min(fails - free, 30), cap)


def check_token(given: str, now: float | None = None, mine: dict | None = None) -> bool | float:
    """True for the teacher's token, False for a wrong one, or the seconds to wait before a guess is compared at
    all (``FREE_GUESSES`` per browser session, ``SERVER_FREE_GUESSES`` per server, then exponential delays).
    ``mine``: this browser's count (default: kept in its session state)."""
    now = time.monotonic() if now is None else now
    if mine is None:
        mine = st.session_state.setdefault("_teacher_guesses", {})
    mine.setdefault("fails", 0)
    mine.setdefault("until", 0.0)
    board = server.token_guesses()
    token = os.environ.get(TOKEN_ENV, "")
    with board["lock"]:
        if now - board["last"] > SERVER_FORGET_S:
            board["fails"], board["until"] = 0, 0.0
        wait = max(mine["until"], board["until"]) - now
        if wait > 0:
            return wait
        # bytes: compare_digest refuses non-ASCII str (?teacher=é raised TypeError and broke the page)
        if token and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("utf-8")):
            mine["fails"], mine["until"] = 0, 0.0
            return True
        mine["fails"] += 1
        mine["until"] = now + _wait(mine["fails"], FREE_GUESSES, 5.0, MAX_WAIT_S)
        board["fails"], board["last"] = board["fails"] + 1, now
        board["until"] = now + _wait(board["fails"], SERVER_FREE_GUESSES, 1.0, SERVER_MAX_WAIT_S)
        return False


def sync_teacher() -> bool:
    """Read ``?teacher=`` once (then drop it from the URL); True for the teacher's browser session. A guess
    while this browser or the server must wait (``check_token``) is not compared and changes nothing."""
    given = st.query_params.get("teacher")
    if given is not None:
        del st.query_params["teacher"]
        result = check_token(str(given))
        if result is True or result is False:
            st.session_state["teacher"] = result
            if result:
                log.info("teacher mode on for a browser (?teacher= matched)")
            else:
                log.warning("wrong ?teacher= token (wrong guesses on this server lately: %d)",
                            server.token_guesses()["fails"])
        else:
            st.warning(t("teacher.wait", s=max(1, round(result))))
    return is_teacher()


def is_teacher() -> bool:
    return bool(st.session_state.get("teacher"))


def broadcast(run_id: str | None) -> None:
    if not is_teacher():
        raise PermissionError("only the teacher's browser can broadcast a run")
    board = server.broadcast_board()
    if board["run"] != run_id:
        log.info("teacher broadcast: %s", f"run {run_id} shown to every student" if run_id else "stopped")
    board["run"] = run_id


def broadcast_run() -> str | None:
    return server.broadcast_board()["run"]


def lesson_from_url(knob_names) -> tuple[str | None, str | None]:
    """``(preset to load, error)`` from ``?preset=`` and ``?hide=``, once per new pair (the student may change the
    form afterwards); the hidden knobs are kept for ``hidden_knobs()``. Unknown names: an error naming them."""
    preset, hide = st.query_params.get("preset"), st.query_params.get("hide")
    if (preset, hide) == st.session_state.get("_lesson_link") or (preset is None and hide is None):
        return None, None
    st.session_state["_lesson_link"] = (preset, hide)
    hidden = [k.strip() for k in (hide or "").split(",") if k.strip()]
    unknown = [k for k in hidden if k not in knob_names]
    st.session_state["hidden_knobs"] = [k for k in hidden if k in knob_names]
    presets = list_presets()
    if preset and preset not in presets:
        return None, f"preset={preset!r} is unknown; allowed: {', '.join(presets)}"
    if unknown:
        return preset, f"hide={','.join(unknown)!r} names no setting; allowed: {', '.join(knob_names)}"
    return preset, None


def hidden_knobs() -> list[str]:
    return list(st.session_state.get("hidden_knobs", ()))


def clear_lesson() -> None:
    """The student left the lesson (picked another preset): every knob shows again, and the link leaves the
    address bar (a reload would set the lesson up again)."""
    st.session_state.pop("hidden_knobs", None)
    for key in ("preset", "hide"):
        if key in st.query_params:
            del st.query_params[key]


def lesson_link(preset: str, hidden: list[str], lang: str = "en") -> str:
    """The Train page's address with this preset and these knobs hidden (this server's own host when known)."""
    query = {"preset": preset, **({"hide": ",".join(hidden)} if hidden else {}), **({"lang": lang} if lang != "en"
                                                                                     else {})}
    here = urlsplit(getattr(st.context, "url", None) or "")
    base = f"{here.scheme}://{here.netloc}" if here.scheme and here.netloc else ""
    return f"{base}/?{urlencode(query, safe=',')}"   # Train is the default page: the root address


def teacher_panel(run_id: str | None, knob_names: list[str], preset: str | None) -> None:
    """The teacher's panel on the Train page (teacher mode only): broadcast the current run, build a lesson link
    for ``preset`` (None: the form is the teacher's own settings, which no link can carry) hiding some of
    ``knob_names``."""
    with st.expander(t("teacher.title"), expanded=True, icon=":material/school:"):
        showing = broadcast_run()
        if run_id and showing != run_id and st.button(t("teacher.broadcast"), key="btn_broadcast", width="stretch"):
            broadcast(run_id)
            st.rerun()
        if showing and st.button(t("teacher.stop_broadcast"), key="btn_stop_broadcast", width="stretch"):
            broadcast(None)
            st.rerun()
        if showing:
            st.caption(t("teacher.broadcasting", run=showing))
        hide = st.multiselect(t("teacher.hide"), knob_names, key="teacher_hide", format_func=lambda k: t(f"knob.{k}"))
        if preset is None:
            st.caption(t("teacher.need_preset"))
        else:
            st.caption(t("teacher.link"))
            st.code(lesson_link(preset, hide, current_lang()), language=None, wrap_lines=True)
