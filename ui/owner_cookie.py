"""Who owns a run across reloads: a random token the browser keeps in a cookie, never in a link.

A websocket session ends with every reload (F5) or reconnect; an owner known only by its session became a mere
watcher of its own run, which nobody could then pause or stop. The browser now holds a 192-bit token
(``secrets.token_urlsafe``) in a first-party cookie (``SameSite=Strict``, a year); the owner id the registry and
the uploads folders see is a hash of it, so no page, run folder or log ever shows the token itself.
"""
from __future__ import annotations

import hashlib
import re
import secrets

import streamlit as st

COOKIE = "gan_classroom_owner"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")   # token_urlsafe(24): 32 characters of the URL-safe alphabet


def owner_id() -> str:
    """This browser's owner id (16 hex characters), from its cookie's token, or from a new token that
    ``keep_token`` then stores in the browser."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):   # none yet, or not one of ours: a new one
        token = secrets.token_urlsafe(24)
        st.session_state["owner_token_to_keep"] = token
    return hashlib.sha256(f"gan-classroom-owner:{token}".encode()).hexdigest()[:16]


def keep_token() -> None:
    """Store a new token in the browser. On every full run of the session that made it: the cookie comes back
    only with the next connection, and a run interrupted by a click may never have drawn the element (the same
    element on the next run is kept as it is, not run again)."""
    token = st.session_state.get("owner_token_to_keep")
    if token and _TOKEN.fullmatch(token):
        st.iframe(f"<script>const host = window.parent; host.document.cookie = '{COOKIE}={token}; path=/; "
                  "max-age=31536000; SameSite=Strict' + (host.location.protocol === 'https:' ? '; Secure' : '');"
                  "</script>", height=1)   # st.iframe: components.v1.html is deprecated in Streamlit 1.67
