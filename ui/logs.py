"""The dashboard's log: gan_core's and ui's lines on the server's stderr at ``$GAN_LOG_LEVEL`` (``gan_core.logs``).

``app.py`` calls ``setup()`` on every run of the script; it configures once and only sets the level after.
"""
from __future__ import annotations

import streamlit as st

from gan_core.logs import configure


def setup() -> None:
    """Configure the log; a bad ``$GAN_LOG_LEVEL`` stops the page with one message naming it and the allowed ones."""
    try:
        configure()
    except ValueError as exc:
        st.error(f"The server's setting {exc}")
        st.stop()
