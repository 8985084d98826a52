"""The Distribution shift page in AppTest: the preview, a live run filling the three sections, a live knob,
Stop, a shift that cannot be built, 简体中文."""
import pytest
from apptest_helpers import click, open_app, poll

from ui import lesson_runs

PAGE = "pages/distribution_shift.py"


def _session(at):
    return lesson_runs.registry("shift").get(at.session_state["lesson.shift"])


def _texts(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption, *at.subheader, *at.info])


def test_opens_with_preview_and_says_what_to_do():
    at = open_app(PAGE)
    assert at.title[0].value == "Distribution shift"
    assert any("Press Start" in i.value for i in at.info)
    assert at.button(key="btn_shift_start").label == "Start"      # the word every other page uses
    assert len(at.get("image")) >= 20                     # ten source images above their ten shifted copies
    assert not at.button(key="btn_shift_start").disabled and at.button(key="btn_shift_stop").disabled


def test_a_run_fills_the_sections_takes_a_live_knob_and_stops():
    at = open_app(PAGE)
    at.select_slider(key="shift_steps").set_value(300).run()
    click(at, "btn_shift_start")
    sess = _session(at)
    assert sess.config.max_steps == 300 and sess.config.shift == "rotate"
    assert poll(at, lambda: len(sess.series(["target_acc"])["step"]) >= 1 and sess.snapshot().view is not None)
    at.run()
    text = _texts(at)
    for section in ("1 · A classifier trained on the source", "2 · Adversarial validation",
                    "3 · Domain-adversarial training"):
        assert section in text
    labels = [m.label for m in at.metric]
    assert {"Source accuracy", "Target accuracy", "Domain AUC", "DANN on the target"} <= set(labels)
    assert at.selectbox(key="shift_dataset").disabled    # data knobs lock while it trains
    at.slider(key="shift_weight").set_value(0.8).run()   # a live knob reaches the running session
    assert sess.config.domain_weight == 0.8
    click(at, "btn_shift_stop")
    assert sess.wait(30) and sess.snapshot().state in ("stopped", "finished")
    at.run()
    assert not at.exception and not at.button(key="btn_shift_start").disabled
    lesson_runs.registry("shift").stop_all()


def test_a_shift_that_cannot_be_built_is_explained():
    at = open_app(PAGE)
    at.selectbox(key="shift_dataset").set_value("fashion_mnist").run()
    at.selectbox(key="shift_kind").set_value("dataset").run()
    assert not at.exception
    assert at.error and "digits or mnist" in at.error[0].value
    assert at.button(key="btn_shift_start").disabled


def test_chinese():
    at = open_app(PAGE)
    at.query_params["lang"] = "zh"    # after opening: the Train page's English widget values would not fit zh
    at.session_state["lang"] = "zh"   # what ?lang=zh sets, for a switch_page run without app.py
    at.run()
    assert at.title[0].value == "分布偏移" and at.button(key="btn_shift_start").label == "开始"
    assert any("按“开始”" in i.value for i in at.info)


def test_figures_from_plain_arrays():
    import numpy as np

    from ui import shift_charts as sc

    steps = np.array([10, 20, 30, 40, 500, 510, 520])
    loss = np.array([1.0, np.nan, 0.9, 0.8, 0.7, 0.6, 0.5])
    fig = sc.augment_curves_figure({"step": steps, "loss_d": loss})
    x = fig["data"][0]["x"]
    assert np.isnan(x).sum() == 1 and list(x[~np.isnan(x)]) == [10, 30, 40, 500, 510, 520]   # a break at the gap
    seeds = [{"seed": s, "real_only_acc": 0.6 + s / 100, "augmented_acc": 0.7, "random_labels_acc": 0.4}
             for s in range(3)]
    bars = [d for d in sc.augment_results_figure(seeds)["data"] if d["type"] == "bar"]
    assert len(bars) == 3 and bars[0]["error_y"]["array"][0] == pytest.approx(0.01)
    proj = sc.projection_figure(np.zeros((4, 2)), np.array([0, 0, 1, 1]), np.array([0, 1, 2, 3]), list("0123"),
                                lang="zh")
    assert [d["name"] for d in proj["data"]] == ["源域", "目标域"]
    curves = sc.shift_curves_figure({"step": np.arange(3), "target_acc": np.ones(3), "domain_auc": np.ones(3)})
    assert {d["name"] for d in curves["data"]} == {"DANN · target", "domain AUC"}
    assert len(curves["layout"]["shapes"]) == 2      # the chance lines: ln 2 and AUC 0.5
