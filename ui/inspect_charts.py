"""Plotly figures of the Discriminator and Latent space pages, from plain arrays (no Streamlit; testable alone).

Colours follow ``ui.figures``: green = real, purple = fake, grey = before.
"""
from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .figures import BEFORE, FAKE, REAL, base_layout
from .i18n import t

PICK = {"a": "#e65100", "b": "#1565c0"}  # the two ends of an interpolation


def _closest(fig: go.Figure, equal: bool = True) -> go.Figure:
    fig.update_layout(hovermode="closest")
    if equal:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def _cloud(fig: go.Figure, xy: np.ndarray, name: str, color: str, opacity: float = 0.55, **kw) -> None:
    fig.add_trace(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", name=name,
                               marker=dict(color=color, size=5, opacity=opacity), **kw))


def _centroid(fig: go.Figure, c: np.ndarray, name: str, color: str, hollow: bool = False,
              showlegend: bool = True) -> None:
    fig.add_trace(go.Scatter(x=[c[0]], y=[c[1]], mode="markers", name=name, hovertemplate=f"{name}<extra></extra>",
                             showlegend=showlegend, legendgroup=name,
                             marker=dict(symbol="circle-open" if hollow else "x-thin", size=12, color=color,
                                         line=dict(width=2, color=color))))


def _arrow(fig: go.Figure, start: np.ndarray, end: np.ndarray, color: str) -> None:
    if np.allclose(start, end):
        return
    fig.add_annotation(x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y", axref="x", ayref="y",
                       showarrow=True, arrowhead=3, arrowsize=1.4, arrowwidth=2.5, arrowcolor=color, text="")


def project(x: np.ndarray, mean: np.ndarray | None, comps: np.ndarray | None) -> np.ndarray:
    """``(n, F)`` -> ``(n, 2)``: the PCA axes when given, else the two raw features."""
    return (np.asarray(x) - mean) @ comps.T if comps is not None else np.asarray(x)[:, :2]


