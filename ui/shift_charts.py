"""Plotly figures of the Distribution shift and Augment pages, as plain figure dicts from numpy arrays (no
Streamlit; testable alone). Source-only = blue, DANN = red; source domain solid, target domain dashed."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .figures import base_layout, broken_line, panel_axes
from .i18n import t

SOURCE_ONLY, DANN = "#1f77b4", "#d62728"
DOMAIN = {0: "#1f77b4", 1: "#ff7f0e"}     # source, target
ARMS = {"real_only": "#757575", "augmented": "#2e7d32", "random_labels": "#ef6c00"}


def stacked_figure(series: dict[str, np.ndarray], panels: Sequence[tuple[str, Sequence[tuple], float | None]],
                   *, lang: str = "en", height: int = 0, revision: str = "stacked") -> dict:
    """One panel per ``(title_key, [(metric, name_key, color, dash), ...], reference_y)``, sharing the step axis.

    Metrics missing from ``series`` are skipped. NaNs (a metric logged on some steps only) are bridged, but not
    a stretch without it far longer than its usual spacing (e.g. the GAN losses while classifiers train).
    ``reference_y`` draws a dotted horizontal line (chance level) when not None.
    """
    fig: dict = {"data": [], "layout": {}}
    k, gap = len(panels), 0.1
    steps = np.asarray(series.get("step", []))
    notes, shapes, lay = [], [], fig["layout"]
    for row, (title, traces, ref) in enumerate(panels, start=1):
        sfx, top = panel_axes(lay, row, k, gap)
        for key, name, color, dash in traces:
            if key not in series:
                continue
            x, y = broken_line(steps, np.asarray(series[key], dtype=np.float64))
            fig["data"].append(dict(type="scatter", x=x, y=y, name=t(name, lang), mode="lines",
                                    line=dict(color=color, dash=dash, width=1.8), legendgroup=name,
                                    showlegend=True, xaxis=f"x{sfx}", yaxis=f"y{sfx}"))
        notes.append(dict(text=t(title, lang), x=0.5, xref="paper", y=top, yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=14)))
        if ref is not None:
            shapes.append(dict(type="line", xref=f"x{sfx} domain", yref=f"y{sfx}", x0=0, x1=1, y0=ref, y1=ref,
                               line=dict(color="#9e9e9e", width=1, dash="dot")))
    lay[f"xaxis{k if k > 1 else ''}"]["title"] = dict(text=t("curves.step", lang))
    lay.update(annotations=notes, shapes=shapes)
    fig = base_layout(fig, height or 210 * k + 100, revision)
    # the legend below the plot: above it, a wrapped legend would cover the first panel's title
    fig["layout"].update(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
                         margin=dict(l=50, r=20, t=36, b=110))
    return fig


def shift_curves_figure(series: dict[str, np.ndarray], lang: str = "en", revision: str = "shift") -> dict:
    """Test accuracy of both models on both domains, DANN's domain loss (ln 2 = chance) and the domain AUC."""
    acc = [("so_source_acc", "shift.tr.so_source", SOURCE_ONLY, "solid"),
           ("so_target_acc", "shift.tr.so_target", SOURCE_ONLY, "dash"),
           ("source_acc", "shift.tr.dann_source", DANN, "solid"),
           ("target_acc", "shift.tr.dann_target", DANN, "dash")]
    panels = [("shift.panel.acc", acc, None),
              ("shift.panel.domain_loss", [("domain_loss", "shift.tr.domain_loss", "#6a1b9a", "solid")], math.log(2)),
              ("shift.panel.auc", [("domain_auc", "shift.tr.auc", "#ef6c00", "solid")], 0.5)]
    return stacked_figure(series, panels, lang=lang, revision=revision)


