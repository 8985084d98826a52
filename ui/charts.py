"""Plotly figures (plain ``{"data", "layout"}`` dicts) from numpy arrays: curves with change markers, the 2-D
plane, slow-motion stages. ``go.Figure(fig)`` turns any of them into a validated plotly Figure.

No Streamlit here (tests build every figure without a server). Every figure sets ``layout.uirevision`` to a
constant, so the live chart component (``ui/components/plotly_live``) keeps a student's zoom while data change.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gan_core.config import PROBABILITY_LOSSES, WASSERSTEIN_LOSSES

from .figures import BEFORE, FAKE, REAL, base_layout
from .i18n import t

ALARM = "#c62828"
DASHES = ("dash", "dot", "dashdot", "longdash")   # one line style per overlaid run
LOGIT_FLOOR, CHANGE_FLOOR = 2.0, 1e-3   # the heatmaps' colour scales span at least ±these (logit: 88% sure)
VERDICT = [[0.0, "#c9b8e6"], [0.5, "#ffffff"], [1.0, "#b7e4c7"]]   # purple = fake, green = real
CHANGE = [[0.0, "#b39ddb"], [0.5, "#ffffff"], [1.0, "#81c784"]]
PANELS = {  # panel name -> metric keys drawn in it
    "loss": ("loss_d", "loss_g"), "dout": ("d_real", "d_fake"),
    "grad": ("grad_norm_d", "grad_norm_g"), "lr": ("lr_d", "lr_g"),
}
COLORS = {"loss_d": "#1f77b4", "loss_g": "#d62728", "d_real": REAL, "d_fake": FAKE, "grad_norm_d": "#1f77b4",
          "grad_norm_g": "#d62728", "lr_d": "#1f77b4", "lr_g": "#d62728", "w_estimate": "#424242"}
NAMES = {"loss_d": "loss_D", "loss_g": "loss_G", "d_real": "D(x)", "d_fake": "D(G(z))",
         "grad_norm_d": "|∇D|", "grad_norm_g": "|∇G|", "lr_d": "lr_D", "lr_g": "lr_G"}


def is_score(loss: str) -> bool:
    """True when D's output under ``loss`` is a raw critic score (WGAN, hinge, LSGAN), not a probability."""
    return bool(loss) and loss not in PROBABILITY_LOSSES


def _name(key: str, score: bool, lang: str) -> str:
    if key == "w_estimate":
        return t("curves.w_estimate", lang)
    return t(f"curves.{key}_score", lang) if score and key in ("d_real", "d_fake") else NAMES[key]


