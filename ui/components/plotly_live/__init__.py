"""A Plotly chart that updates in place, so a student's zoom survives live updates.

``st.plotly_chart`` re-creates the chart whenever its data change (checked in the browser: the axis range
resets on every update even with ``layout.uirevision``). This component keeps one iframe per ``key`` (a v1
component's identity is its key, not its arguments) and calls ``Plotly.react`` with each new figure; Plotly
keeps the zoom and pan while ``layout.uirevision`` stays the same. Plotly.js comes from the plotly Python
package, so nothing is fetched from the internet.

A v1 component serves one folder, so index.html and plotly.min.js must lie side by side; the installed package
may be read-only, so both are copied once into a folder of the user's cache (``served_folder``), never into the
package. Inlining the 4.8 MB script into index.html instead would cost every chart on every page load the whole
script again: Streamlit serves a component's .html with ``Cache-Control: no-cache`` and its .js as ``public``,
so the browser downloads and caches plotly.min.js once for all charts.
"""
from __future__ import annotations

import atexit
import base64
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import plotly
import streamlit as st
import streamlit.components.v1 as components

from gan_core.paths import user_cache_dir

from ...browser import dark_theme
from ...figures import themed
from ...i18n import current_lang, texts

FRONTEND = Path(__file__).resolve().parent / "frontend"   # read only: index.html


def served_folder(cache: Path | None = None) -> Path:
    """The folder the component serves: index.html and plotly.min.js in ``<user cache>/components``.

    The folder's name carries a hash of index.html and plotly's version, so an upgrade or an edit makes a new
    one; it is filled under a temporary name and renamed, so a second server never sees half a copy. Where the
    cache cannot be written, a private temporary folder for this process (removed at exit) serves instead.
    """
    html = (FRONTEND / "index.html").read_bytes()
    script = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    tag = hashlib.sha256(html + plotly.__version__.encode()).hexdigest()[:16]
    base = Path(cache) if cache is not None else user_cache_dir() / "components"
    target = base / f"plotly_live-{tag}"
    if (target / "index.html").is_file() and (target / "plotly.min.js").is_file():
        return target
    try:
        base.mkdir(parents=True, exist_ok=True)
        return _fill(Path(tempfile.mkdtemp(dir=base, prefix=".plotly_live-")), html, script, target)
    except OSError:
        folder = _fill(Path(tempfile.mkdtemp(prefix="gan_classroom-plotly_live-")), html, script, None)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return folder


def _fill(folder: Path, html: bytes, script: Path, target: Path | None) -> Path:
    try:
        shutil.copyfile(script, folder / "plotly.min.js")
        (folder / "index.html").write_bytes(html)
        if target is None:
            return folder
        folder.rename(target)
        return target
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        if target is not None and (target / "plotly.min.js").is_file():
            return target   # another server renamed its complete copy first
        raise


_component = components.declare_component("plotly_live", path=str(served_folder()))


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

    The figure follows the page's theme (``ui.figures.themed``): on a dark page it is drawn dark.
    """
    cache = st.session_state.setdefault("_live_chart_specs", {})
    hit = cache.get(key)
    dark = dark_theme()
    token = None if token is None else (token, dark)
    if token is not None and hit is not None and hit[0] == token:
        spec, height = hit[1], hit[2]
    else:
        fig = fig() if callable(fig) else fig
        if not isinstance(fig, dict):
            fig = fig.to_plotly_json()
        fig = themed(fig, dark)
        spec = json.dumps(_typed(fig), allow_nan=False, default=str)
        height = int(fig["layout"].get("height") or 400)
        if token is not None:
            cache[key] = (token, spec, height)
    _component(spec=spec, height=height, config=config or {}, fit=fit, follow_y=follow_y, locale=_locale(), key=key,
               default=None)


def static_chart(fig: Any, **kwargs: Any) -> Any:
    """``st.plotly_chart`` of ``fig`` (its keyword arguments too) in the page's theme, like ``live_chart``: for a
    figure that does not change while the page is shown, or one whose points a student selects."""
    return st.plotly_chart(themed(fig, dark_theme()), **kwargs)


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
