"""Lesson links and teacher mode in AppTest: a link presets the form and hides knobs; a bad link names what is
wrong; only the token's browser is the teacher; a broadcast run reaches a student's sidebar, read-only."""
from apptest_helpers import click, disk_run, open_app, poll, stop, tiny

from gan_core import TrainConfig
from ui import classroom, server

TRAIN = "pages/train.py"


def _knob_keys(at) -> set[str]:
    return {w.key for kind in ("number_input", "text_input", "select_slider", "selectbox", "checkbox")
            for w in getattr(at, kind) if w.key and w.key.startswith("k.")}


def test_a_lesson_link_presets_the_form_and_hides_knobs():
    at = open_app(TRAIN, preset="ring8-collapse", hide="lr_g,loss")
    assert at.session_state["form"]["lr_g"] == 0.005 and at.session_state["preset"] == "ring8-collapse"
    keys = _knob_keys(at)
    assert "k.lr_g" not in keys and "k.loss" not in keys and "k.lr_d" in keys
    assert any("fixes 2 settings" in c.value for c in at.caption)
    at.number_input(key="k.d_steps").set_value(3).run()          # the rest stays the student's
    assert at.session_state["form"]["d_steps"] == 3 and at.session_state["form"]["lr_g"] == 0.005


def test_a_bad_lesson_link_names_what_is_wrong():
    at = open_app(TRAIN, preset="nope", hide="lr_g,warp")
    errors = " ".join(e.value for e in at.error)
    assert "preset='nope'" in errors and "ring8-collapse" in errors and not at.exception


def test_only_the_token_makes_a_teacher_and_a_broadcast_reaches_students(monkeypatch, runs_dir):
    monkeypatch.setenv(classroom.TOKEN_ENV, "s3cret-token")
    own = disk_run(runs_dir, TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=200,
                                                     batch_size=16, max_steps=5, device="cpu", threads=1))
    student = open_app(TRAIN, teacher="guess")
    assert not student.session_state["teacher"] and "teacher" not in student.query_params
    assert not [e for e in student.expander if e.label == "Teacher"]
    teacher = tiny(open_app(TRAIN, teacher="s3cret-token"), max_steps=10**6)
    assert teacher.session_state["teacher"] and "teacher" not in teacher.query_params   # not left in the link
    click(teacher, "btn_start")
    sess = server.registry().get(teacher.session_state["run"])
    assert poll(teacher, lambda: sess.snapshot().state == "running")
    teacher.run()
    click(teacher, "btn_broadcast")
    assert classroom.broadcast_run() == sess.run_id
    assert any("preset" in c.value.lower() for c in teacher.caption)       # a lesson link needs a preset first
    watcher = open_app(TRAIN, run=own)                  # a student on their own run
    assert any("Your teacher is showing" in i.value for i in watcher.info)
    click(watcher, "btn_watch_broadcast")
    assert watcher.session_state["run"] == sess.run_id
    watcher.run()
    assert watcher.button(key="btn_stop").disabled, "a broadcast run is read-only for students"
    server.broadcast_board()["run"] = None
    stop(teacher)
