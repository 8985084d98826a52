"""Live curves, Your own data and One step slowly in AppTest."""
import numpy as np
import pytest
from apptest_helpers import click, open_app, poll, ring8_run, tiny

from ui import owndata, server


def test_live_curves_with_comparison_smoothing_and_log(runs_dir):
    first = ring8_run(runs_dir)
    at = tiny(open_app())
    click(at, "btn_start")
    sess = server.registry().get(at.session_state["run"])
    assert poll(at, lambda: len(sess.series()["step"]) > 2)
    at.switch_page("pages/live_curves.py").run()
    assert not at.exception
    at.multiselect(key="compare_runs").set_value([first]).run()
    at.slider(key="smooth").set_value(0.9).run()
    at.toggle(key="log_y").set_value(True).run()
    at.toggle(key="pause_updates").set_value(True).run()
    assert not at.exception and not at.error


def test_own_data_needs_enough_points():
    at = open_app("pages/own_data.py")
    click(at, "btn_train_drawn")
    assert at.error and not server.registry().sessions()


def test_parse_points_validates_uploads(tmp_path):
    pts = owndata.parse_points(b"x,y\n" + b"".join(f"{i},{i * i}\n".encode() for i in range(20)))
    assert pts.shape == (20, 2) and pts.dtype == np.float32
    for raw, msg in [(b"1,2,3\n" * 20, "columns"), (b"a,b\n1,x\n" + b"1,2\n" * 20, "not two numbers"),
                     (b"1,2\n" * 3, "need 16"), (b"nan,1\n" * 20, "finite"), (b"1,2\n" * 2_000_000, "limit")]:
        with pytest.raises(ValueError, match=msg):
            owndata.parse_points(raw)
    path = owndata.save_points(pts, tmp_path)
    assert path.parent.name == "_uploads" and path.read_text().startswith("x,y")


def test_slow_motion_walks_through_one_iteration():
    at = open_app("pages/step_explained.py")
    assert any("Press" in i.value for i in at.info)
    click(at, "btn_slow_iter")
    slider = at.select_slider(key="slow_stage")
    assert slider.value == 0 and "Noise" in at.subheader[0].value
    click(at, "btn_slow_next")
    assert at.select_slider(key="slow_stage").value == 1
    at.select_slider(key="slow_stage").set_value(9).run()
    assert "G updated" in at.subheader[0].value
    assert any("never move" in m.value for m in at.markdown)
    assert at.session_state["slowmo"]["trainer"].step_count == 1
    click(at, "btn_slow_iter")
    assert at.session_state["slowmo"]["trainer"].step_count == 2 and at.select_slider(key="slow_stage").value == 0


def test_slow_motion_says_it_needs_2d_data():
    at = open_app()
    from apptest_helpers import set_knob

    set_knob(at, "dataset", "digits")
    at.switch_page("pages/step_explained.py").run()
    assert not at.exception and any("2-D" in i.value for i in at.info)
