"""The Augment page in AppTest: a one-seed experiment from start to its results, 简体中文."""
from apptest_helpers import click, open_app, poll

from ui import lesson_runs

PAGE = "pages/augment.py"


def test_opens_and_says_what_to_do():
    at = open_app(PAGE)
    assert at.title[0].value == "Augment" and not at.exception
    assert any("Press Run the experiment" in i.value for i in at.info)


def test_a_tiny_experiment_runs_to_its_results():
    at = open_app(PAGE)
    at.select_slider(key="aug_labels").set_value(3).run()
    at.number_input(key="aug_seeds").set_value(1).run()
    at.select_slider(key="aug_gan_steps").set_value(200).run()
    at.select_slider(key="aug_clf_steps").set_value(100).run()
    at.select_slider(key="aug_gen").set_value(10).run()
    click(at, "btn_aug_start")
    sess = lesson_runs.registry("augment").get(at.session_state["lesson.augment"])
    cfg = sess.config
    assert (cfg.labels_per_class, cfg.seeds, cfg.gan_steps, cfg.clf_steps, cfg.max_steps) == (3, 1, 200, 100, 300)
    assert at.select_slider(key="aug_labels").disabled
    assert poll(at, lambda: sess.snapshot().state == "finished", timeout=120), sess.snapshot()
    at.run()
    assert not at.exception
    assert any("Results over seeds" in s.value for s in at.subheader)
    verdicts = [*at.success, *at.warning, *at.info]
    assert any("points on average" in v.value for v in verdicts)
    assert "Label agreement" in [m.label for m in at.metric]
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 1    # one row per seed
    assert not at.button(key="btn_aug_start").disabled
    at.session_state["lang"] = "zh"   # the same results in Chinese: the samples' step too
    at.run()
    shown = " ".join(m.value for m in at.markdown)
    assert "· 第 " in shown and "· step" not in shown
    lesson_runs.registry("augment").stop_all()


def test_chinese():
    at = open_app(PAGE)
    at.query_params["lang"] = "zh"    # after opening: the Train page's English widget values would not fit zh
    at.session_state["lang"] = "zh"   # what ?lang=zh sets, for a switch_page run without app.py
    at.run()
    assert at.title[0].value == "数据增强" and at.button(key="btn_aug_start").label == "运行实验"
