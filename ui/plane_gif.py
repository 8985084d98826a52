"""The 2-D plane over time as an animated GIF, drawn with Pillow (plotly's image export needs kaleido and a
browser): D's verdict as the background, real and generated points, the generator's gradient as arrows with real
heads, the step in a corner. Every frame has the same axes and the same colour scale, so the frames compare.

No Streamlit here: ``plane_gif(views)`` takes the ``gan_core.views.View``s of a run's history (``session.view_at``).
"""
from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .charts import LOGIT_FLOOR, VERDICT
from .i18n import t

PLOT = 400              # the plot's side in pixels (the frame adds margins for the ticks)
LEFT, TOP, RIGHT, BOTTOM = 44, 30, 12, 30
ARROW = 0.08            # the longest gradient arrow of a frame, as a fraction of the axes' span (as on the page)
HEAD = 7.0              # arrowhead length in pixels
MAX_FRAMES = 80         # ~60 ms a frame on a laptop CPU
REAL_RGB, FAKE_RGB, ARROW_RGB = (27, 158, 119), (123, 82, 171), (74, 20, 140)
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/System/Library/Fonts/PingFang.ttc", "C:/Windows/Fonts/msyh.ttc")


def axes_of(views: Sequence[Any]) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` shared by every frame: the union of the views' grids (else of their points)."""
    xs, ys = [], []
    for v in views:
        if v.grid_x is not None and v.grid_y is not None and len(v.grid_x) and len(v.grid_y):
            xs += [float(v.grid_x[0]), float(v.grid_x[-1])]
            ys += [float(v.grid_y[0]), float(v.grid_y[-1])]
        else:
            for pts in (v.real, v.fake):
                if pts is not None and len(pts):
                    xs += [float(np.nanmin(pts[:, 0])), float(np.nanmax(pts[:, 0]))]
                    ys += [float(np.nanmin(pts[:, 1])), float(np.nanmax(pts[:, 1]))]
    if not xs:
        return -3.0, 3.0, -3.0, 3.0
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return x0, x1 if x1 > x0 else x0 + 1.0, y0, y1 if y1 > y0 else y0 + 1.0


def logit_limit(views: Sequence[Any]) -> float:
    """The colour scale's ±limit for every frame: the largest |logit| of the run's history, at least LOGIT_FLOOR."""
    peaks = [float(np.nanmax(np.abs(v.logits))) for v in views if v.logits is not None and np.isfinite(v.logits).any()]
    return max([LOGIT_FLOOR, *peaks])


def arrow_head(x0: float, y0: float, x1: float, y1: float, length: float = HEAD) -> list[tuple[float, float]]:
    """The triangle ``[tip, left, right]`` (pixels) of an arrow from ``(x0, y0)`` to its tip ``(x1, y1)``."""
    dx, dy = x1 - x0, y1 - y0
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = x1 - length * ux, y1 - length * uy          # the head's base, on the shaft
    half = 0.5 * length
    return [(x1, y1), (bx - half * uy, by + half * ux), (bx + half * uy, by - half * ux)]


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values (1, 2 or 5 times a power of ten apart) within ``[lo, hi]``."""
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [round(start + i * step, 10) for i in range(int((hi - start) / step + 1e-9) + 1)]


@functools.cache
def _font(size: int, cjk: bool):
    from PIL import ImageFont

    for path in CJK_FONTS if cjk else ():
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):   # a Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _background(view: Any, box: tuple[float, float, float, float], lim: float) -> np.ndarray:
    """The plot area ``(PLOT, PLOT, 3)`` uint8: D's logit at each pixel (nearest grid point), white off the grid."""
    out = np.full((PLOT, PLOT, 3), 255, np.uint8)
    if view.logits is None or view.grid_x is None or view.grid_y is None:
        return out
    xmin, xmax, ymin, ymax = box
    px = xmin + (np.arange(PLOT) + 0.5) / PLOT * (xmax - xmin)
    py = ymax - (np.arange(PLOT) + 0.5) / PLOT * (ymax - ymin)      # row 0 is the top
    gx, gy = np.asarray(view.grid_x, np.float64), np.asarray(view.grid_y, np.float64)
    ix = np.clip(np.rint(np.interp(px, gx, np.arange(len(gx)))).astype(int), 0, len(gx) - 1)
    iy = np.clip(np.rint(np.interp(py, gy, np.arange(len(gy)))).astype(int), 0, len(gy) - 1)
    inside = ((px >= gx[0]) & (px <= gx[-1]))[None, :] & ((py >= gy[0]) & (py <= gy[-1]))[:, None]
    z = np.clip(np.nan_to_num(np.asarray(view.logits, np.float64)[iy[:, None], ix[None, :]]) / lim, -1, 1)
    colours = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in VERDICT], np.float64)  # fake, 0, real
    low = colours[1] + (colours[0] - colours[1]) * (-z)[..., None]
    high = colours[1] + (colours[2] - colours[1]) * z[..., None]
    rgb = np.where((z < 0)[..., None], low, high)
    out[inside] = np.rint(rgb[inside]).astype(np.uint8)
    return out


def _draw_arrows(draw: Any, view: Any, px: Any, span: float) -> None:
    """G's gradient at up to 256 fakes, as arrows with filled heads; the longest is ``ARROW`` of the axes' span."""
    if view.grad is None or view.fake is None or not len(view.fake):
        return
    fake, grad = np.asarray(view.fake, np.float64), np.asarray(view.grad, np.float64)[: len(view.fake)]
    norms = np.linalg.norm(grad, axis=1)
    top = float(np.nanmax(norms)) if np.isfinite(norms).any() else 0.0
    if top <= 0:
        return
    start = px(fake[:256])
    end = px(fake[:256] + grad[:256] * (ARROW * span / top))
    for (x0, y0), (x1, y1) in zip(start, end, strict=True):
        if not (LEFT <= x0 <= LEFT + PLOT and TOP <= y0 <= TOP + PLOT) or math.hypot(x1 - x0, y1 - y0) < 2:
            continue
        draw.line((x0, y0, x1, y1), fill=ARROW_RGB, width=1)
        draw.polygon(arrow_head(x0, y0, x1, y1), fill=ARROW_RGB)


def frame(view: Any, box: tuple[float, float, float, float], lim: float, lang: str = "en"):
    """One frame (a PIL RGB image) of ``view`` on the fixed axes ``box`` and colour limit ``lim``."""
    from PIL import Image, ImageDraw

    xmin, xmax, ymin, ymax = box
    img = Image.new("RGB", (LEFT + PLOT + RIGHT, TOP + PLOT + BOTTOM), "white")
    img.paste(Image.fromarray(_background(view, box, lim)), (LEFT, TOP))
    draw = ImageDraw.Draw(img)

    def px(p: np.ndarray) -> np.ndarray:   # (n, 2) data -> (n, 2) pixels
        return np.column_stack([LEFT + (p[:, 0] - xmin) / (xmax - xmin) * PLOT,
                                TOP + (ymax - p[:, 1]) / (ymax - ymin) * PLOT])

    def inside(q: np.ndarray) -> np.ndarray:
        return (q[:, 0] >= LEFT) & (q[:, 0] <= LEFT + PLOT) & (q[:, 1] >= TOP) & (q[:, 1] <= TOP + PLOT)

    for pts, colour in ((view.real, REAL_RGB), (view.fake, FAKE_RGB)):
        if pts is None or not len(pts):
            continue
        q = px(np.asarray(pts, np.float64))
        for x, y in q[inside(q)]:
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
    _draw_arrows(draw, view, px, max(xmax - xmin, ymax - ymin))
    small, big = _font(11, lang == "zh"), _font(14, lang == "zh")
    draw.rectangle((LEFT, TOP, LEFT + PLOT, TOP + PLOT), outline=(120, 120, 120))
    for v in nice_ticks(xmin, xmax):
        x = LEFT + (v - xmin) / (xmax - xmin) * PLOT
        draw.line((x, TOP + PLOT, x, TOP + PLOT + 4), fill=(80, 80, 80))
        draw.text((x, TOP + PLOT + 6), f"{v:g}", fill=(60, 60, 60), font=small, anchor="mt")
    for v in nice_ticks(ymin, ymax):
        y = TOP + (ymax - v) / (ymax - ymin) * PLOT
        draw.line((LEFT - 4, y, LEFT, y), fill=(80, 80, 80))
        draw.text((LEFT - 6, y), f"{v:g}", fill=(60, 60, 60), font=small, anchor="rm")
    draw.text((LEFT, TOP / 2), t("train.at_step", lang, n=int(view.step)), fill=(30, 30, 30), font=big, anchor="lm")
    x = LEFT + PLOT
    for label, colour in ((t("plot.fake", lang), FAKE_RGB), (t("plot.real", lang), REAL_RGB)):
        width = draw.textlength(label, font=small)
        draw.text((x, TOP / 2), label, fill=(60, 60, 60), font=small, anchor="rm")
        x -= width + 10
        draw.ellipse((x - 3, TOP / 2 - 3, x + 3, TOP / 2 + 3), fill=colour)
        x -= 14
    return img


def plane_gif(views: Sequence[Any], lang: str = "en", duration_ms: int = 200) -> bytes:
    """An animated GIF (looping, the last frame held a second) of the 2-D ``views`` in order.

    Raises ValueError when none of them is a 2-D plane."""
    from PIL import Image

    views = [v for v in views if v is not None and v.kind == "points"]
    if not views:
        raise ValueError("plane_gif needs views of a 2-D run (kind 'points')")
    if len(views) > MAX_FRAMES:   # evenly thinned, the first and the newest kept: a few seconds to draw at most
        views = [views[i] for i in np.unique(np.linspace(0, len(views) - 1, MAX_FRAMES).round().astype(int))]
    box, lim = axes_of(views), logit_limit(views)
    # one shared palette (the last frame's: the fullest colours) keeps the background still from frame to frame
    frames = [frame(v, box, lim, lang) for v in views]
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    quantised = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [duration_ms] * (len(quantised) - 1) + [max(1000, duration_ms)]
    buf = io.BytesIO()
    quantised[0].save(buf, format="GIF", save_all=True, append_images=quantised[1:], duration=durations, loop=0,
                      disposal=1)
    return buf.getvalue()