def feature_plane(real: np.ndarray, fake: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(real (n, 2), fake (m, 2), pca)``: the raw plane of a 2-unit layer (1 unit: a zero y), else PCA."""
    from gan_core.lessons.features import pca_2d

    if real.shape[1] > 2:
        pr, pf, _ = pca_2d(real, fake)
        return pr, pf, True
    if real.shape[1] == 1:
        return np.c_[real, np.zeros(len(real))], np.c_[fake, np.zeros(len(fake))], False
    return real, fake, False


def nice_scale(ratio: float) -> int:
    """The largest of 1, 2, 5, 10, 20, 50, ... not above ``ratio`` (1 when ``ratio`` < 1)."""
    best = 1
    for decade in (1, 10, 100, 1000, 10_000):
        for m in (1, 2, 5):
            if m * decade <= ratio:
                best = m * decade
    return best


def feature_figure(real: np.ndarray, fake: np.ndarray, *, pca: bool = False, moves: Sequence = (),
                   arrow_scale: int = 1, ranges: tuple | None = None, lang: str = "en", height: int = 420,
                   revision: str = "features") -> go.Figure:
    """Real and fake points in D's feature plane with their centroids (X).

    Shapes: ``real`` ``(n, 2)``, ``fake`` ``(m, 2)`` (already projected). ``moves``: ``(start, end, color)``
    centroid moves drawn as arrows (``arrow_scale`` times their length, labelled) with a hollow X where the
    centroid was. ``pca`` labels the axes PC 1/2.
    """
    fig = go.Figure()
    _cloud(fig, real, t("plot.real", lang), REAL)
    _cloud(fig, fake, t("plot.fake", lang), FAKE)
    for k, (start, end, color) in enumerate(moves):
        start, end = np.asarray(start), np.asarray(end)
        _centroid(fig, start, t("disc.was", lang), BEFORE, hollow=True, showlegend=k == 0)
        _arrow(fig, start, start + arrow_scale * (end - start), color)
    if moves and arrow_scale > 1:
        fig.add_annotation(xref="paper", yref="paper", x=0.01, y=0.99, showarrow=False, xanchor="left",
                           yanchor="top", text=t("disc.arrows", lang, k=arrow_scale), font=dict(size=12),
                           bgcolor="rgba(255,255,255,0.8)")
    _centroid(fig, real.mean(0), t("disc.c_real", lang), "#0b5e45")
    _centroid(fig, fake.mean(0), t("disc.c_fake", lang), "#4a2a75")
    axis = "disc.pc" if pca else "disc.unit"
    fig.update_xaxes(title_text=t(axis, lang, k=1))
    fig.update_yaxes(title_text=t(axis, lang, k=2))
    if ranges is not None:
        fig.update_xaxes(range=list(ranges[0]))
        fig.update_yaxes(range=list(ranges[1]))
    return _closest(base_layout(fig, height, revision), equal=not pca)


def padded_ranges(*clouds: np.ndarray, pad: float = 0.08) -> tuple[tuple[float, float], tuple[float, float]]:
    """Shared x and y ranges of several ``(n, 2)`` clouds (before and after panels use the same axes)."""
    allp = np.concatenate([np.asarray(c)[:, :2] for c in clouds])
    lo, hi = allp.min(0), allp.max(0)
    span = np.maximum(hi - lo, 1e-6)
    return ((lo[0] - pad * span[0], hi[0] + pad * span[0]), (lo[1] - pad * span[1], hi[1] + pad * span[1]))


def update_figures(effect, lang: str = "en", height: int = 400) -> tuple[go.Figure, go.Figure]:
    """Before and after panels of a ``gan_core.lessons.features.UpdateEffect`` on the same axes, with arrows for the
    centroid moves. Wide features use the PCA of the *before* features for both panels."""
    from gan_core.lessons.features import pca_2d

    mean = comps = None
    if effect.real_before.shape[1] > 2:
        _, _, comps = pca_2d(effect.real_before, effect.fake_before)
        mean = np.concatenate([effect.real_before, effect.fake_before]).mean(0)
    rb, ra, fb, fa = (project(getattr(effect, k), mean, comps)
                      for k in ("real_before", "real_after", "fake_before", "fake_after"))
    ranges = padded_ranges(rb, ra, fb, fa)
    pca = comps is not None
    before = feature_figure(rb, fb, pca=pca, ranges=ranges, lang=lang, height=height, revision="upd-before")
    moves = [(rb.mean(0), ra.mean(0), "#004d40"), (fb.mean(0), fa.mean(0), "#e65100")]  # readable on the clouds
    longest = max(float(np.linalg.norm(e - s)) for s, e, _ in moves)
    span = max(ranges[0][1] - ranges[0][0], ranges[1][1] - ranges[1][0])
    scale = nice_scale(0.15 * span / longest) if longest > 0 else 1  # tiny moves: magnified arrows, labelled
    after = feature_figure(ra, fa, pca=pca, moves=moves, arrow_scale=scale, ranges=ranges, lang=lang,
                           height=height, revision="upd-after")
    return before, after


def probe_figure(steps: np.ndarray, acc: np.ndarray, current: int | None = None, lang: str = "en",
                 height: int = 260) -> go.Figure:
    """Linear-probe accuracy over the run's steps; 0.5 (chance) dashed; the step shown marked."""
    fig = go.Figure(go.Scatter(x=steps, y=acc, mode="lines+markers", name=t("disc.probe", lang),
                               line=dict(color="#1f77b4"), marker=dict(size=4)))
    fig.add_hline(y=0.5, line=dict(color="#9e9e9e", dash="dash"))
    # the label in the right margin, beside its line: inside the plot it sat on the curve, which ends near 0.5
    fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=4, y=0.5, yref="y", showarrow=False,
                       text=t("disc.chance", lang), font=dict(color="#757575", size=12))
    if current is not None:
        fig.add_vline(x=current, line=dict(color=FAKE, dash="dot"))
    fig.update_yaxes(range=[0.4, 1.02], title_text=t("disc.probe", lang))
    fig.update_xaxes(title_text=t("curves.step", lang))
    fig = base_layout(fig, height, "probe")
    fig.update_layout(margin=dict(r=80))
    return fig


def d_output_figure(d_real: np.ndarray, d_fake: np.ndarray, probability: bool = True, lang: str = "en",
                    height: int = 320) -> go.Figure:
    """Overlaid histograms of D(x) on real and on fake samples (probabilities in [0, 1] or critic scores)."""
    lo, hi = (0.0, 1.0) if probability else (float(min(d_real.min(), d_fake.min())),
                                              float(max(d_real.max(), d_fake.max())) + 1e-6)
    bins = dict(start=lo, end=hi, size=(hi - lo) / 40)
    fig = go.Figure()
    for values, name, color in ((d_real, t("plot.real", lang), REAL), (d_fake, t("plot.fake", lang), FAKE)):
        fig.add_trace(go.Histogram(x=values, name=name, xbins=bins, marker_color=color, opacity=0.6))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text="D(x)" if probability else t("disc.score", lang),
                     range=[lo - 0.02, hi + 0.02] if probability else None)
    fig.update_yaxes(title_text=t("disc.count", lang))
    return base_layout(fig, height, "dout")


