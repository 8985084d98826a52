"""The shell: navigation, the run picker (every run on disk, newest first, kept in ?run=) and ?lang=zh."""
import json

from apptest_helpers import open_app, ring8_run

from gan_core import TrainConfig, TrainingSession


def test_every_page_renders(runs_dir):
    ring8_run(runs_dir)
    at = open_app()
    for page in ("pages/train.py", "pages/live_curves.py", "pages/own_data.py", "pages/step_explained.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


def test_run_picker_newest_first_and_query_param(runs_dir):
    old = ring8_run(runs_dir)
    ring8_run(runs_dir)
    at = open_app("pages/train.py")
    picker = at.selectbox(key="run_picker")
    assert picker.options[0].endswith(" · 20") and len(picker.options) == 2   # newest first
    # a new browser opens on a fresh form, not on the newest run (in a class: another student's)
    assert picker.value is None and "run" not in at.query_params
    picker.set_value(old).run()   # (AppTest drops the sidebar after an interaction: one pick only)
    assert not at.exception
    assert at.session_state["run"] == old and at.query_params["run"] in (old, [old])
    # a link to a run opens that run
    at2 = open_app("pages/train.py", run=old)
    assert at2.selectbox(key="run_picker").value == old


def test_lang_query_param_translates_everything(runs_dir):
    at = open_app(lang="zh")
    assert at.title[0].value == "训练"
    assert any(b.label == "开始" for b in at.button)
    assert at.segmented_control(key="lang_picker").value == "zh"


def test_disk_run_is_read_only_and_resumable(runs_dir):
    run = ring8_run(runs_dir)
    at = open_app("pages/train.py", run=run)
    assert any("disk" in i.value for i in at.info)
    at.button(key="btn_resume_disk").click().run()
    assert not at.exception
    from ui import server

    # a run this browser did not start (here: one from the command line) trains on as a copy of its own
    fork = at.session_state["run"]
    sess = server.registry().get(fork)
    assert fork != run and sess is not None and sess.owner == at.session_state["browser_id"]
    assert server.registry().get(run) is None
    sess.stop()


def test_failed_run_shows_message_and_hint(runs_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\nhello,world\n")
    from gan_core.runtime import store

    cfg = TrainConfig.for_dataset("points", data_root=str(bad))
    sess = TrainingSession(cfg, run_dir=store.new_run_dir("points", runs_dir)).start()
    assert sess.wait(30) and sess.snapshot().state == "failed"
    at = open_app("pages/train.py", run=sess.run_id)
    assert any("row 3" in e.value for e in at.error)
    failure = [e.value for e in at.error if "row 3" in e.value]
    assert failure and not any(str(tmp_path) in e or "hello" in e for e in failure), failure   # no folder, no contents
    assert json.loads((sess.run_dir / "status.json").read_text())["status"] == "failed"

