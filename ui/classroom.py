"""Teacher mode and lesson links (a class on one server).

Lesson link: ``/?preset=NAME&hide=lr_g,loss`` opens the Train page with that preset in the form and those
knobs hidden, like TensorFlow Playground's classroom links: the lesson shows only what it is about. Anyone may
open one; it only changes that browser's form.

Teacher mode: the server starts with ``GAN_TEACHER_TOKEN`` set; a browser that opens any page once with
``?teacher=<token>`` is the teacher (the token is then removed from its address bar, so a shared link never
carries it). The teacher can broadcast a run: every sidebar then offers it, read-only (a run belongs to the
browser that started it), and can build lesson links on the Train page.
"""
from __future__ import annotations

import hmac
import os
from urllib.parse import urlencode, urlsplit

import streamlit as st

from gan_core.config import list_presets

TOKEN_ENV = "GAN_TEACHER_TOKEN"


@st.cache_resource(show_spinner=False)
def _board() -> dict:
    """Server-wide: what the teacher broadcasts (one dict for every session of this server)."""
    return {"run": None}


def sync_teacher() -> bool:
    """Read ``?teacher=`` once (then drop it from the URL); True for the teacher's browser session."""
    given = st.query_params.get("teacher")
    if given is not None:
        token = os.environ.get(TOKEN_ENV, "")
        st.session_state["teacher"] = bool(token) and hmac.compare_digest(str(given), token)
        del st.query_params["teacher"]
    return is_teacher()


def is_teacher() -> bool:
    return bool(st.session_state.get("teacher"))


def broadcast(run_id: str | None) -> None:
    if not is_teacher():
        raise PermissionError("only the teacher's browser can broadcast a run")
    _board()["run"] = run_id


def broadcast_run() -> str | None:
    return _board()["run"]


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