# ---- latent space ------------------------------------------------------------------------------------------
def sample_grid_figure(png: bytes, n: int, ncol: int, pad: int = 2, picks: dict[str, int] | None = None,
                       lang: str = "en") -> go.Figure:
    """A sample grid image (``views.png_grid`` layout: ``ncol`` wide, square tiles ``pad`` px apart) with one
    invisible, clickable marker per sample (``customdata`` = index) and A/B frames on the picks."""
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    tile = (width - pad) // ncol - pad
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    fig = go.Figure(go.Image(source=src, x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    idx = np.arange(n)
    cx, cy = pad + (idx % ncol) * (tile + pad) + tile / 2, pad + (idx // ncol) * (tile + pad) + tile / 2
    fig.add_trace(go.Scatter(x=cx, y=cy, mode="markers", customdata=idx, name=t("lat.sample", lang),
                             marker=dict(size=max(8, tile // 2), color="rgba(0,0,0,0.01)", symbol="square"),
                             hovertemplate=t("lat.click", lang) + " #%{customdata}<extra></extra>"))
    for key, i in (picks or {}).items():
        x0, y0 = pad + (i % ncol) * (tile + pad) - 1, pad + (i // ncol) * (tile + pad) - 1
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x0 + tile + 2, y1=y0 + tile + 2,
                      line=dict(color=PICK[key], width=3))
        fig.add_annotation(x=x0 + 3, y=y0 + 3, text=key.upper(), showarrow=False, xanchor="left", yanchor="top",
                           font=dict(color="white", size=13), bgcolor=PICK[key])
    fig.update_xaxes(visible=False, range=[0, width])
    fig.update_yaxes(visible=False, range=[height, 0], scaleanchor="x", scaleratio=1)
    fig.update_layout(height=int(60 + 520 * height / width), margin=dict(l=0, r=0, t=4, b=4), showlegend=False,
                      dragmode=False, hovermode="closest", template="plotly_white")
    return fig


def latent_points_figure(real: np.ndarray, fake: np.ndarray, picks: dict[str, int] | None = None,
                         lang: str = "en", height: int = 420) -> go.Figure:
    """2-D data: the generated batch (clickable, ``customdata`` = index) over the real points; A/B marked."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name=t("plot.real", lang),
                             marker=dict(color=REAL, size=4, opacity=0.25), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", customdata=np.arange(len(fake)),
                             name=t("plot.fake", lang), marker=dict(color=FAKE, size=9),
                             hovertemplate=t("lat.click", lang) + " #%{customdata}<extra></extra>"))
    for key, i in (picks or {}).items():
        fig.add_trace(go.Scatter(x=[fake[i, 0]], y=[fake[i, 1]], mode="markers+text", text=[key.upper()],
                                 textposition="top center", name=key.upper(), hoverinfo="skip",
                                 textfont=dict(color=PICK[key], size=14),
                                 marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=PICK[key], width=3))))
    fig = base_layout(fig, height, "latent-points")
    return _closest(fig.update_layout(dragmode=False))


def path_figure(real: np.ndarray, paths: dict[str, np.ndarray], point: np.ndarray | None = None,
                lang: str = "en", height: int = 380, revision: str = "paths") -> go.Figure:
    """2-D data: generated points along latent paths (``{"lerp": (n, 2), "slerp": (n, 2)}``) over the data;
    ``point`` ``(2,)`` marks one sample (the slider point)."""
    fig = go.Figure(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name=t("plot.real", lang),
                                 marker=dict(color=REAL, size=4, opacity=0.25), hoverinfo="skip"))
    for (name, path), color in zip(paths.items(), ("#ff7f0e", FAKE), strict=False):
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name=t(f"lat.{name}", lang),
                                 line=dict(color=color, width=2), marker=dict(size=6)))
    if point is not None:
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=t("lat.this", lang),
                                 marker=dict(color=PICK["a"], size=14, symbol="star")))
    return _closest(base_layout(fig, height, revision))


def mesh_figure(real: np.ndarray, z: np.ndarray, x: np.ndarray, lang: str = "en", height: int = 460) -> go.Figure:
    """G's image of a latent grid over the data plane: ``x`` ``(n, 2)`` (1-D latent: a curve coloured by z) or
    ``(n, n, 2)`` (2-D latent: the images of the grid's rows and columns, a warped mesh)."""
    fig = go.Figure(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name=t("plot.real", lang),
                                 marker=dict(color=REAL, size=4, opacity=0.3), hoverinfo="skip"))
    if x.ndim == 2:
        fig.add_trace(go.Scatter(x=x[:, 0], y=x[:, 1], mode="lines+markers", name="G(z)", line=dict(color=FAKE),
                                 marker=dict(color=z[:, 0], colorscale="Viridis", size=7,
                                             colorbar=dict(title="z", thickness=10))))
    else:
        for lines, name, color in ((x, t("lat.rows", lang), "rgba(123,82,171,0.8)"),
                                   (x.transpose(1, 0, 2), t("lat.cols", lang), "rgba(255,127,14,0.6)")):
            xs = np.concatenate([np.r_[ln[:, 0], np.nan] for ln in lines])
            ys = np.concatenate([np.r_[ln[:, 1], np.nan] for ln in lines])
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line=dict(color=color, width=1.2),
                                     hoverinfo="skip"))
    return _closest(base_layout(fig, height, "mesh"))
