"""Lessons on the Train page (issues 12 and 13): a missing image set said before Start with what is here instead
(the preset's networks kept), a dataset switch that keeps a preset's architecture, a preset box that names only a
preset the form still is, a lesson's contrast run (same seed, both on Compare), a lesson link's fresh form."""
import functools
import json

import pytest
from apptest_helpers import click, disk_run, open_app, poll, set_knob

from gan_core import TrainConfig
from gan_core.config import list_presets
from ui import presets, run_reads, server

TRAIN = "pages/train.py"
CLASSIC = list_presets()["mnist-mlp-classic"]["config"]


@pytest.fixture
def no_mnist(tmp_path, monkeypatch):
    """An empty data folder: MNIST is not on this computer (Fashion-MNIST may still be, from the system)."""
    empty = tmp_path / "data"
    empty.mkdir()
    monkeypatch.setenv("GAN_DATA_DIR", str(empty))
    return empty


def _words(elements) -> str:
    return " ".join(e.value for e in elements)


def test_missing_mnist_is_said_before_start_with_what_is_here_and_the_mlp_kept(no_mnist):
    at = open_app(TRAIN)
    at.selectbox(key="preset").set_value("mnist-mlp-classic").run()
    warning = _words(at.warning)
    assert "mnist is not on this computer" in warning and "MLP 256-512-1024" in warning
    assert str(no_mnist) not in warning and "/" not in warning.replace("256-512-1024", "")   # no server path
    assert not server.registry().sessions()                       # said before Start, not after a failed run
    offered = {b.key for b in at.button if (b.key or "").startswith("btn_use_")}
    assert offered == {f"btn_use_{d}" for d in ("fashion_mnist", "digits") if presets.on_this_computer(d)}
    assert "btn_use_digits" in offered                          # scikit-learn's digits are always here
    click(at, "btn_use_digits")
    form = at.session_state["form"]
    assert form["dataset"] == "digits" and form["model"] == "mlp"
    assert form["g_hidden"] == CLASSIC["g_hidden"] and form["d_hidden"] == CLASSIC["d_hidden"]
    assert form["latent_dim"] == CLASSIC["latent_dim"]
    assert not _words(at.warning)                                # digits are here: nothing to warn about
    assert at.session_state["preset"] == "__custom__"           # the box no longer names mnist-mlp-classic
    assert "Changed from the preset mnist-mlp-classic: dataset digits" in _words(at.caption)
    zh = open_app(TRAIN, lang="zh")
    zh.selectbox(key="preset").set_value("mnist-mlp-classic").run()
    assert "这台电脑上没有 MNIST" in _words(zh.warning) and str(no_mnist) not in _words(zh.warning)


def test_switching_only_the_dataset_keeps_the_presets_architecture():
    at = open_app(TRAIN)
    at.selectbox(key="preset").set_value("mnist-mlp-classic").run()
    set_knob(at, "dataset", "fashion_mnist")
    form = at.session_state["form"]
    assert form["model"] == "mlp" and form["g_hidden"] == [256, 512, 1024] and form["batch_size"] == 64
    assert at.session_state["preset"] == "__custom__"
    assert "Changed from the preset mnist-mlp-classic: dataset fashion_mnist" in _words(at.caption)
    fresh = open_app(TRAIN)                  # from a dataset's own defaults, a switch takes the new defaults
    set_knob(fresh, "dataset", "mnist")
    assert fresh.session_state["form"]["model"] == "dcgan"


def test_the_preset_box_names_a_preset_only_while_the_form_is_it():
    at = open_app(TRAIN)
    at.selectbox(key="preset").set_value("ring8-collapse").run()
    set_knob(at, "seed", 3)                  # another seed is the same experiment
    assert at.session_state["preset"] == "ring8-collapse"
    set_knob(at, "d_steps", 2)
    assert at.session_state["preset"] == "__custom__"
    assert at.selectbox(key="preset").value == "__custom__"
    assert "Changed from the preset ring8-collapse: d_steps 2" in _words(at.caption)
    set_knob(at, "d_steps", 1)               # back to the preset's values: named again
    assert at.session_state["preset"] == "ring8-collapse" and "Changed from" not in _words(at.caption)


