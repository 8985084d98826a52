"""The shared sidebar: run picker (kept in ``?run=``), device in use, language switch (kept in ``?lang=``)."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from . import browser, classroom, run_names, run_reads, server
from .i18n import LANGS, plain, t


def _on_lang() -> None:
    st.session_state["lang"] = st.session_state["lang_picker"]
    st.query_params["lang"] = st.session_state["lang"]


def _on_run() -> None:
    browser.select_run(st.session_state["run_picker"])


def render() -> None:
    runs = run_reads.run_list()
    if browser.current_run() is not None or "run" in st.query_params:
        st.session_state.pop("fresh_form", None)   # a run was started or picked: the lesson's fresh form is over
    # a lesson link opens a fresh form: no run is current (not even the newest) until the student starts or picks one
    current = None if st.session_state.get("fresh_form") else browser.sync_run(runs)
    with st.sidebar:
        st.session_state["lang_picker"] = st.session_state.get("lang", "en")
        st.segmented_control(t("side.language"), list(LANGS), key="lang_picker", format_func=LANGS.get,
                             on_change=_on_lang)
        if runs:
            names = run_names.names(r["run_id"] for r in runs)
            labels = {r["run_id"]: _label(r, names[r["run_id"]]) for r in runs}
            st.session_state["run_picker"] = current
            st.selectbox(t("side.run"), list(labels), key="run_picker", format_func=labels.get,
                         on_change=_on_run, help=t("side.run_help"), placeholder=t("side.pick_run"))
        else:
            st.caption(t("side.no_runs"))
        showing = classroom.broadcast_run()
        if showing and showing != current and showing in {r["run_id"] for r in runs}:
            st.info(t("side.broadcast", run=plain(run_names.name_of(showing))), icon=":material/campaign:")
            st.button(t("side.open_broadcast"), key="btn_watch_broadcast", on_click=browser.select_run,
                      args=(showing,))
        if classroom.is_teacher():
            st.caption(f":material/school: {t('side.teacher')}")
        name, threads = server.device_label()
        st.caption(f"{t('side.device')}: " + (t("side.cpu", threads=threads) if name == "cpu" else name))


def _label(run: dict, name: str) -> str:
    """``time · name · state`` (the name: ``ui.run_names``; and the step once it ended): the real state, live or on
    disk. A run that trains shows no step: its step changes faster than the sidebar redraws (the Train page has it)."""
    when = dt.datetime.fromtimestamp(run["created"]).strftime("%H:%M:%S")
    status = run.get("status") or "unknown"
    if status in run_reads.ACTIVE and not run.get("live"):   # on disk: a run this server lost reads "interrupted"
        status = run_reads.status(run["run_id"])["state"]
    label = f"{when} · {name} · {t('state.' + status)}"
    return label if status in run_reads.ACTIVE else f"{label} · {int(run.get('step') or 0):,}"
