"""A student's own 2-D points (drawn or uploaded): validation, and saving as a CSV inside the runs folder.

Saved files go to this browser's own uploads folder, ``uploads_dir(root, browser)/<id>.csv`` (``list_runs`` skips
folders without config.json), and a run reads them with ``dataset="points", data_root=<that file>``.
"""
from __future__ import annotations

import io
import logging
import uuid
from pathlib import Path

import numpy as np

from gan_core.data.builtin import load_dataset
from gan_core.paths import uploads_dir

from .i18n import code, plain, t

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 2**20   # upload size limit
MAX_POINTS = 100_000
MIN_POINTS = 16


class PointsError(ValueError):
    """What is wrong with a student's points, as an i18n key and its values: ``str()`` gives the English text
    (tests, logs), ``.text()`` the page's language."""

    def __init__(self, key: str, **values: object):
        self.key, self.values = key, values
        super().__init__(t(key, "en", **values))

    def text(self) -> str:
        return t(self.key, **self.values)


def parse_points(raw: bytes) -> np.ndarray:
    """CSV bytes -> ``(n, 2)`` float32. Raises ``PointsError`` (a ValueError) naming what is wrong."""
    if len(raw) > MAX_BYTES:
        raise PointsError("own.err.size", mb=len(raw) / 2**20, limit=MAX_BYTES // 2**20)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PointsError("own.err.encoding") from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise PointsError("own.err.empty")
    sep = next((s for s in (",", ";", "\t") if s in lines[0]), None)
    rows = []
    for i, line in enumerate(lines):
        cells = [c.strip().strip('"') for c in (line.split(sep) if sep else line.split())]
        if len(cells) != 2:
            raise PointsError("own.err.columns", row=i + 1, n=len(cells), line=code(line[:40]))
        try:
            rows.append((float(cells[0]), float(cells[1])))
        except ValueError:
            if i == 0:
                continue  # a header row
            raise PointsError("own.err.number", row=i + 1, line=code(line[:40])) from None
    return check_points(np.asarray(rows, dtype=np.float64).reshape(-1, 2))


def check_points(points: np.ndarray) -> np.ndarray:
    """``(n, 2)`` finite points, ``MIN_POINTS <= n <= MAX_POINTS``, as float32; ``PointsError`` otherwise."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise PointsError("own.err.shape", shape=pts.shape)
    if not np.isfinite(pts).all():
        raise PointsError("own.err.finite")
    if not MIN_POINTS <= len(pts) <= MAX_POINTS:
        raise PointsError("own.err.count", n=len(pts), lo=MIN_POINTS, hi=MAX_POINTS)
    return pts.astype(np.float32)


def save_points(points: np.ndarray, root: Path | None = None, browser: str | None = None) -> Path:
    """Write the points as ``x,y`` CSV to ``browser``'s uploads folder as ``<id>.csv``; check the engine reads it
    back."""
    pts = check_points(points)
    folder = uploads_dir(root, browser)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex[:10]}.csv"
    buf = io.StringIO()
    np.savetxt(buf, pts, delimiter=",", header="x,y", comments="", fmt="%.6f")
    path.write_text(buf.getvalue(), encoding="utf-8")
    load_dataset("points", str(path))
    return path


def train_on(dataset: str, path: Path, saved: str) -> None:
    """Start a run on the saved data with this dataset's defaults (the form's step/time budget kept), then open
    the Train page with ``saved`` and the run's id as its message."""
    import streamlit as st

    from gan_core.config import TrainConfig

    from . import browser, controls

    budget = {k: controls.form().get(k, 0) for k in ("max_steps", "max_seconds")}
    config = TrainConfig.for_dataset(dataset, data_root=str(path), **budget)
    controls.load_form(config.to_dict())
    try:
        sess = browser.start_run(config)
    except ValueError as exc:   # this browser's cap on unfinished runs, a full disk
        st.error(t("err.generic", msg=code(exc)))
        return
    st.session_state["flash"] = ("success", saved + " " + t("train.started", run=sess.run_id))
    st.switch_page("pages/train.py")


NOTE = "own_decode_note"   # the outcome of this browser's last upload that trained nothing: (kind, text)


def decode_panel(job) -> None:
    """An upload being decoded (``upload_jobs.DecodeJob``): its progress and Cancel while it runs; then the
    run it trains, or why it was refused, or that it was cancelled."""
    import streamlit as st

    from gan_core.data.user import Cancelled

    from . import browser, upload_jobs

    if not job.future.done():
        if job.waiting:
            st.progress(0.0, text=t("own.decode_waiting", name=job.names))
        elif job.total and job.done:
            st.progress(job.done / job.total, text=t("own.decode_progress", done=job.done, total=job.total))
        else:
            st.progress(0.0, text=t("own.decode_reading", name=job.names))
        st.button(t("own.decode_cancel"), key="btn_decode_cancel", on_click=job.cancel.set)
        return
    upload_jobs.take(browser.browser_id(), job)
    try:
        path, data = job.future.result()
    except Exception as exc:   # whatever ended it, the page says so in one line
        if isinstance(exc, Cancelled):
            note = ("info", t("own.decode_cancelled", name=job.names))
        elif isinstance(exc, ValueError):
            note = ("error", t("own.bad_file", msg=code(exc)))
        else:   # a full disk, or a bug: what, never where
            log.warning("upload %s could not be stored: %s", job.names, exc, exc_info=not isinstance(exc, OSError))
            note = ("error", t("own.bad_file", msg=code(f"the upload could not be stored "
                                                        f"({getattr(exc, 'strerror', None) or type(exc).__name__})")))
        st.session_state[NOTE] = note
        st.rerun()   # the whole page: the note above the uploader, the Train button enabled again
    else:
        train_on("folder", path, t("own.images_saved", n=len(data.x), size=data.x.shape[-1],
                                   colour=t("own.gray" if data.x.shape[1] == 1 else "own.colour"),
                                   classes=classes_text(data.class_names), path=plain(path.name)))


def classes_text(names: tuple[str, ...] | None) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    return t("own.classes", n=len(names), names=plain(shown))