def test_a_run_that_found_no_data_says_so_in_one_translated_sentence(no_mnist, monkeypatch):
    import gan_core.trainer
    from gan_core.data.builtin import load_dataset

    monkeypatch.setattr(gan_core.trainer, "load_dataset", functools.partial(load_dataset, download=False))  # offline
    at = open_app(TRAIN)
    set_knob(at, "dataset", "mnist")
    click(at, "btn_start")
    sess = server.registry().get(at.session_state["run"])
    assert poll(at, lambda: sess.snapshot().state == "failed")
    at.run()
    errors = _words(at.error)
    assert "MNIST is not on this computer" in errors or "mnist is not on this computer" in errors
    assert str(no_mnist) not in errors and "data_root box" not in errors and "DatasetUnavailable" not in errors
    assert "What to try" in _words(at.info)


def _tiny_presets(tmp_path, monkeypatch, contrast: bool = True):
    """Two tiny lesson presets paired as a contrast (the real ones take a lesson's minute)."""
    import gan_core.config

    folder = tmp_path / "presets"
    folder.mkdir()
    tiny = dict(dataset="ring8", g_hidden=[8], d_hidden=[8], n_points=300, batch_size=16, max_steps=30,
                snapshot_every=10, device="cpu", threads=1)
    for name, other, loss in (("tiny-minimax", "tiny-ns", "minimax"), ("tiny-ns", "tiny-minimax", "nonsaturating")):
        body = {"description": f"{name} (test)", "lesson": 2, "config": {**tiny, "loss": loss}}
        if contrast:
            body["contrast"] = other
        (folder / f"{name}.json").write_text(json.dumps(body))
    monkeypatch.setattr(gan_core.config, "PRESETS_DIR", folder)


def test_run_the_contrast_starts_the_paired_preset_with_the_same_seed_and_opens_compare(tmp_path, monkeypatch):
    _tiny_presets(tmp_path, monkeypatch)
    at = open_app(TRAIN)
    assert not [b for b in at.button if b.key == "btn_contrast"]      # (your own settings): no contrast
    at.selectbox(key="preset").set_value("tiny-minimax").run()
    set_knob(at, "seed", 7)
    click(at, "btn_start")
    first = server.registry().get(at.session_state["run"])
    assert first.wait(60) and first.config.seed == 7
    at.run()
    assert at.button(key="btn_contrast").label == "Run the contrast: tiny-ns"
    click(at, "btn_contrast")
    sessions = server.registry().sessions()
    assert len(sessions) == 2                                          # the current run is one side
    paired = next(s for s in sessions if s.run_id != first.run_id)
    assert paired.config.loss == "nonsaturating" and paired.config.seed == 7
    assert at.title[0].value == "Compare runs"
    assert at.multiselect(key="compare_pick").value == [first.run_id, paired.run_id]
    assert paired.wait(60)


def test_run_the_contrast_without_a_run_starts_both_and_speaks_chinese(tmp_path, monkeypatch):
    _tiny_presets(tmp_path, monkeypatch)
    at = open_app(TRAIN, lang="zh")
    at.selectbox(key="preset").set_value("tiny-ns").run()
    assert at.button(key="btn_contrast").label == "运行对照实验：tiny-minimax"
    click(at, "btn_contrast")
    sessions = server.registry().sessions()
    assert sorted(s.config.loss for s in sessions) == ["minimax", "nonsaturating"]
    assert len({s.config.seed for s in sessions}) == 1
    assert at.title[0].value == "比较训练"
    for s in sessions:
        assert s.wait(60)


