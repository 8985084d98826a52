"""A Plotly chart that updates in place, so a student's zoom survives live updates.

``st.plotly_chart`` re-creates the chart whenever its data change (checked in the browser: the axis range
resets on every update even with ``layout.uirevision``). This component keeps one iframe per ``key`` (a v1
component's identity is its key, not its arguments) and calls ``Plotly.react`` with each new figure; Plotly
keeps the zoom and pan while ``layout.uirevision`` stays the same. Plotly.js comes from the plotly Python
package (copied next to index.html on first use, gitignored), so nothing is fetched from the internet.
"""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import plotly
import streamlit as st
import streamlit.components.v1 as components

from ...i18n import current_lang, texts

FRONTEND = Path(__file__).resolve().parent / "frontend"


def _ensure_plotly_js() -> None:
    source = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    target = FRONTEND / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)


_ensure_plotly_js()
_component = components.declare_component("plotly_live", path=str(FRONTEND))


def live_chart(fig: Any, key: str, config: dict | None = None, *, fit: str | None = None,
               token: Any = None, follow_y: bool = False) -> None:
    """Draw ``fig`` in the in-place chart named ``key``; later calls with the same key update it.

    Args:
        fig: a figure dict, a plotly Figure, or a function returning one (called only when needed, see token).
        fit: "square": the chart's height follows its width so x and y units are equally long (2-D planes).
        follow_y: while the student zooms into a stretch of steps, each y axis spans the data in that stretch.
        token: any hashable naming the figure's content (e.g. the snapshot's step): while it stays the same, the
            figure is neither rebuilt nor re-encoded (the live panels redraw every second; a 2-D view changes
            only every ``snapshot_every`` steps).
    """
    cache = st.session_state.setdefault("_live_chart_specs", {})
    hit = cache.get(key)
    if token is not None and hit is not None and hit[0] == token:
        spec, height = hit[1], hit[2]
    else:
        fig = fig() if callable(fig) else fig
        if not isinstance(fig, dict):
            fig = fig.to_plotly_json()
        spec = json.dumps(_typed(fig), allow_nan=False, default=str)
        height = int(fig["layout"].get("height") or 400)
        if token is not None:
            cache[key] = (token, spec, height)
    _component(spec=spec, height=height, config=config or {}, fit=fit, follow_y=follow_y, locale=_locale(), key=key,
               default=None)


def zoom_of(key: str, revision: str) -> tuple[float, float] | None:
    """The steps range the student zoomed the chart ``key`` into, while it shows ``revision``; else None."""
    value = st.session_state.get(key)
    if isinstance(value, dict) and value.get("rev") == revision and value.get("range"):
        lo, hi = value["range"]
        return float(lo), float(hi)
    return None


def _locale() -> dict | None:
    """Plotly's own texts (modebar tooltips, "Double-click to zoom back out") in the page's language."""
    lang = current_lang()
    if lang == "en":
        return None
    return {"name": f"gan-{lang}", "dictionary": texts("plotly:", lang)}


def _typed(obj: Any) -> Any:
    """Numpy arrays -> Plotly.js typed-array specs (base64, float32): ~5x smaller and faster than JSON lists."""
    if isinstance(obj, np.ndarray):
        arr = obj.astype(np.float32) if obj.dtype.kind == "f" else obj
        if arr.dtype.kind in "iu":
            arr = arr.astype(np.int32)
        if arr.dtype.kind not in "fi":
            return arr.tolist()
        spec = {"dtype": "f4" if arr.dtype.kind == "f" else "i4",
                "bdata": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")}
        if arr.ndim > 1:
            spec["shape"] = ",".join(str(d) for d in arr.shape)
        return spec
    if isinstance(obj, dict):
        return {k: _typed(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_typed(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
