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
    assert len(fig["data"]) == 17                                             # 8 + 8 lines + the other run's legend
    assert [d["name"] for d in fig["data"] if d.get("showlegend", True)] == [
        "loss_D", "loss_G", "D(x)", "D(G(z))", "|∇D|", "|∇G|", "lr_D", "lr_G", "other"]   # one entry per other run
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
    assert all(len(d["x"]) == 0 for d in fig["data"]), "no point"
    # before the first point each panel still draws its frame: an (empty) trace on its axes, a fixed range
    assert {d["yaxis"] for d in fig["data"]} == {"y", "y2"}
    assert fig["layout"]["yaxis2"]["range"] == [0.0, 1.0] and fig["layout"]["xaxis"]["range"] == [0, 100]


def test_plane_and_stage_figures():
    cfg = TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=256, batch_size=32)
    tr = Trainer(cfg, device="cpu")
    fig = charts.view_figure(tr.view())
    go.Figure(fig)
    kinds = [d["type"] for d in fig["data"]]
    assert kinds[0] == "heatmap" and kinds.count("scatter") == 3            # real, fake, arrows
    arrows = fig["data"][-1]
    assert np.isnan(arrows["x"][2::3]).all()                                 # segments broken by NaN
    stages = explain_step(tr, grid=12)
    for stage in stages:
        drawn = charts.stage_figure(stage)
        go.Figure(drawn)
        assert drawn["data"] and all(len(d.get("x", d.get("z", []))) for d in drawn["data"]), stage.key
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"


def test_points_figure_draws_the_students_points_on_equal_axes():
    pts = np.random.default_rng(0).normal(size=(30, 2))
    fig = charts.points_figure(pts, lang="zh")
    go.Figure(fig)
    (trace,) = fig["data"]
    assert trace["mode"] == "markers"
    assert np.array_equal(trace["x"], pts[:, 0]) and np.array_equal(trace["y"], pts[:, 1])
    assert trace["name"] != charts.points_figure(pts)["data"][0]["name"]     # the legend speaks the page's language
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"                      # a circle stays a circle


def test_live_redraws_slow_down_with_many_browsers(monkeypatch):
    """Up to 10 browsers redraw every REFRESH_S; 30 every 3x that, so a class does not saturate the server."""
    from ui import browser, server

    seen: dict[str, float] = {}
    monkeypatch.setattr(server, "browsers_seen", lambda: seen)
    rates = []
    for i in range(30):
        monkeypatch.setattr(browser, "browser_id", lambda i=i: f"b{i}")
        rates.append(browser.refresh_s(1.0))
    assert rates[0] == rates[9] == 1.0 and rates[29] == 3.0
    seen.update({k: v - 60 for k, v in seen.items() if k != "b0"})    # 29 left over a minute ago
    monkeypatch.setattr(browser, "browser_id", lambda: "b0")
    assert browser.refresh_s(1.0) == 1.0 and list(seen) == ["b0"]


def test_learning_rates_start_at_zero_and_log_scale_says_it_draws_absolute_values():
    n = 40
    series = {"step": np.arange(n) * 10, "loss_d": np.linspace(1.4, 1.2, n), "loss_g": -np.linspace(0.1, 0.7, n),
              "lr_d": np.full(n, 2e-4), "lr_g": np.full(n, 2e-4)}
    fig = charts.curves_figure(series, ("loss", "lr"))
    lr_axis = fig["layout"]["yaxis2"]
    assert lr_axis["range"][0] == 0 and 2e-4 < lr_axis["range"][1] < 3e-4     # the line at 2e-4, not "0"
    log = charts.curves_figure(series, ("loss", "lr"), log_y=True, lang="zh")
    g = next(d for d in log["data"] if d["name"] == "|loss_G|")
    assert (np.asarray(g["y"]) > 0).all(), "minimax loss_G is negative: drawn as |loss_G|, not dropped"
    assert any("绝对值" in a["text"] for a in log["layout"]["annotations"])
    assert next(d for d in log["data"] if d["name"] == "loss_D")["y"][0] == 1.4   # positive lines stay as they are


def test_critic_scores_are_named_as_such():
    fig = charts.curves_figure(_series(), ("dout",), loss="hinge")
    assert [d["name"] for d in fig["data"]] == ["critic(x)", "critic(G(z))"]
    assert "not probabilities" in fig["layout"]["annotations"][0]["text"]
    assert [d["name"] for d in charts.curves_figure(_series(), ("dout",))["data"]] == ["D(x)", "D(G(z))"]
    assert charts.is_score("wgan_gp") and charts.is_score("hinge") and not charts.is_score("nonsaturating")


def test_a_wasserstein_critic_draws_its_w_estimate_not_its_penalised_loss():
    """Lesson 4: the critic's estimate of W is critic(x) - critic(G(z)); its loss adds 10 x the penalty."""
    series = {**_series(), "d_fake": np.linspace(0.2, 1.5, 50)}
    for lang, name in (("en", "W estimate"), ("zh", "W 估计")):
        fig = charts.curves_figure(series, ("loss", "dout"), loss="wgan_gp", lang=lang,
                                   others=[("other", series)])
        w = [d for d in fig["data"] if d["name"] == name]
        assert len(w) == 1 and w[0]["yaxis"] == "y2", "one W line, in the D panel, for the run itself"
        np.testing.assert_allclose(w[0]["y"], series["d_real"] - series["d_fake"])
    assert not [d for d in charts.curves_figure(series, ("dout",), loss="hinge")["data"] if "W" in d["name"]]


