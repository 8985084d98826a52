"""A small drawing canvas (Streamlit components v2): drag the mouse to spray 2-D points.

streamlit-drawable-canvas (last release 2022) is built on the v1 component API and a React bundle that is not
maintained; this component needs neither: plain JavaScript registered with ``st.components.v2.component``.
The points come back to Python in the canvas's own coordinates, ``x, y`` in ``[-LIMIT, LIMIT]``.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from ...browser import dark_theme

LIMIT = 4.0

_JS = """
export default function (component) {
  const { parentElement, setStateValue, data } = component;
  const limit = (data && data.limit) || 4;
  const clearLabel = (data && data.clear) || "Clear";
  const pal = (data && data.palette) || {};
  let root = parentElement.querySelector(".gc-canvas");
  if (!root) {
    root = document.createElement("div");
    root.className = "gc-canvas";
    root.innerHTML = '<canvas width="480" height="480"></canvas><div class="bar"><button type="button"></button>' +
                     '<span class="count"></span></div>';
    parentElement.appendChild(root);
    root.points = ((data && data.points) || []).slice();   // what this browser drew before it left the page
  }
  const canvas = root.querySelector("canvas");
  const button = root.querySelector("button");
  const count = root.querySelector(".count");
  button.textContent = clearLabel;
  root.style.setProperty("--gc-accent", pal.accent || "#7b52ab");
  canvas.style.borderColor = pal.border; button.style.borderColor = pal.border;
  button.style.background = pal.button; button.style.color = pal.text; count.style.color = pal.text;
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const toPx = (x, y) => [(x + limit) / (2 * limit) * W, (limit - y) / (2 * limit) * H];
  const fromPx = (px, py) => [px / W * 2 * limit - limit, limit - py / H * 2 * limit];
  function gauss() { return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()); }
  function draw() {
    ctx.fillStyle = pal.background; ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = pal.grid; ctx.lineWidth = 1;
    for (let v = -limit; v <= limit; v += 1) {
      const [gx] = toPx(v, 0), [, gy] = toPx(0, v);
      ctx.beginPath(); ctx.moveTo(gx, 0); ctx.lineTo(gx, H); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, gy); ctx.lineTo(W, gy); ctx.stroke();
    }
    ctx.strokeStyle = pal.axes;
    const [ox, oy] = toPx(0, 0);
    ctx.beginPath(); ctx.moveTo(ox, 0); ctx.lineTo(ox, H); ctx.moveTo(0, oy); ctx.lineTo(W, oy); ctx.stroke();
    ctx.fillStyle = pal.points;
    for (const [x, y] of root.points) { const [px, py] = toPx(x, y); ctx.fillRect(px - 1.5, py - 1.5, 3, 3); }
    count.textContent = " " + root.points.length;
  }
  function spray(ev) {
    const r = canvas.getBoundingClientRect();
    const px = (ev.clientX - r.left) * W / r.width, py = (ev.clientY - r.top) * H / r.height;
    const [x, y] = fromPx(px, py);
    for (let i = 0; i < 4; i++) {
      const p = [x + 0.08 * gauss(), y + 0.08 * gauss()];
      if (Math.abs(p[0]) <= limit && Math.abs(p[1]) <= limit && root.points.length < 5000) root.points.push(p);
    }
    draw();
  }
  if (!root.wired) {
    root.wired = true;
    let down = false;
    canvas.addEventListener("pointerdown", (ev) => { down = true; canvas.setPointerCapture(ev.pointerId); spray(ev); });
    canvas.addEventListener("pointermove", (ev) => { if (down) spray(ev); });
    const finish = () => { if (down) { down = false; root.send(root.points.slice()); } };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointerleave", finish);
    button.addEventListener("click", () => { root.points = []; draw(); root.send([]); });
  }
  root.send = (pts) => setStateValue("points", pts);
  draw();
}
"""

_CSS = """
.gc-canvas canvas { width: 100%; max-width: 480px; aspect-ratio: 1; border: 1px solid; border-radius: 6px;
                    touch-action: none; cursor: crosshair; display: block; }
.gc-canvas .bar { margin-top: 8px; display: flex; align-items: center; gap: 10px;
                  font-family: "Source Sans Pro", "Source Sans 3", sans-serif; font-size: 14px; }
.gc-canvas button { font: inherit; font-size: 14px; line-height: 1.6; min-height: 40px; padding: 4px 12px;
                    border-radius: 8px; border: 1px solid; cursor: pointer; transition: border-color .15s, color .15s; }
.gc-canvas button:hover, .gc-canvas button:focus-visible { border-color: var(--gc-accent) !important;
                    color: var(--gc-accent) !important; outline: none; }
.gc-canvas .count { opacity: 0.7; }
"""

PALETTES = {   # the canvas in the page's theme (``browser.dark_theme``); the points are the real data's green
    "light": {"background": "#ffffff", "grid": "#e0e0e0", "axes": "#9e9e9e", "points": "#1b9e77",
              "border": "#bdbdbd", "button": "#fafafa", "text": "#31333f"},
    "dark": {"background": "#1b1a18", "grid": "#33322e", "axes": "#6e6c66", "points": "#3fd2a4",
             "border": "#4a4843", "button": "#262624", "text": "#e6e6e6"},
}

_canvas = st.components.v2.component("gan_classroom.point_canvas", js=_JS, css=_CSS)


MAX_POINTS = 5000   # the canvas stops spraying here


def _kept(points) -> list[list[float]]:
    """The drawing as the browser sent it, checked: at most MAX_POINTS finite pairs inside the canvas."""
    try:
        arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)[:MAX_POINTS]
    except (TypeError, ValueError):
        return []
    arr = arr[np.isfinite(arr).all(1) & (np.abs(arr) <= LIMIT).all(1)]
    return arr.tolist()


def point_canvas(key: str, clear_label: str = "Clear") -> np.ndarray:
    """Mount the canvas (in the page's theme: ``PALETTES``); return the points drawn so far as ``(n, 2)`` float32
    (empty ``(0, 2)`` at first). The drawing is kept in this browser's session (``<key>_kept``), so it is still
    there when the student comes back from another page (Streamlit forgets a widget's state when its page is
    left)."""
    palette = {**PALETTES["dark" if dark_theme() else "light"], "accent": st.get_option("theme.primaryColor")}
    kept = st.session_state.get(f"{key}_kept", [])
    result = _canvas(key=key, data={"limit": LIMIT, "clear": clear_label, "palette": palette, "points": kept},
                     default={"points": kept}, on_points_change=lambda: None)
    points = _kept(getattr(result, "points", None) or [])
    st.session_state[f"{key}_kept"] = points
    return np.asarray(points, dtype=np.float32).reshape(-1, 2)
