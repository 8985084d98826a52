"""Figures and tables of the Compare page (no Streamlit; testable alone): metrics of several runs overlaid,
one panel per metric and one colour per run, and the table of final figures."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .figures import base_layout, broken_line, panel_axes
from .i18n import t

# quality metrics first (what says whether a GAN is good), then the training signals
METRICS = ("fid", "kid", "class_entropy", "classes_covered", "precision", "recall", "modes_covered", "hq_fraction",
           "js", "kl", "loss_d", "loss_g", "d_real", "d_fake")
LOWER_IS_BETTER = {"fid", "kid", "js", "kl"}
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def available(series_by_run: Sequence[dict[str, np.ndarray]]) -> list[str]:
    """The metrics of ``METRICS`` that at least one run has a finite value of, in that order."""
    def has(s, k):
        return k in s and np.isfinite(np.asarray(s[k], dtype=np.float64)).any()
    return [k for k in METRICS if any(has(s, k) for s in series_by_run)]


def compare_figure(runs: Sequence[tuple[str, dict[str, np.ndarray]]], metrics: Sequence[str], *, lang: str = "en",
                   revision: str = "compare") -> dict:
    """``runs``: ``(label, series)``; one panel per metric sharing the step axis, one colour per run."""
    fig: dict = {"data": [], "layout": {}}
    k, gap = max(1, len(metrics)), 0.08
    lay, notes, listed = fig["layout"], [], set()
    for row, metric in enumerate(metrics, start=1):
        sfx, top = panel_axes(lay, row, k, gap)
        for n, (label, series) in enumerate(runs):
            if metric not in series:
                continue
            x, y = broken_line(np.asarray(series["step"]), np.asarray(series[metric], dtype=np.float64))
            fig["data"].append(dict(type="scatter", x=x, y=y, name=label, mode="lines+markers",
                                    marker=dict(size=4), line=dict(color=COLORS[n % len(COLORS)], width=1.8),
                                    legendgroup=label, showlegend=label not in listed, xaxis=f"x{sfx}",
                                    yaxis=f"y{sfx}",
                                    hovertemplate=f"{label}<br>{metric} %{{y:.4g}}<extra></extra>"))
            listed.add(label)   # its first panel lists it: a run without the first metric still gets its entry
        arrow = " ↓" if metric in LOWER_IS_BETTER else ""
        notes.append(dict(text=t(f"compare.m.{metric}", lang) + arrow, x=0.5, xref="paper", y=top, yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=13)))
    lay[f"xaxis{k if k > 1 else ''}"] = {**lay.get(f"xaxis{k if k > 1 else ''}", {}),
                                        "title": dict(text=t("curves.step", lang))}
    lay["annotations"] = notes
    fig = base_layout(fig, 190 * k + 90, revision)
    fig["layout"]["hovermode"] = "closest"
    return fig


def final_rows(runs: Sequence[tuple[str, dict, dict, dict[str, np.ndarray]]], metrics: Sequence[str],
               lang: str = "en") -> list[dict]:
    """One row per run: what it is (dataset, model, loss), how far it got, and each metric's last finite value
    (and, for metrics where lower is better, the best one). ``runs``: ``(label, config, status, series)``."""
    rows = []
    for label, config, status, series in runs:
        row = {t("compare.col.run", lang): label, t("compare.col.dataset", lang): config.get("dataset", ""),
               t("compare.col.model", lang): f"{config.get('model', '')} · {config.get('loss', '')}",
               t("compare.col.state", lang): t(f"state.{status.get('state', 'unknown')}", lang),
               t("compare.col.steps", lang): int(status.get("step") or 0)}
        for metric in metrics:
            values = np.asarray(series.get(metric, ()), dtype=np.float64)
            finite = values[np.isfinite(values)]
            row[t(f"compare.m.{metric}", lang)] = float(finite[-1]) if len(finite) else None
            if metric in LOWER_IS_BETTER:
                row[t("compare.col.best", lang, m=t(f"compare.m.{metric}", lang))] = \
                    float(finite.min()) if len(finite) else None
        rows.append(row)
    return rows


def nearest_at_or_before(steps: Sequence[int], step: int) -> int | None:
    """The last of ``steps`` (ascending) that is <= ``step``; the first one when all are later; None if empty."""
    if not len(steps):
        return None
    i = int(np.searchsorted(np.asarray(steps), step, side="right")) - 1
    return int(steps[max(i, 0)])
