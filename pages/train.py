"""Train: preset, knobs, Start/Pause/Resume/Step/Stop, and the live panel of the current run."""
import streamlit as st

from gan_core.config import load_preset
from ui import browser, classroom, confirm, controls, lesson_tools, panels, presets, run_names, run_reads
from ui.i18n import code, t

run = browser.current_run()
sess = run_reads.live_session(run)
if st.session_state.get("form_run") != run:  # a newly selected run: show its settings in the form
    st.session_state["form_run"] = run
    cfg = run_reads.config_of(run) if run else {}
    if cfg and cfg != controls.form():
        controls.load_form(cfg)
        st.session_state["preset"] = presets.matching(cfg) or controls.CUSTOM   # a preset's run names its preset
        st.session_state.pop("preset_base", None)

lesson, lesson_error = classroom.lesson_from_url(list(controls.KNOBS))
if lesson_error:
    st.session_state["flash"] = ("error", t("lesson.bad", msg=code(lesson_error)))   # echoed as code, never markdown
if lesson:  # a lesson link (?preset=...&hide=...): its preset in a fresh form, once
    controls.load_form(load_preset(lesson).to_dict())
    st.session_state["preset"] = lesson
    st.session_state.pop("preset_base", None)
    if run is not None:   # not the student's previous run (and its alarm): no run until they start or pick one
        browser.select_run(None)
        st.session_state["fresh_form"] = True
        st.rerun()

st.title(t("page.train"))
left, right = st.columns([1, 2.6], gap="large")
with left:
    controls.preset_picker()
    lesson_tools.contrast(run)
    controls.file_opener()
    controls.knobs(locked=run_reads.is_active(sess) and browser.owns(sess),
                   watching=run_reads.is_active(sess) and not browser.owns(sess))
    if classroom.is_teacher():
        classroom.teacher_panel(run, list(controls.KNOBS), controls.chosen_preset())
config, error = controls.form_config()

with right:
    with st.container():  # messages in one fixed slot: the charts below keep their place (and their zoom)
        panels.flash(run)
        lesson_tools.missing_data(config)
        if error:
            st.error(t("train.bad_config", msg=error))
        if run_reads.is_active(sess) and not browser.owns(sess):
            st.info(t("train.not_owner"))
            # watch only: taking over is for a run its owner left (paused as idle), never from a running owner
            if sess.owner_left():
                if st.button(t("train.take_over"), key="btn_take_over"):
                    confirm.ask("take_over", sess.run_id)
                confirm.confirm("take_over", sess.run_id, lambda: browser.take_over(sess))
    panels.live(run, config, error)
    if run is not None:
        with st.expander(t("train.downloads")):
            panels.downloads(run)
        run_names.name_box(run)
