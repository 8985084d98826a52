"""What every Plotly figure of the dashboard shares (no Streamlit; testable alone): the colours of real and
fake data, the common layout, panels stacked on one step axis, lines broken at gaps in the steps.

The chart modules (``charts``, ``inspect_charts``, ``shift_charts``, ``compare_charts``) build on these and not
on each other's helpers.
"""
from __future__ import annotations

import numpy as np

REAL, FAKE, BEFORE = "#1b9e77", "#7b52ab", "#9e9e9e"   # green = real, purple = fake, grey = before


def base_layout(fig: dict, height: int, revision: str) -> dict:
    """The layout every figure shares: its height, margins, legend above, ``uirevision`` (the live chart keeps a
    student's zoom while the data change) and hover on the step."""
    fig["layout"].update(height=height, margin=dict(l=50, r=20, t=36, b=36), uirevision=revision,
                         template="plotly_white", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                         hovermode="x unified")
    return fig


def panel_axes(lay: dict, row: int, k: int, gap: float) -> tuple[str, float]:
    """Axes of panel ``row`` (1-based) of ``k`` panels stacked top-down, sharing the first one's step axis
    (only the bottom panel labels it). Returns the axis suffix ("" for the first) and the panel's top."""
    size = (1 - gap * (k - 1)) / k
    sfx = row if row > 1 else ""
    top = 1 - (row - 1) * (size + gap)
    lay[f"yaxis{sfx}"] = dict(domain=[max(0.0, top - size), min(1.0, top)], anchor=f"x{sfx}")
    lay[f"xaxis{sfx}"] = dict(anchor=f"y{sfx}", **({"matches": "x", "showticklabels": row == k}
                                                 if row > 1 else {"showticklabels": k == 1}))
    return f"{sfx}", top


def broken_line(steps: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite points of ``y``, with a NaN (a break in the line) wherever the step gap is more than five
    times the usual one."""
    keep = np.isfinite(y)
    x, y = steps[keep].astype(np.float64), y[keep]
    if len(x) < 3:
        return x, y
    gaps = np.diff(x)
    cut = np.flatnonzero(gaps > 5 * np.median(gaps)) + 1
    return np.insert(x, cut, np.nan), np.insert(y, cut, np.nan)
