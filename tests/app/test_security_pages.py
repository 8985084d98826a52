"""Issue 17 in AppTest: one student can neither read the server, nor break, block or take over the class.

A hostile checkpoint or run folder cannot make a page read a server file; ``?teacher=`` guesses are throttled;
uploads belong to their browser; a new browser opens on a fresh form; resuming someone else's run forks it.
Hostile query strings and damaged run files on every page: test_page_input_matrix.py.
"""
import io
import json
import time

import pytest
import torch
from apptest_helpers import TINY, click, disk_run, open_app, set_knob, texts, tiny_cfg

from gan_core.config import TrainConfig
from gan_core.paths import uploads_dir
from gan_core.runtime import store
from gan_core.trainer import Trainer
from ui import classroom, server

TRAIN = "pages/train.py"
PAGES = ("pages/train.py", "pages/live_curves.py", "pages/compare.py", "pages/discriminator.py",
         "pages/step_explained.py")


def hostile_checkpoint(**config) -> bytes:
    trainer = Trainer(TrainConfig.for_dataset("ring8", **{**TINY, "g_hidden": [8], "d_hidden": [8]}), device="cpu")
    state_ = trainer.state_dict()
    state_["config"] = {**state_["config"], **config}
    buf = io.BytesIO()
    torch.save({**state_, "format": store.CHECKPOINT_FORMAT, "version": store.CHECKPOINT_VERSION}, buf)
    return buf.getvalue()


# ---- 17.1: nothing a browser sends makes the server read its other files ------------------------------------
def test_an_uploaded_checkpoint_naming_a_server_file_is_refused(runs_dir, secret):
    at = open_app(TRAIN)
    for target in (str(secret), "/etc/passwd", "/proc/self/environ"):
        raw = hostile_checkpoint(dataset="points", data_root=target)
        at.file_uploader(key="open_file").set_value(("evil.pt", raw, "application/octet-stream")).run()
        assert not at.exception, at.exception
        assert any("outside the files this browser may read" in e.value for e in at.error), texts(at)
        shown = texts(at)
        assert "s3cret" not in shown and "root:x:" not in shown and str(runs_dir) not in shown
        assert store.list_runs(runs_dir) == []


def test_a_run_folder_whose_config_names_a_server_file_cannot_be_opened_or_resumed(runs_dir, secret):
    run = disk_run(runs_dir, tiny_cfg())
    path = runs_dir / run / "config.json"
    before = (runs_dir / run / "checkpoints" / "latest.pt").read_bytes()
    for target in (str(secret), "/etc/passwd"):
        path.write_text(json.dumps({**json.loads(path.read_text()), "dataset": "points", "data_root": target}))
        at = open_app(TRAIN, run=run)
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            shown = texts(at)
            assert "s3cret" not in shown and "root:x:" not in shown and str(runs_dir) not in shown, (page, shown)
        at = open_app(TRAIN, run=run)
        click(at, "btn_resume_disk")
        assert any("outside the files this browser may read" in e.value for e in at.error), texts(at)
        assert server.registry().sessions() == [] and len(store.list_runs(runs_dir)) == 1   # nothing trains
    assert (runs_dir / run / "checkpoints" / "latest.pt").read_bytes() == before


def test_a_typed_data_root_outside_its_own_uploads_is_refused(runs_dir, secret):
    other = uploads_dir(runs_dir, "another-browser")
    other.mkdir(parents=True)
    (other / "theirs.csv").write_text("x,y\n" + "\n".join(f"{i},{i % 7}" for i in range(64)))
    at = open_app(TRAIN)
    set_knob(at, "dataset", "points")
    for typed in (".", "..", f"../{other.name}/theirs.csv", str(other / "theirs.csv"), str(secret), "/etc/passwd"):
        set_knob(at, "data_root", typed)
        assert any("outside the files this browser may read" in e.value for e in at.error), (typed, texts(at))
        assert str(runs_dir) not in texts(at).replace(typed, "")      # only the value typed, nothing more
        click(at, "btn_start")
        assert not server.registry().sessions(), typed


def test_a_non_ascii_teacher_guess_does_not_break_the_page(monkeypatch):
    monkeypatch.setenv(classroom.TOKEN_ENV, "s3cret-token")
    server.token_guesses.clear()
    at = open_app(TRAIN, teacher="é")
    assert not at.exception and not at.session_state["teacher"]


def test_a_full_disk_refuses_start_and_leaves_no_run_folder(runs_dir, monkeypatch):
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(store.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1000))
    at = open_app(TRAIN)
    click(at, "btn_start")
    assert any("disk is full" in e.value for e in at.error), texts(at)
    assert not any(runs_dir.iterdir()) and not server.registry().sessions()


# ---- 17.15: guesses throttled; uploads belong to their browser ----------------------------------------------
def test_teacher_guesses_are_throttled_per_browser(monkeypatch):
    monkeypatch.setenv(classroom.TOKEN_ENV, "s3cret-token")
    server.token_guesses.clear()
    mine, t0 = {}, 1000.0
    for i in range(classroom.FREE_GUESSES):
        assert classroom.check_token(f"guess-{i}", now=t0 + i, mine=mine) is False
    now = t0 + classroom.FREE_GUESSES
    # now even the right token waits: it is not even compared; the waits double
    assert classroom.check_token("s3cret-token", now=now, mine=mine) == pytest.approx(4.0)
    assert classroom.check_token("wrong", now=now + 5, mine=mine) is False
    assert classroom.check_token("s3cret-token", now=now + 6, mine=mine) == pytest.approx(9.0)
    assert classroom.check_token("s3cret-token", now=now + 15, mine=mine) is True      # and then it is accepted
    assert classroom.check_token("again", now=now + 16, mine=mine) is False           # the count started over
    assert classroom.check_token("s3cret-token", now=now + 16, mine={}) is True        # another browser waits not
    server.token_guesses.clear()


