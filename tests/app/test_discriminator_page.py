"""The Discriminator page in AppTest: a finished 2-unit run, a wide-feature image run, a live run, 简体中文."""
from apptest_helpers import disk_run, open_app, poll

from gan_core import TrainConfig, load_preset
from ui import server

PAGE = "pages/discriminator.py"


def quadratic(**kw) -> TrainConfig:
    """Lesson 1 (D's last hidden layer has 2 units), small."""
    return load_preset("quadratic-classic").replace(device="cpu", n_points=1000, threads=1,
                                                     **{"max_steps": 60, "snapshot_every": 20, **kw})


def digits() -> TrainConfig:
    return TrainConfig.for_dataset("digits", g_hidden=[32], d_hidden=[32, 24], latent_dim=8, batch_size=32,
                                   max_steps=30, snapshot_every=10, eval_every=10**6, device="cpu", threads=1)


def _texts(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption])


def test_no_run_says_what_to_do():
    at = open_app(PAGE)
    assert at.info and not at.exception


def test_finished_two_unit_run(runs_dir):
    run = disk_run(runs_dir, quadratic())
    at = open_app(PAGE, run=run)
    assert at.title[0].value == "Discriminator's features"
    assert "step 60" in _texts(at)                                 # its checkpoint; no history on disk
    labels = [m.label for m in at.metric]
    assert "Linear-probe accuracy" in labels and "Centroid distance" in labels
    probe = next(m for m in at.metric if m.label == "Linear-probe accuracy").value
    assert probe.endswith("%") and 0 <= int(probe[:-1]) <= 100
    # one generator update on a private copy: the real features do not move
    assert "moved by at most **0**" in _texts(at)
    _verdict_matches_numbers(at, "fake centroid came closer", "fake centroid moved *away*")
    at.segmented_control(key="disc_part").set_value("d").run()
    assert not at.exception
    assert "moved by at most **0**" not in _texts(at)             # a D update moves the real features too
    _verdict_matches_numbers(at, "centroids came closer", "pushed the centroids apart")
    at.slider(key="disc_n").set_value(5).run()
    assert not at.exception and "After 5 discriminator update(s)" in _texts(at)


def _verdict_matches_numbers(at, closer: str, apart: str) -> None:
    """The notice under the update says what its numbers show: closer when the centroid distance fell."""
    import re

    text = _texts(at)
    before, after = (float(v) for v in re.search(r"centroids \*\*([\d.]+) → ([\d.]+)\*\*", text).groups())
    assert (closer in text) == (after < before) and (apart in text) == (after >= before), text


def test_update_verdict_follows_the_centroids():
    import numpy as np

    from gan_core.lessons.features import UpdateEffect

    real = np.zeros((8, 2))
    fake = np.ones((8, 2))
    assert UpdateEffect("g", 1, 0, real, real, fake, fake * 0.5).closer
    assert not UpdateEffect("g", 1, 0, real, real, fake * 0.5, fake).closer   # near equilibrium: away


def test_wide_features_use_pca(runs_dir):
    run = disk_run(runs_dir, digits())
    at = open_app(PAGE, run=run)
    assert any("24 units" in c.value for c in at.caption)         # d_hidden[-1] = 24 -> PCA
    assert "moved by at most **0**" in _texts(at)


def test_live_run_history_slider_and_the_run_is_untouched(runs_dir):
    sess = server.registry().create(quadratic(max_steps=0, snapshot_every=25))
    sess.start()
    at = open_app(PAGE, run=sess.run_id)
    assert poll(at, lambda: _history(at) is not None and len(_history(at).options) >= 3)
    slider = _history(at)
    assert slider.value == int(slider.options[-1].replace(",", ""))                # the newest
    shown = slider.value
    assert poll(at, lambda: _history(at).value != shown)          # it follows the newest view
    assert _history(at).value == int(_history(at).options[-1].replace(",", ""))
    slider = _history(at)
    slider.set_value(0).run()                                      # walk back to the first snapshot (step 0)
    assert not at.exception and _history(at).value == 0
    assert poll(at, lambda: len(_history(at).options) > len(slider.options))
    assert _history(at).value == 0                                 # stays there while the run goes on
    newest = _history(at).options[-1]
    _history(at).set_value(int(newest.replace(",", ""))).run()     # back to the newest: it follows again
    assert poll(at, lambda: _history(at).options[-1] != newest)
    assert _history(at).value == int(_history(at).options[-1].replace(",", ""))
    step = sess.snapshot().step
    at.button(key="btn_disc_again").click().run()                  # the update experiment on the newest model
    assert not at.exception and "moved by at most **0**" in _texts(at)
    assert poll(at, lambda: sess.snapshot().step > step) and sess.snapshot().state == "running"
    sess.stop()


def _history(at):
    """The history slider (its widget key carries the newest step while it follows: ``disc_hist@<step>``)."""
    return next((s for s in at.select_slider if s.key and s.key.startswith("disc_hist@")), None)


def test_chinese(runs_dir):
    run = disk_run(runs_dir, quadratic())
    at = open_app(PAGE, run=run)
    at.query_params["lang"] = "zh"   # (opening the Train page in zh first trips AppTest's selectbox check)
    at.session_state["lang"] = "zh"   # a session keeps its language: a new one takes ?lang=
    at.run()
    assert at.title[0].value == "判别器的特征空间"
    assert any(m.label == "线性探针准确率" for m in at.metric)
    assert "形心" in _texts(at)


def test_figures_build_without_streamlit():
    import numpy as np

    from gan_core.lessons.features import UpdateEffect
    from ui import inspect_charts as ic

    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(50, 6)) + 2, rng.normal(size=(40, 6))
    r2, f2, pca = ic.feature_plane(real, fake)
    assert pca and r2.shape == (50, 2) and r2.mean(0)[0] > f2.mean(0)[0]
    assert ic.feature_plane(real[:, :1], fake[:, :1])[0].shape == (50, 2)
    effect = UpdateEffect("g", 1, 10, real, real, fake, fake + 0.001)
    before, after = ic.update_figures(effect)
    assert after.layout.annotations and "×" in after.layout.annotations[-1].text   # tiny moves: magnified arrows
    assert [ic.nice_scale(r) for r in (0.3, 1, 3, 7, 12, 499)] == [1, 1, 2, 5, 10, 200]
    ic.d_output_figure(rng.random(30), rng.random(30))
    ic.d_output_figure(rng.normal(size=30), rng.normal(size=30), probability=False)
    ic.probe_figure(np.arange(5) * 100, np.linspace(1, 0.5, 5), current=200)
    z = np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 5), indexing="ij"), -1)
    assert len(ic.mesh_figure(real[:, :2], z, z * 2).data) == 3
    assert len(ic.mesh_figure(real[:, :2], z[:, 0, :1], z[:, 0]).data) == 2
