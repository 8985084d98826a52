"""ui.charts builds valid Plotly figures from plain arrays, without a Streamlit server."""
import numpy as np
import plotly.graph_objects as go

from gan_core.config import TrainConfig
from gan_core.lessons.explain import explain_step
from gan_core.trainer import Trainer
from ui import charts


def _series(n=50):
    steps = np.arange(n) * 10
    return {"step": steps, **{k: np.linspace(1, 2, n) for k in charts.NAMES}}


def test_ema_smooths_and_skips_nan():
    y = np.array([0.0, 10.0, np.nan, 10.0])
    out = charts.ema(y, 0.5)
    assert out[0] == 0 and out[1] == 5 and np.isnan(out[2]) and out[3] == 7.5
    assert np.array_equal(charts.ema(y, 0.0), y, equal_nan=True)


def test_curves_figure_panels_markers_overlay_and_window():
    events = [{"kind": "update", "step": 200, "detail": {"lr_g": {"old": 0.001, "new": 0.005}}},
              {"kind": "pause", "step": 300, "detail": {}}]
    fig = charts.curves_figure(_series(), ("loss", "dout", "grad", "lr"), events=events,
                               others=[("other", _series(20))], smooth=0.5, log_y=True, last=100, lang="zh")
    go.Figure(fig)  # a valid Plotly figure
    assert len(fig["data"]) == 16
    assert {d["yaxis"] for d in fig["data"]} == {"y", "y2", "y3", "y4"}
    assert fig["layout"]["yaxis3"]["type"] == "log" and fig["layout"]["uirevision"] == "curves"
    assert len(fig["layout"]["shapes"]) == 1 and fig["layout"]["shapes"][0]["x0"] == 200
    assert any("lr_g 0.001→0.005" in a["text"] for a in fig["layout"]["annotations"])
    assert any(a["text"] == "损失" for a in fig["layout"]["annotations"])
    assert fig["data"][0]["x"].min() >= 390                                   # the window keeps the last 100 steps
    assert any(d["line"]["dash"] == "dash" for d in fig["data"])              # the other run, dashed


def test_empty_series_gives_an_empty_but_valid_figure():
    fig = charts.curves_figure({"step": np.array([], dtype=np.int64)})
    go.Figure(fig)
    assert fig["data"] == []


def test_plane_and_stage_figures():
    cfg = TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=256, batch_size=32)
    tr = Trainer(cfg, device="cpu")
    fig = charts.view_figure(tr.view())
    go.Figure(fig)
    kinds = [d["type"] for d in fig["data"]]
    assert kinds[0] == "heatmap" and kinds.count("scatter") == 3            # real, fake, arrows
    arrows = fig["data"][-1]
    assert np.isnan(arrows["x"][2::3]).all()                                 # segments broken by NaN
    for stage in explain_step(tr, grid=12):
        go.Figure(charts.stage_figure(stage))
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"


def test_points_figure():
    go.Figure(charts.points_figure(np.random.default_rng(0).normal(size=(30, 2))))


def test_live_redraws_slow_down_with_many_browsers(monkeypatch):
    """Up to 10 browsers redraw every REFRESH_S; 30 every 3x that, so a class does not saturate the server."""
    from ui import state

    seen: dict[str, float] = {}
    monkeypatch.setattr(state, "_watchers", lambda: seen)
    rates = []
    for i in range(30):
        monkeypatch.setattr(state, "browser_id", lambda i=i: f"b{i}")
        rates.append(state.refresh_s(1.0))
    assert rates[0] == rates[9] == 1.0 and rates[29] == 3.0
    seen.update({k: v - 60 for k, v in seen.items() if k != "b0"})    # 29 left over a minute ago
    monkeypatch.setattr(state, "browser_id", lambda: "b0")
    assert state.refresh_s(1.0) == 1.0 and list(seen) == ["b0"]