def per_class_figure(source: np.ndarray, target: np.ndarray, class_names: Sequence[str], *, lang: str = "en",
                     height: int = 320, revision: str = "per-class") -> dict:
    """Grouped bars: accuracy per class on the source test set and on the target test set."""
    names = [str(c) for c in class_names]
    fig = {"data": [dict(type="bar", x=names, y=np.nan_to_num(source), name=t("shift.source", lang),
                         marker=dict(color=DOMAIN[0])),
                    dict(type="bar", x=names, y=np.nan_to_num(target), name=t("shift.target", lang),
                         marker=dict(color=DOMAIN[1]))],
           "layout": {"barmode": "group", "yaxis": dict(range=[0, 1.02], tickformat=".0%",
                                                        title=dict(text=t("shift.accuracy", lang))),
                      "xaxis": dict(type="category", title=dict(text=t("shift.class", lang)))}}
    fig = base_layout(fig, height, revision)
    fig["layout"]["hovermode"] = "x"
    return fig


def projection_figure(proj: np.ndarray, domain: np.ndarray, labels: np.ndarray, class_names: Sequence[str], *,
                      lang: str = "en", height: int = 380, revision: str = "proj") -> dict:
    """Features projected to 2-D (PCA), one colour per domain; hovering shows the class."""
    fig: dict = {"data": [], "layout": {"xaxis": dict(title=dict(text="PC 1"), zeroline=False),
                                        "yaxis": dict(title=dict(text="PC 2"), zeroline=False)}}
    names = np.asarray([str(c) for c in class_names])
    for d, key in ((0, "shift.source"), (1, "shift.target")):
        keep = np.asarray(domain) == d
        fig["data"].append(dict(type="scattergl", x=proj[keep, 0], y=proj[keep, 1], mode="markers",
                                name=t(key, lang), text=names[np.asarray(labels)[keep]],
                                hovertemplate=t("shift.class", lang) + " %{text}<extra>" + t(key, lang) + "</extra>",
                                marker=dict(color=DOMAIN[d], size=5, opacity=0.6)))
    fig = base_layout(fig, height, revision)
    fig["layout"]["hovermode"] = "closest"
    return fig


def augment_curves_figure(series: dict[str, np.ndarray], lang: str = "en", revision: str = "augment") -> dict:
    """The conditional GAN's losses, then each classifier's test accuracy while it trains."""
    gan = [("loss_d", "aug.tr.loss_d", "#1f77b4", "solid"), ("loss_g", "aug.tr.loss_g", "#d62728", "solid")]
    acc = [(f"acc_{arm}", f"aug.arm.{arm}", color, "solid") for arm, color in ARMS.items()]
    return stacked_figure(series, [("aug.panel.gan", gan, None), ("aug.panel.acc", acc, None)], lang=lang,
                          revision=revision)


def augment_results_figure(per_seed: Sequence[dict], *, lang: str = "en", height: int = 360,
                           revision: str = "aug-results") -> dict:
    """Test accuracy of each arm: one dot per seed, a bar at the mean with the standard deviation as error bar."""
    fig: dict = {"data": [], "layout": {"yaxis": dict(tickformat=".0%", title=dict(text=t("shift.accuracy", lang))),
                                        "showlegend": False}}
    seed = t("aug.col.seed", lang)
    for arm, color in ARMS.items():
        values = np.array([r[f"{arm}_acc"] for r in per_seed], dtype=np.float64)
        if not len(values):
            continue
        name = t(f"aug.arm.{arm}", lang)
        std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        fig["data"].append(dict(type="bar", x=[name], y=[float(values.mean())], marker=dict(color=color, opacity=0.35),
                                error_y=dict(type="data", array=[std], visible=True, color=color), name=name,
                                hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
        fig["data"].append(dict(type="scatter", x=[name] * len(values), y=values, mode="markers", name=name,
                                marker=dict(color=color, size=10, line=dict(color="white", width=1)),
                                text=[f"{seed} {int(r.get('seed', i))}" for i, r in enumerate(per_seed)],
                                hovertemplate="%{text}: %{y:.1%}<extra></extra>"))
    # from 0: a bar's length is its accuracy (an axis from 25% made a 3-point gap look like a doubling)
    fig["layout"]["yaxis"]["range"] = [0.0, 1.0]
    fig = base_layout(fig, height, revision)
    fig["layout"]["hovermode"] = "closest"
    return fig