def test_plane_keeps_the_datas_range_arrows_have_heads_and_the_colour_scale_is_fixed_around_zero():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    gx = gy = np.linspace(-3, 3, 8)
    fig = charts.plane_figure(real, fake, grid_x=gx, grid_y=gy, logits=rng.normal(size=(8, 8)) * 5e-4,
                              grad=rng.normal(size=(50, 2)))
    go.Figure(fig)
    lay = fig["layout"]
    assert lay["xaxis"]["range"] == [-3.0, 3.0] and lay["xaxis"]["constrain"] == "domain"   # no -8..8 stretch
    heat = fig["data"][0]
    assert heat["zmin"] == -charts.LOGIT_FLOOR and heat["zmax"] == charts.LOGIT_FLOOR      # ±0.0005 stays pale
    assert "−2 to +2" in heat["colorbar"]["title"]["text"]
    arrows = fig["data"][-1]
    assert arrows["marker"]["symbol"] == "arrow" and list(arrows["marker"]["size"][:3]) == [0, 7, 0]
    strong = charts.plane_figure(real, fake, grid_x=gx, grid_y=gy, logits=np.full((8, 8), -6.0))
    assert strong["data"][0]["zmax"] == 6.0                                   # a sure D keeps its full colour
    empty = charts.plane_figure(None, None)
    assert empty["layout"]["xaxis"]["range"] == empty["layout"]["yaxis"]["range"] == [-3.0, 3.0]


def test_slow_motion_noise_axes_follow_the_noise():
    cfg = TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=256, batch_size=32)
    noise = explain_step(Trainer(cfg, device="cpu"), grid=8)[0]
    fig = charts.stage_figure(noise)
    lim = float(np.abs(noise.arrays["z"][:, :2]).max())
    assert fig["layout"]["xaxis"]["range"][1] < 1.2 * lim and fig["layout"]["xaxis"]["constrain"] == "domain"


def test_augment_accuracy_bars_start_at_zero():
    from ui import shift_charts

    per_seed = [{"seed": s, "real_only_acc": 0.81 + s / 100, "augmented_acc": 0.84, "random_labels_acc": 0.78}
                for s in range(3)]
    fig = shift_charts.augment_results_figure(per_seed, lang="zh")
    assert fig["layout"]["yaxis"]["range"][0] == 0
    assert fig["data"][1]["text"][0] == "种子 0"


def test_the_probes_chance_label_sits_beside_the_plot_not_on_the_curve():
    from ui import inspect_charts as ic

    fig = ic.probe_figure(np.arange(5) * 100, np.array([0.9, 0.7, 0.55, 0.5, 0.5]), current=200, lang="zh")
    note = next(a for a in fig.layout.annotations if a.text == "随机水平")
    assert note.xref == "paper" and note.x >= 1 and note.xanchor == "left" and note.y == 0.5
    assert fig.layout.margin.r >= 70                                          # room for the label


def test_dark_theme_swaps_what_only_reads_on_white():
    """On a dark page D's undecided white becomes the dark background and the dark purple arrows light purple;
    the text and grid turn light on a transparent background. A light page gets the figure unchanged."""
    from ui import figures

    grid = np.linspace(-2, 2, 5)
    fig = charts.plane_figure(np.zeros((4, 2)), np.ones((4, 2)), grid_x=grid, grid_y=grid, logits=np.zeros((5, 5)),
                              grad=np.ones((4, 2)))
    assert figures.themed(fig, dark=False) is fig
    dark = figures.themed(fig, dark=True)
    heat = next(tr for tr in dark["data"] if tr["type"] == "heatmap")
    assert heat["colorscale"][1] == [0.5, figures.DARK_MID] and fig["data"][0]["colorscale"][1] == [0.5, "#ffffff"]
    arrows = next(tr for tr in dark["data"] if tr.get("mode") == "lines+markers")
    assert arrows["line"]["color"] == arrows["marker"]["color"] == "#ce93d8"
    lay = dark["layout"]
    assert lay["paper_bgcolor"] == lay["plot_bgcolor"] == "rgba(0,0,0,0)" and lay["font"]["color"] == figures.DARK_FONT
    assert lay["xaxis"]["gridcolor"] == figures.DARK_GRID and lay["xaxis"]["constrain"] == "domain"
    assert "template" not in lay and fig["layout"]["template"] == "plotly_white"   # the original is untouched
    go.Figure(dark)                                                                # still a valid figure
    from ui import inspect_charts as ic

    probe = figures.themed(ic.probe_figure([0, 10], [0.5, 0.9], current=10), dark=True)   # a plotly Figure
    assert probe["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)" and "template" not in probe["layout"]