def test_teacher_guesses_are_throttled_for_the_whole_server(monkeypatch):
    monkeypatch.setenv(classroom.TOKEN_ENV, "s3cret-token")
    server.token_guesses.clear()
    board = server.token_guesses()
    board.update(fails=classroom.SERVER_FREE_GUESSES + 5, last=time.monotonic())   # many tabs guessed already
    first = open_app(TRAIN, teacher="one-more-guess")
    assert not first.session_state["teacher"]
    fresh = open_app(TRAIN, teacher="s3cret-token")    # a new tab does not reset the server's count
    assert "teacher" not in fresh.session_state and any("try again" in w.value for w in fresh.warning)
    server.token_guesses.clear()


def test_an_upload_belongs_to_the_browser_that_made_it(runs_dir):
    at = open_app("pages/own_data.py")
    at.file_uploader(key="own_upload").set_value(
        ("pts.csv", ("x,y\n" + "\n".join(f"{i},{i % 5}" for i in range(40))).encode(), "text/csv")).run()
    click(at, "btn_train_csv")
    sess = server.registry().sessions()[0]
    sess.stop()
    mine = sess.config.data_root
    assert mine.startswith(str(uploads_dir(runs_dir, sess.owner)))
    thief = open_app(TRAIN)
    set_knob(thief, "dataset", "points")
    set_knob(thief, "data_root", mine)
    assert any("outside the files this browser may read" in e.value for e in thief.error), texts(thief)


# ---- 17.5 and 17.4: a fresh form for a new browser; someone else's run is forked ---------------------------------
def test_a_new_browser_opens_on_a_fresh_form_not_on_the_newest_run(runs_dir):
    disk_run(runs_dir, tiny_cfg(optimizer_g="sgd", optimizer_d="sgd", lr_g=0.1, lr_d=0.1, beta1=0.5))
    at = open_app(TRAIN)
    assert "run" not in at.query_params
    assert at.session_state["form"]["optimizer_g"] == "adam" and at.session_state["form"]["lr_g"] != 0.1
    bad = open_app(TRAIN, run="no-such-run")
    assert bad.session_state["form"]["optimizer_g"] == "adam" and bad.query_params.get("run") in (None, [])


def test_resuming_someone_elses_run_forks_it_and_leaves_the_original_alone(runs_dir):
    run = disk_run(runs_dir, tiny_cfg())

    def files() -> tuple:   # the database by its rows: its own writer (still open here) may merge its log
        raw = {p.name: p.read_bytes() for p in (runs_dir / run).rglob("*") if p.is_file() and ".sqlite" not in p.name}
        return raw, store.read_metrics(runs_dir / run)["step"].tolist(), len(store.read_events(runs_dir / run))

    original = files()
    at = open_app(TRAIN, run=run)
    click(at, "btn_resume_disk")
    fork = at.session_state["run"]
    sess = server.registry().get(fork)
    assert fork != run and sess is not None and sess.owner == at.session_state["browser_id"]
    assert sess.wait(60) and sess.snapshot().state == "finished"
    assert files() == original
    assert store.read_status(runs_dir / fork)["step"] >= 20
    assert any(e["kind"] == "fork" for e in store.read_events(runs_dir / fork))


def test_the_form_never_shows_a_server_folder_in_data_root(runs_dir, monkeypatch, tmp_path):
    """A run opened from its link filled "Data file or folder" with the server's own path (a data folder, another
    browser's uploads); the form names them <data>/..., <datasets>/... or <elsewhere>/<name> now, and a Start
    from that form trains on the same data."""
    data = tmp_path / "data-folder"
    monkeypatch.setenv("GAN_DATA_DIR", str(data))
    (data / "pts").mkdir(parents=True)
    (data / "pts" / "ring.csv").write_text("x,y\n" + "\n".join(f"{i % 7},{i % 5}" for i in range(60)))
    run = disk_run(runs_dir, tiny_cfg().replace(dataset="points", data_root=str(data / "pts" / "ring.csv")))
    at = open_app(TRAIN, run=run)
    box = next(w for w in at.text_input if w.key == "k.data_root")
    assert box.value == "<data>/pts/ring.csv"
    assert str(data) not in texts(at) and str(runs_dir) not in texts(at)
    at = open_app(TRAIN)
    set_knob(at, "dataset", "points")
    set_knob(at, "data_root", "<data>/pts/ring.csv")
    click(at, "btn_start")
    sess = server.registry().sessions()[0]
    assert sess.config.data_root == str((data / "pts" / "ring.csv").resolve())
    sess.stop()
    # a classmate's upload: its name only, and a Start from it is refused by name
    other = uploads_dir(runs_dir, "someone-else") / "0123456789"
    other.mkdir(parents=True)
    (other / "a.csv").write_text("x,y\n1,2\n3,4\n5,6\n")
    theirs = disk_run(runs_dir, tiny_cfg().replace(dataset="points", data_root=str(other / "a.csv")))
    at = open_app(TRAIN, run=theirs)
    assert next(w for w in at.text_input if w.key == "k.data_root").value == "<elsewhere>/a.csv"
    assert str(runs_dir) not in texts(at)
