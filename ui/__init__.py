"""Streamlit-side helpers shared by the pages: state (registry, current run), i18n, charts, controls, panels.

Importing ``ui`` (app.py and every page do, first thing) makes app.py's ``st.navigation`` the only way to a page.
Until some script has called it, Streamlit 1.67 serves a fresh server in its old pages-folder mode, where a
client that names a page (a deep link, or a forged rerun request) runs ``pages/<name>.py`` by itself, without
app.py: no widget guard, no teacher check, no owner cookie, and a "Page not found" dialog for the pages whose
address is not their file's name. The first import turns that mode off for the process, as ``st.navigation``
itself does, turns the widget guard on (``widget_guard``), and runs a script started in that mode again, now
through app.py.
"""
from streamlit.runtime.pages_manager import PagesManager as _PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx as _ctx

from . import widget_guard as _widget_guard

_pages_folder_mode = _PagesManager.uses_pages_directory
_PagesManager.uses_pages_directory = False
_widget_guard.install()
if _pages_folder_mode and _ctx() is not None:   # the first run of a fresh server: again, through app.py
    import streamlit as _st

    _st.rerun()
