"""The Latent space page in AppTest: a conditional image run, a 2-D run with a 2-D latent, a live run, 简体中文."""
from apptest_helpers import open_app, poll
from test_discriminator_page import digits, disk_run, quadratic

from ui import server

PAGE = "pages/latent_space.py"


def _texts(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption])


def test_no_run_says_what_to_do():
    at = open_app(PAGE)
    assert at.info and not at.exception


def test_conditional_image_run(runs_dir):
    run = disk_run(runs_dir, digits().replace(conditional=True))
    at = open_app(PAGE, run=run)
    assert at.title[0].value == "Latent space" and "step **30**" in _texts(at)
    assert at.selectbox(key="lat_class").value == 0                     # class picker of a conditional G
    assert len([s for s in at.slider if s.key.startswith("lat_dim")]) == 6
    assert any("Class × noise" in h.value for h in at.subheader)
    assert len(at.image) >= 4                                            # strips, GIF, slider sample, class grid
    at.button(key="btn_lat_batch").click().run()                         # a fresh latent batch
    assert at.session_state["lat_seed"] == 1 and "batch #1" in _texts(at)
    at.button(key="btn_lat_random").click().run()                        # a random pair of ends
    assert at.number_input(key="lat_a").value != at.number_input(key="lat_b").value
    at.number_input(key="lat_a").set_value(7).run()
    at.segmented_control(key="lat_mode").set_value("lerp").run()
    at.slider(key="lat_frames").set_value(12).run()
    at.selectbox(key="lat_class").set_value(3).run()
    sliders = [s for s in at.slider if s.key.startswith("lat_dim")]
    assert all(s.key.endswith("_1_7") for s in sliders)                  # the sliders belong to end A = 7
    sliders[0].set_value(2.5).run()
    assert not at.exception and not at.error


def test_two_d_run_with_two_d_latent_draws_the_mesh(runs_dir):
    run = disk_run(runs_dir, quadratic())
    at = open_app(PAGE, run=run)
    assert not at.exception
    assert len([s for s in at.slider if s.key.startswith("lat_dim")]) == 2      # latent_dim = 2
    assert any("latent plane" in h.value for h in at.subheader)
    assert not any("Class" in h.value for h in at.subheader)


def test_live_run_keeps_its_copy_until_newest_model(runs_dir):
    sess = server.registry().create(quadratic(max_steps=0))
    sess.start()
    assert poll(open_app(), lambda: sess.snapshot().step > 0)
    at = open_app(PAGE, run=sess.run_id)
    pinned = at.session_state["lat_model"][1].step_count
    assert poll(at, lambda: sess.snapshot().step > pinned + 50)
    assert at.session_state["lat_model"][1].step_count == pinned        # one fixed model to explore
    at.button(key="btn_lat_refresh").click().run()
    assert at.session_state["lat_model"][1].step_count > pinned + 50
    assert sess.snapshot().state == "running"
    sess.stop()


def test_chinese(runs_dir):
    run = disk_run(runs_dir, quadratic())
    at = open_app(PAGE, run=run)
    at.query_params["lang"] = "zh"
    at.session_state["lang"] = "zh"   # a session keeps its language: a new one takes ?lang=
    at.run()
    assert at.title[0].value == "潜在空间" and "插值" in " ".join(h.value for h in at.subheader)