def test_a_lesson_link_opens_a_fresh_form_and_another_preset_clears_its_hiding(runs_dir):
    old = disk_run(runs_dir, TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=200,
                                                     batch_size=16, max_steps=5, device="cpu", threads=1))
    at = open_app(TRAIN, preset="ring8-collapse", hide="lr_g,loss")
    assert at.session_state["run"] is None and "run" not in at.query_params   # not the student's previous run
    assert not [i for i in at.info if "on disk" in i.value]
    assert at.session_state["form"]["lr_g"] == 0.005
    at.run()
    assert at.session_state["run"] is None                                      # and it stays fresh
    keys = {w.key for w in at.select_slider} | {w.key for w in at.selectbox}
    assert "k.lr_g" not in keys and "k.loss" not in keys
    at.selectbox(key="preset").set_value("ring8-wgan-gp").run()
    keys = {w.key for w in at.select_slider} | {w.key for w in at.selectbox}
    assert "k.lr_g" in keys and "k.loss" in keys                               # the lesson's hiding is over
    assert "preset" not in at.query_params and "hide" not in at.query_params
    assert not any("fixes 2 settings" in c.value for c in at.caption)
    assert old in {r["run_id"] for r in run_reads.run_list()}


class _Alarmist:
    """An evaluator (``TrainingSession(evaluator_factory=...)``) whose evaluations from step ``at`` to ``until``
    report two lost modes (then the run recovers): a real collapse takes a lesson's minute."""

    def __init__(self, trainer, at: int = 60, until: int = 140):
        self.at, self.until, self.pending, self.last = at, until, [], 0

    def submit(self, trainer):
        self.pending.append(trainer.step_count)

    def results(self):
        out, self.pending = [{"step": s, "modes_covered": 6.0 if self.at <= s < self.until else 8.0}
                             for s in self.pending], []
        self.last = max([self.last, *(r["step"] for r in out)])
        return out

    def alarm(self):
        return {"kind": "modes", "lost": [3, 6], "best": 8, "now": 6, "best_step": 20, "step": self.at} \
            if self.at <= self.last < self.until else None

    def wait_idle(self, timeout):
        return True

    def close(self):
        pass


def test_the_collapse_alarm_is_bookmarked_on_the_curves_and_the_plane_jumps_there():
    cfg = TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=300, batch_size=16, max_steps=200,
                                  eval_every=20, snapshot_every=10, device="cpu", threads=1)
    sess = server.registry().create(cfg, evaluator_factory=_Alarmist)
    sess.start()
    assert sess.wait(60) and len(sess.view_steps()) > 5
    assert sess.snapshot().alarm is None and [e for e in sess.events() if e["kind"] == "collapse"]  # it recovered
    at = open_app(TRAIN, run=sess.run_id)
    assert "Mode collapse?" not in _words(at.warning)             # no alarm now, but the bookmark stays
    jump = at.button(key="btn_jump_alarm")
    assert jump.label == "Collapse alarm at step 60: see the plane there"
    jump.click().run()
    assert not at.exception
    assert at.session_state["follow_latest"] is False and at.session_state["scrub_step"] == 60
    assert at.select_slider(key="scrub_step").value == 60
    assert "step 60" in _words(at.markdown)                         # the plane drawn is the one of step 60
    assert [b for b in at.get("download_button") if "dl_gif" in str(b.proto)]


def test_the_alarm_marker_and_the_jump_target():
    from ui import charts
    from ui.panels import jump_target

    events = [{"step": 80, "kind": "collapse", "detail": {"step": 60, "lost": [3]}},
              {"step": 40, "kind": "update", "detail": {"lr_g": {"old": 1e-3, "new": 5e-3}}}]
    fig = charts.curves_figure({"step": [0, 50, 100], "loss_d": [1, 1, 1]}, ("loss",), events=events)
    red = [s for s in fig["layout"]["shapes"] if s["line"]["color"] == charts.ALARM]
    assert [s["x0"] for s in red] == [60]
    assert any(a["text"] == "collapse alarm · 60" for a in fig["layout"]["annotations"])
    zh = charts.curves_figure({"step": [0], "loss_d": [1]}, ("loss",), events=events, lang="zh")
    assert any("崩溃警报" in a["text"] for a in zh["layout"]["annotations"])
    assert jump_target([0, 50, 70, 100], 60) == 50 and jump_target([0, 50, 70, 100], 61) == 70
