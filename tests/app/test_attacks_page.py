"""The Attacks page in AppTest: one attack on digits, the eps bound, bad knobs, adversarial training's Start,
Pause and Stop, the robust model joining the curve, the discriminator option without a GAN run, 简体中文."""
from apptest_helpers import click, open_app, poll
from test_discriminator_page import digits, disk_run
from waiting import wait_for

from ui import lesson_runs

PAGE = "pages/attacks.py"


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _session(at):
    return lesson_runs.registry("attacks").get(at.session_state["lesson.attacks"])


def test_renders_on_digits_with_an_attack_and_the_curve():
    at = open_app(PAGE)
    assert at.title[0].value == "Adversarial attacks"
    assert at.selectbox(key="atk_dataset").value == "digits"
    labels = {m.label for m in at.metric}
    assert {"True class", "Prediction before", "Prediction after", "Largest pixel change"} <= labels
    assert len(at.get("plotly_chart")) >= 3                 # images, probabilities, accuracy vs eps
    assert any("PGD" in m.value and "FGSM" in m.value for m in at.markdown)
    assert not at.error


def test_changing_eps_changes_the_bound_shown():
    at = open_app(PAGE)
    at.number_input(key="atk_eps").set_value(0.05).run()
    assert not at.exception
    assert float(_metric(at, "Largest pixel change")) <= 0.05 + 1e-6
    assert any("eps = 0.050" in c.value for c in at.caption)
    at.number_input(key="atk_eps").set_value(0.2).run()
    assert float(_metric(at, "Largest pixel change")) > 0.05
    assert any("eps = 0.200" in c.value for c in at.caption)


def test_bad_knobs_show_an_error_not_a_traceback():
    at = open_app(PAGE)
    at.number_input(key="atk_eps").set_value(1.5).run()
    assert not at.exception and at.error and "eps=1.5" in at.error[0].value
    at.number_input(key="atk_eps").set_value(0.1).run()
    at.number_input(key="atk_alpha").set_value(-0.1).run()
    assert not at.exception and at.error and "alpha" in at.error[0].value
    at.number_input(key="atk_alpha").set_value(0.02).run()
    at.number_input(key="atk_steps").set_value(0).run()
    assert not at.exception and at.error and "steps" in at.error[0].value


def test_adversarial_training_starts_pauses_stops_and_adds_the_robust_curve():
    at = open_app(PAGE)
    assert at.button(key="btn_atk_stop").disabled
    at.selectbox(key="atk_tr_method").set_value("fgsm_rs").run()
    at.select_slider(key="atk_tr_max").set_value(200).run()
    click(at, "btn_atk_start")
    sess = _session(at)
    assert sess is not None and sess.config.method == "fgsm_rs" and sess.config.max_steps == 200
    assert sess.snapshot().state in ("starting", "queued", "running", "finished")
    assert at.button(key="btn_atk_start").disabled
    assert poll(at, lambda: len(sess.series(["pgd_acc"])["step"]) >= 1, timeout=60)
    at.radio(key="atk_model").set_value("robust").run()
    assert not at.exception and any("Robust classifier from" in c.value for c in at.caption)
    # the robust curve is computed in the background: the page shows it once done, the standard one at once
    assert any(n.startswith("standard") for n in _names(at))
    assert poll(at, lambda: any(n.startswith("robust") for n in _names(at)), timeout=60)
    if sess.snapshot().state == "running":
        click(at, "btn_atk_pause")
        assert poll(at, lambda: sess.snapshot().state in ("paused", "finished"), timeout=20)
    if sess.snapshot().state in ("running", "paused"):
        click(at, "btn_atk_stop")     # Stop asks first, as on the Train page
        assert at.button(key="btn_confirm_stop") and sess.snapshot().state in ("running", "paused")
        click(at, "btn_confirm_stop")
    assert sess.wait(30) and sess.snapshot().state in ("stopped", "finished")
    lesson_runs.registry("attacks").stop_all()


def _names(at) -> list[str]:
    return [tr["name"] for tr in _eps_traces(at)]


def test_the_robust_curve_is_computed_off_the_page_thread():
    """A robust model's curve (seconds of PGD) never holds up a rerun: while it is computed, the page gets the
    run's previous curve (None at first) at once, and the new one when it is done."""
    import threading

    import torch

    from ui import attack_panels as ap

    release = threading.Event()

    class Slow(torch.nn.Module):       # a classifier whose first forward waits until the test lets it go
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(64, 10)

        def forward(self, x):
            release.wait(30)
            return self.lin(x.flatten(1))

    model = Slow()
    assert ap.robust_curves("digits", "robust-run-x-100", model) == (None, False)   # returned at once
    release.set()
    waited = wait_for(lambda: ap.robust_curves("digits", "robust-run-x-100", model)[1], 60)
    curve, ready = waited and ap.robust_curves("digits", "robust-run-x-100", model)
    assert ready and len(curve["pgd"]) == len(curve["eps"])
    release.clear()                    # the next copy of the same run: its previous curve meanwhile
    assert ap.robust_curves("digits", "robust-run-x-350", model) == (curve, False)
    release.set()


def _eps_traces(at):
    import json

    chart = next(c for c in at.get("plotly_chart") if "lines+markers" in c.proto.spec)
    return json.loads(chart.proto.spec)["data"]


def test_discriminator_without_a_gan_run_says_what_to_do():
    at = open_app(PAGE)
    at.radio(key="atk_model").set_value("discriminator").run()
    assert not at.exception and any("Pick a GAN run" in i.value for i in at.info)


def test_discriminator_of_a_gan_run_is_fooled_both_ways(runs_dir):
    run = disk_run(runs_dir, digits())
    at = open_app(PAGE, run=run)
    at.radio(key="atk_model").set_value("discriminator").run()
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert labels.count("D(x) after: probability of “real”") == 2
    fake_delta, real_delta = (float(m.delta) for m in at.metric if m.label.startswith("D(x)"))
    assert fake_delta > 0 and real_delta < 0        # the fake looks more real, the real more fake


def test_chinese():
    at = open_app(PAGE)
    at.query_params["lang"] = "zh"
    at.session_state["lang"] = "zh"   # a session keeps its language: a new one takes ?lang=
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception and at.title[0].value == "对抗攻击"
    assert at.button(key="btn_atk_start").label == "开始"


def test_the_discriminator_of_a_2d_run_says_it_needs_an_image_run_and_offers_one(runs_dir):
    from gan_core import TrainConfig

    image = disk_run(runs_dir, digits())
    ring = disk_run(runs_dir, TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=256,
                                                       batch_size=32, max_steps=10, device="cpu", threads=1))
    at = open_app(PAGE, run=ring)
    at.radio(key="atk_model").set_value("discriminator").run()
    assert not at.exception and not at.error, [e.value for e in at.error]    # no "Something went wrong"
    assert any("needs an image run" in i.value and "ring8" in i.value for i in at.info)
    click(at, "btn_atk_image_run")
    assert at.session_state["run"] == image


def test_fashion_mnist_classes_have_names_in_both_languages():
    import numpy as np

    from gan_core.lessons.attack_views import AttackResult
    from ui import attack_panels as ap

    assert ap.class_label("fashion_mnist", 3) == "3 · Dress" and ap.class_label("fashion_mnist", 9, "zh") == "9 · 短靴"
    assert ap.class_label("digits", 3) == "3"
    probs = np.full(10, 0.1)
    r = AttackResult(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)), probs, probs, 0, 0, 1, 0.1)
    assert list(ap.probs_figure(r, "en", "fashion_mnist").data[0].x)[:2] == ["0 · T-shirt/top", "1 · Trouser"]
