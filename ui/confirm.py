"""The confirm step (``st.dialog``) before what a student cannot undo: Stop ends a run for good, taking over
leaves its owner only watching. ``ask`` opens it, ``confirm`` draws it on every run of the page until it is
answered or closed; the Train page and the lesson pages share it."""
from __future__ import annotations

import streamlit as st

from . import run_names
from .i18n import code, t


def ask(what: str, run_id: str) -> None:
    """Open the confirm step ``what`` ("stop", "take_over") for ``run_id``: ``confirm`` draws it until it is
    answered or closed."""
    st.session_state["confirm"] = (what, run_id)


def _dismissed() -> None:
    st.session_state.pop("confirm", None)


def confirm(what: str, run_id: str, action) -> None:
    """The confirm step (``st.dialog``) before what a student cannot undo: Stop ends a run for good, taking over
    leaves its owner only watching. Drawn while ``ask(what, run_id)`` is pending: its button runs ``action()``;
    Cancel or closing the dialog runs nothing."""
    if st.session_state.get("confirm") != (what, run_id):
        return

    def body() -> None:
        st.markdown(t(f"confirm.{what}", run=code(run_names.name_of(run_id))))
        yes, no = st.columns(2)
        if yes.button(t(f"confirm.{what}_yes"), type="primary", key=f"btn_confirm_{what}", width="stretch"):
            _dismissed()
            action()
            st.rerun()
        if no.button(t("confirm.cancel"), key=f"btn_cancel_{what}", width="stretch"):
            _dismissed()
            st.rerun()

    st.dialog(t(f"confirm.{what}_title"), on_dismiss=_dismissed)(body)()
