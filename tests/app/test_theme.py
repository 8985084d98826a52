"""Streamlit's dark theme: the live charts and the drawing canvas follow it (they drew white on a dark page)."""
import json
import tomllib

import pytest
from apptest_helpers import ROOT, open_app
from streamlit import config


@pytest.fixture
def theme():
    """Set the server's ``theme.base`` (what ``streamlit run --theme.base dark`` sets) for one test."""
    old = config.get_option("theme.base")
    yield lambda base: config.set_option("theme.base", base)
    config.set_option("theme.base", old)



def _canvas(at) -> dict:
    return json.loads(at.get("bidi_component")[0].proto.json)["palette"]


@pytest.mark.parametrize("base", ["dark", "light"])
def test_charts_and_canvas_follow_the_theme(theme, base):
    theme(base)
    at = open_app("pages/train.py")
    figures = [json.loads(json.loads(el.proto.json_args)["spec"]) for el in at.get("component_instance")]
    assert len(figures) == 2, "the Train page's curves and plane"
    for fig in figures:
        lay = fig["layout"]
        if base == "dark":   # the page's background shows through, the text and grid are light
            assert lay["paper_bgcolor"] == lay["plot_bgcolor"] == "rgba(0,0,0,0)" and "template" not in lay
            assert lay["font"]["color"] == "#e6e6e6" and lay["xaxis"]["gridcolor"] != "#eee"
        else:
            assert "paper_bgcolor" not in lay and lay["template"] == "plotly_white"
    from ui.components.canvas import PALETTES

    at.switch_page("pages/own_data.py").run()
    assert not at.exception, at.exception
    primary = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]["primaryColor"]
    assert _canvas(at) == {**PALETTES[base], "accent": primary}      # the Clear button's hover
    if base == "dark":
        assert _canvas(at)["background"] != "#ffffff" and _canvas(at)["button"] != "#fafafa"
