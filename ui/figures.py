"""What every Plotly figure of the dashboard shares (no Streamlit; testable alone): the colours of real and
fake data, the common layout, panels stacked on one step axis, lines broken at gaps in the steps.

The chart modules (``charts``, ``inspect_charts``, ``shift_charts``, ``compare_charts``) build on these and not
on each other's helpers.
"""
from __future__ import annotations

from typing import Any

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


DARK_MID = "#1b1a18"   # an undecided D on a dark page: about the page's own background
DARK_FONT, DARK_GRID, DARK_ZERO = "#e6e6e6", "#3a3935", "#5a5852"
DARK_SWAPS = {   # colours that only read on white -> the same role on a dark page (the others read on both)
    "#ffffff": DARK_MID,                           # the middle of D's verdict and of the change scale
    "#c9b8e6": "#4b3d66", "#b7e4c7": "#2a5a41",    # its ends (fake, real): deep, so the points stand out
    "#b39ddb": "#4b3d66", "#81c784": "#2a5a41",    # the change scale's ends
    "#7b52ab": "#b794e6", "#1b9e77": "#3fd2a4",    # fake and real points and lines, lighter
    "rgba(255,255,255,0.8)": "rgba(27,26,24,0.8)",  # a label's box
    "#4a148c": "#ce93d8",                          # G's gradient arrows
    "#6a1b9a": "#ce93d8",                          # DANN's domain loss
    "#0b5e45": "#69d6a8", "#4a2a75": "#c3a6f0",    # the class centroids
    "#004d40": "#4db6ac",                          # the real points' move
    "#616161": "#bdbdbd", "#546e7a": "#90a4ae",    # other runs' legend line, the noise
    "#757575": "#a8a8a8",
}


def themed(fig: Any, dark: bool) -> Any:
    """``fig`` for the page's theme: unchanged on a light page; on a dark one a copy on a transparent background
    (the page's own shows through) with light text and grid, and the few colours that only read on white
    swapped (``DARK_SWAPS``: D's undecided white becomes the dark background, dark purple arrows light purple).
    Takes a figure dict or a plotly Figure; a dark one comes back as a dict."""
    if not dark:
        return fig
    if not isinstance(fig, dict):
        fig = fig.to_plotly_json()
    out = _swap(fig)
    lay = out.setdefault("layout", {})
    lay.pop("template", None)   # plotly_white's white background and grid
    lay.update(paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
               font={**(lay.get("font") or {}), "color": DARK_FONT})
    axes = [k for k in lay if k.startswith(("xaxis", "yaxis"))] or ["xaxis", "yaxis"]
    for name in {*axes, "xaxis", "yaxis"}:
        lay[name] = {"gridcolor": DARK_GRID, "zerolinecolor": DARK_ZERO, "linecolor": DARK_ZERO,
                     **(lay.get(name) or {})}
    lay["legend"] = {"bgcolor": "rgba(0,0,0,0)", **(lay.get("legend") or {})}
    lay["hoverlabel"] = {"bgcolor": "#2b2a27", "font": {"color": DARK_FONT}, **(lay.get("hoverlabel") or {})}
    return out


def _swap(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _swap(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_swap(v) for v in obj]
    if isinstance(obj, str):
        return DARK_SWAPS.get(obj.lower(), obj)
    return obj