def _with_w_estimate(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``data`` with ``w_estimate = d_real - d_fake``: what a Wasserstein critic estimates. Its logged loss adds
    gp_weight times the gradient penalty, so the loss curve alone is not the estimate."""
    if "d_real" not in data or "d_fake" not in data:
        return data
    return {**data, "w_estimate": np.asarray(data["d_real"], np.float64) - np.asarray(data["d_fake"], np.float64)}


def ema(y: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential moving average ``s_t = alpha * s_{t-1} + (1 - alpha) * y_t``; NaNs are skipped, not spread."""
    y = np.asarray(y, dtype=np.float64)
    if alpha <= 0 or y.size == 0:
        return y
    out, s = np.empty_like(y), np.nan
    for i, v in enumerate(y):
        if np.isfinite(v):
            s = v if not np.isfinite(s) else alpha * s + (1 - alpha) * v
        out[i] = s if np.isfinite(v) else np.nan
    return out


def window(series: dict[str, np.ndarray], last: int) -> dict[str, np.ndarray]:
    """Only the rows whose step lies within the last ``last`` steps (0 = all)."""
    steps = series.get("step", np.array([]))
    if not last or steps.size == 0:
        return series
    keep = steps >= steps[-1] - last
    return {k: np.asarray(v)[keep] for k, v in series.items()}


def update_markers(events: Sequence[dict]) -> list[tuple[int, str]]:
    """``(step, label)`` for each hyperparameter change event, e.g. ``(400, "lr_g 0.001→0.005")``."""
    out = []
    for ev in events:
        if ev.get("kind") != "update":
            continue
        parts = [f"{k} {_fmt(v.get('old'))}→{_fmt(v.get('new'))}" for k, v in (ev.get("detail") or {}).items()
                 if isinstance(v, dict)]
        if parts:
            out.append((int(ev.get("step", 0)), ", ".join(parts)))
    return out


def alarm_steps(events: Sequence[dict]) -> list[int]:
    """The steps where the collapse alarm fired (the evaluation's step, else the event's), in order, each once."""
    steps = [int((ev.get("detail") or {}).get("step") or ev.get("step") or 0) for ev in events
             if ev.get("kind") == "collapse"]
    return sorted(set(steps))


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _figure() -> dict:
    return {"data": [], "layout": {}}


def curves_figure(series: dict[str, np.ndarray], panels: Sequence[str] = ("loss", "dout"), *,
                  events: Sequence[dict] = (), others: Sequence[tuple[str, dict]] = (), smooth: float = 0.0,
                  log_y: bool = False, last: int = 0, lang: str = "en", height: int = 0,
                  revision: str = "curves", loss: str = "") -> dict:
    """One subplot per panel (``PANELS`` keys), sharing the step axis; a plain Plotly figure dict.

    Built as a dict, not ``go.Figure``: validating graph objects costs ~0.3 s of the GIL per redraw on a laptop
    CPU, which the training thread needs (see bench/ui_overhead.py).

    Args:
        series: ``{"step": (n,), metric: (n,)}`` as returned by ``session.series`` / ``store.read_metrics``.
        events: session events; "update" ones become labelled vertical lines, "collapse" ones red dashed ones.
        others: ``(label, series)`` of runs to overlay, dashed.
        smooth: EMA factor in [0, 1); log_y: logarithmic y axes; last: window in steps (0 = all).
        loss: the run's loss. A critic score (``is_score``) titles the D panel and lines so, not "D(x)"; a
            Wasserstein critic's panel also draws its W estimate, critic(x) - critic(G(z)).
    """
    score, wasserstein = is_score(loss), loss in WASSERSTEIN_LOSSES
    fig, k = _figure(), len(panels)
    # between two panels: the upper one's step labels and the lower one's title (~50 px whatever the height)
    gap = min(0.2, max(0.05, 50 / max(1, (height or 230 * k + 40) - 72))) if k > 1 else 0.0
    size = (1 - gap * (k - 1)) / k
    runs = [("", series, "solid")] + [(label, s, DASHES[i % len(DASHES)]) for i, (label, s) in enumerate(others)]
    drawn: dict[str, list[np.ndarray]] = {panel: [] for panel in panels}   # the y values of each panel
    negative: set[str] = set()   # panels with values <= 0 that a log axis drew as |y|
    for r, (label, data, dash) in enumerate(runs):
        data = _with_w_estimate(window(data, last)) if wasserstein and not r else window(data, last)  # not others'
        steps = np.asarray(data.get("step", []))
        if r:   # another run: one legend entry (its line style), not one per metric
            fig["data"].append(dict(type="scatter", x=[None], y=[None], mode="lines", name=label, legendgroup=label,
                                    line=dict(color="#616161", dash=dash, width=1.2), hoverinfo="skip",
                                    xaxis="x", yaxis="y"))
        for row, panel in enumerate(panels, start=1):
            for key in PANELS[panel] + (("w_estimate",) if wasserstein and panel == "dout" else ()):
                if key not in data:
                    continue
                name = _name(key, score, lang)
                y = ema(data[key], smooth)
                if log_y and np.any(np.asarray(y)[np.isfinite(y)] <= 0):
                    y, name = np.abs(y), f"|{name}|"   # a log axis drops values <= 0 without a word: draw |y|
                    negative.add(panel)
                drawn[panel].append(np.asarray(y, dtype=np.float64))
                # connectgaps: a row that lacks this metric (an evaluation logged alone) must not cut the line
                fig["data"].append(dict(type="scatter", x=steps, y=y, name=name + (f" · {label}" if label else ""),
                                        mode="lines", connectgaps=True,
                                        line=dict(color=COLORS[key], dash=dash, width=1.6 if not r else 1.2),
                                        legendgroup=label or name, showlegend=not r,
                                        xaxis=f"x{row if row > 1 else ''}", yaxis=f"y{row if row > 1 else ''}"))
    lay, notes = fig["layout"], []
    empty = not any(y.size for ys in drawn.values() for y in ys)   # before the first point: the steps 0..100
    for row, panel in enumerate(panels, start=1):
        top = 1 - (row - 1) * (size + gap)
        sfx = row if row > 1 else ""
        lay[f"yaxis{sfx}"] = dict(domain=[max(0.0, top - size), min(1.0, top)], type="log" if log_y else "linear",
                                  anchor=f"x{sfx}", **_y_range(panel, drawn[panel], log_y, score))
        # every panel labels its steps: on a tall page the bottom panel is often scrolled out of view
        lay[f"xaxis{sfx}"] = dict(anchor=f"y{sfx}", showticklabels=True,
                                  **({"matches": "x"} if row > 1 else {"range": [0, 100]} if empty else {}))
        if not drawn[panel]:   # no line yet: an empty trace, so the panel draws its axes (a frame, not a gap)
            fig["data"].append(dict(type="scatter", x=[], y=[], showlegend=False, hoverinfo="skip",
                                    xaxis=f"x{sfx}", yaxis=f"y{sfx}"))
        title = t("curves.dout_score", lang) if score and panel == "dout" else t(f"curves.{panel}", lang)
        if panel in negative:
            title += " · " + t("curves.abs_note", lang)
        notes.append(dict(text=title, x=0.5, xref="paper", y=top, yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))
    lay[f"xaxis{k if k > 1 else ''}"]["title"] = dict(text=t("curves.step", lang))
    shapes = []
    for step, text in update_markers(events):
        shapes.append(dict(type="line", xref="x", yref="paper", x0=step, x1=step, y0=0, y1=1,
                           line=dict(color="#ff9800", width=1.5, dash="dot")))
        notes.append(dict(x=step, xref="x", y=1.0, yref="paper", text=text, showarrow=False, textangle=-90,
                          xanchor="right", yanchor="top", font=dict(size=10, color="#e65100")))
    for step in alarm_steps(events):   # a bookmark: where the collapse alarm fired (the Train page jumps there)
        shapes.append(dict(type="line", xref="x", yref="paper", x0=step, x1=step, y0=0, y1=1,
                           line=dict(color=ALARM, width=2, dash="dash")))
        notes.append(dict(x=step, xref="x", y=1.0, yref="paper", text=t("curves.alarm_marker", lang, step=step),
                          showarrow=False, textangle=-90, xanchor="left", yanchor="top",
                          font=dict(size=10, color=ALARM)))
    lay.update(shapes=shapes, annotations=notes)
    return base_layout(fig, height or 230 * k + 40, revision)


def _y_range(panel: str, ys: list[np.ndarray], log_y: bool, score: bool) -> dict:
    """Axis settings of a panel's y axis: the learning rates from 0 (a constant 2e-4 autoranged to -0.5..1 and
    read as 0), D's probabilities on 0..1 while empty, the others on a small frame until their first point."""
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.array([])
    if panel == "lr" and not log_y:
        top = float(finite.max()) if finite.size else 1e-3
        return {"range": [0.0, 1.15 * top if top > 0 else 1e-3], "exponentformat": "e", "tickformat": "~g"}
    if finite.size or log_y:
        return {}
    return {"range": [0.0, 1.0] if panel == "dout" and not score else [0.0, 2.0] if panel == "loss" else [0.0, 1.0]}


def _arrows(start: np.ndarray, vec: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (with NaN breaks) from each ``start`` along ``vec`` scaled so the longest is ``length``."""
    norms = np.linalg.norm(vec, axis=1)
    scale = length / norms.max() if norms.size and norms.max() > 0 else 0.0
    end = start + vec * scale
    xs = np.column_stack([start[:, 0], end[:, 0], np.full(len(start), np.nan)]).ravel()
    ys = np.column_stack([start[:, 1], end[:, 1], np.full(len(start), np.nan)]).ravel()
    return xs, ys


def plane_figure(real: np.ndarray | None, fake: np.ndarray | None, *, grid_x: np.ndarray | None = None,
                 grid_y: np.ndarray | None = None, logits: np.ndarray | None = None, grad: np.ndarray | None = None,
                 fake_before: np.ndarray | None = None, heat_title: str = "", diverging: np.ndarray | None = None,
                 lang: str = "en", height: int = 460, revision: str = "plane", max_arrows: int = 256) -> dict:
    """GAN Lab's view: D's verdict as a heatmap, real and fake points on the same axes, G's gradient arrows.

    Shapes: ``real``/``fake`` ``(n, 2)``, ``grid_x`` ``(nx,)``, ``grid_y`` ``(ny,)``, ``logits`` ``(ny, nx)``,
    ``grad`` ``(n, 2)`` on the fakes. ``fake_before`` draws where the fakes were (grey) with a line to now.
    ``diverging`` replaces the logits with another ``(ny, nx)`` field (e.g. the change an update makes).
    """
    fig = _figure()
    add = fig["data"].append
    field = diverging if diverging is not None else logits
    if field is not None and grid_x is not None and grid_y is not None:
        # a colour scale around 0 that only grows: an undecided D (logits of ±0.0005) stays pale, not full colour
        floor = CHANGE_FLOOR if diverging is not None else LOGIT_FLOOR
        lim = max(float(np.nanmax(np.abs(field))) if np.isfinite(field).any() else 0.0, floor)
        title = t("plot.scale", lang, what=heat_title or t("plot.d_logit", lang), lim=f"{lim:.3g}")
        add(dict(type="heatmap", x=grid_x, y=grid_y, z=field, zmin=-lim, zmax=lim, zmid=0,
                 colorscale=CHANGE if diverging is not None else VERDICT, showscale=True,
                 colorbar=dict(title=dict(text=title, side="top"), thickness=10, orientation="h", len=1.0, y=-0.08,
                               yanchor="top"),
                 hoverinfo="skip", name=heat_title or t("plot.d_logit", lang)))
    if real is not None:
        add(dict(type="scatter", x=real[:, 0], y=real[:, 1], mode="markers", name=t("plot.real", lang),
                                   marker=dict(color=REAL, size=5, opacity=0.7)))
    if fake_before is not None and fake is not None:
        span = np.linalg.norm(fake - fake_before, axis=1).max() if len(fake) else 0.0
        xs, ys = _arrows(fake_before, fake - fake_before, span)  # true lengths: old -> new position
        add(dict(type="scatter", x=fake_before[:, 0], y=fake_before[:, 1], mode="markers",
                                   name=t("plot.before", lang), marker=dict(color=BEFORE, size=5, opacity=0.6)))
        add(dict(type="scatter", x=xs, y=ys, mode="lines", showlegend=False, hoverinfo="skip",
                                   line=dict(color=BEFORE, width=1)))
    if fake is not None:
        add(dict(type="scatter", x=fake[:, 0], y=fake[:, 1], mode="markers", name=t("plot.fake", lang),
                                   marker=dict(color=FAKE, size=5, opacity=0.8)))
    if grad is not None and fake is not None and len(fake):
        k = min(len(fake), max_arrows)
        box = _extent(real, fake, grid_x, grid_y)
        xs, ys = _arrows(fake[:k], grad[:k], 0.08 * box)
        # a head at each segment's end (start, end, NaN break per arrow), turned along its segment
        add(dict(type="scatter", x=xs, y=ys, mode="lines+markers", name=t("plot.grad", lang),
                 line=dict(color="#4a148c", width=1),
                 marker=dict(symbol="arrow", angleref="previous", size=np.tile([0.0, 7.0, 0.0], k), color="#4a148c")))
    lay = fig["layout"]
    # both axes keep their range and give up width instead: in a wide frame a "range" x axis stretched the data's
    # -3..3 to -8..8 to keep one unit as long on both axes
    lay["xaxis"], lay["yaxis"] = dict(constrain="domain"), dict(scaleanchor="x", scaleratio=1, constrain="domain")
    if grid_x is not None and grid_y is not None:
        lay["xaxis"]["range"] = [float(grid_x[0]), float(grid_x[-1])]
        lay["yaxis"]["range"] = [float(grid_y[0]), float(grid_y[-1])]
    elif real is None and fake is None:   # nothing yet: a square frame, not a thin strip of crowded ticks
        lay["xaxis"]["range"], lay["yaxis"]["range"] = [-3.0, 3.0], [-3.0, 3.0]
    fig = base_layout(fig, height, revision)
    # the colour bar lies under the plot (not beside it): a narrow column keeps its width for the plane
    fig["layout"].update(hovermode="closest", margin=dict(l=36, r=12, t=30, b=30))
    return fig


def _extent(*arrays: np.ndarray | None) -> float:
    vals = [np.asarray(a, dtype=np.float64).ravel() for a in arrays if a is not None and np.size(a)]
    if not vals:
        return 1.0
    allv = np.concatenate(vals)
    return float(np.ptp(allv[np.isfinite(allv)])) or 1.0


def view_figure(view: Any, lang: str = "en", height: int = 460, revision: str = "plane") -> dict:
    """``plane_figure`` of a ``gan_core.views.View`` of 2-D data."""
    return plane_figure(view.real, view.fake, grid_x=view.grid_x, grid_y=view.grid_y, logits=view.logits,
                        grad=view.grad, lang=lang, height=height, revision=revision)


def stage_figure(stage: Any, lang: str = "en", height: int = 460) -> dict:
    """The 2-D picture of one slow-motion stage (``gan_core.lessons.explain.Stage``)."""
    a = stage.arrays
    if stage.key == "noise":
        z = a["z"]
        zz = z[:, :2] if z.shape[1] >= 2 else np.column_stack([z[:, 0], np.zeros(len(z))])
        lim = float(np.nanmax(np.abs(zz))) * 1.1 if zz.size else 3.0
        box = dict(range=[-lim, lim], constrain="domain")   # the axes follow the noise, not the frame's width
        fig = {"data": [dict(type="scatter", x=zz[:, 0], y=zz[:, 1], mode="markers", name=t("plot.noise", lang),
                             marker=dict(color="#546e7a", size=5))],
               "layout": {"xaxis": dict(box), "yaxis": dict(box, scaleanchor="x", scaleratio=1), "showlegend": True}}
        fig = base_layout(fig, height, f"stage-{stage.key}")
        fig["layout"]["hovermode"] = "closest"
        return fig
    return plane_figure(a.get("real"), a.get("fake"), grid_x=a.get("grid_x"),
                        grid_y=a.get("grid_y"), logits=a.get("logits"), grad=a.get("grad"),
                        fake_before=a.get("fake_before"), diverging=a.get("logit_change"),
                        heat_title=t("plot.change", lang) if "logit_change" in a else "", lang=lang,
                        height=height, revision=f"stage-{stage.key}")


def points_figure(points: np.ndarray, lang: str = "en", height: int = 360) -> dict:
    """A plain scatter of the student's own 2-D points."""
    fig = {"data": [dict(type="scatter", x=points[:, 0], y=points[:, 1], mode="markers", name=t("plot.real", lang),
                         marker=dict(color=REAL, size=4, opacity=0.7))],
           "layout": {"yaxis": dict(scaleanchor="x", scaleratio=1)}}
    return base_layout(fig, height, "points")
