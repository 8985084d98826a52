"""Panels of the Train page: run buttons, the live panel (a fragment polling the snapshot), the on-disk view,
downloads. Pages call these; all reads go through ``ui.run_reads`` so live and on-disk runs look the same.
(The teacher's panel is ``ui.classroom.teacher_panel``.)"""
from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import streamlit as st

from gan_core.checks import public_text
from gan_core.config import POINT_DATASETS
from gan_core.data.builtin import CLASS_NAMES, TOY_SETS, load_dataset

from . import browser, charts, presets, run_names, run_reads, server
from .components.plotly_live import live_chart, zoom_of
from .confirm import ask, confirm
from .i18n import code, current_lang, plain, refusal, t

FIRST_S = 0.5  # while a run has no point yet: poll twice as often, so its first point shows at once
PREVIEW_POINTS = 1000  # real points drawn on the plane before Start
TRAIN_POINTS = 600  # per trace on the Train page's small chart (the browser redraws it every second)


def flash(run_id: str | None = None) -> None:
    """Show (once) the message a callback left in ``st.session_state["flash"]`` as ``(kind, text)``: a
    confirmation ("success": a live change applied, a run started, a file opened) as a toast that fades; an
    error ("error": a change refused, settings that cannot start) on the page, where a student can read it.
    Above a run that failed no confirmation shows ("Started run ..." over its error): the failure below is all
    that is true."""
    msg = st.session_state.pop("flash", None)
    if not msg:
        return
    kind, text = msg
    if kind == "error":
        st.error(text)
    elif run_id is None or not failed(run_reads.status(run_id)["state"]):
        st.toast(text, icon=":material/check_circle:")


def failed(run_state: str) -> bool:
    return run_state in ("failed", "diverged")


def run_buttons(sess, config, config_error: str | None) -> None:
    """Start / Pause / Resume / Stop, and Step (D, G or both; n iterations).

    Drawn with the page, not in the live fragment (they would cost a dozen widgets per second): the fragment
    reruns the page whenever the run's phase (``_phase``) changes, so they always follow the run's state.
    """
    mine, active = browser.owns(sess), run_reads.is_active(sess)
    snap = sess.snapshot() if sess is not None else None
    cols = st.columns(4)
    if cols[0].button(t("train.start"), type="primary", help=t("train.start_help"), width="stretch",
                      key="btn_start"):
        _start(config, config_error)
        st.rerun()
    can = mine and active
    if cols[1].button(t("train.pause"), disabled=not (can and snap.state != "paused"), width="stretch",
                      key="btn_pause"):
        sess.pause()
        st.rerun()
    if cols[2].button(t("train.resume"), disabled=not (can and snap.state == "paused"), width="stretch",
                      key="btn_resume"):
        sess.resume()
        st.rerun()
    if cols[3].button(t("train.stop"), disabled=not can, width="stretch", key="btn_stop"):
        ask("stop", sess.run_id)
    if can:   # it ends within a step or two: the page shows "stopped" at once
        confirm("stop", sess.run_id, lambda: sess.stop(wait=True, timeout=1.0))
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    browser.keep_choice("step_part", ["both", "d", "g"], "both")  # translated labels
    part = c1.segmented_control(t("train.step_part"), ["both", "d", "g"], key="step_part",
                                format_func=lambda p, lang=current_lang(): t(f"part.{p}", lang))
    n = c2.number_input(t("train.step_n"), 1, 10_000, 1, key="step_n")
    if c3.button(t("train.step"), help=t("train.step_help"), width="stretch", key="btn_step",
                 disabled=(sess is not None and active and not mine)):
        target = sess if can else None
        if target is None and config is None:
            st.session_state["flash"] = ("error", t("train.bad_config", msg=config_error))
        else:
            try:
                if target is None:
                    target = server.registry().create(config, owner=browser.browser_id())
                    browser.select_run(target.run_id)
                target.step(int(n), part or "both")
            except ValueError as exc:
                st.session_state["flash"] = ("error", t("err.generic", msg=refusal(exc)))
        st.rerun()


def _start(config, config_error: str | None) -> None:
    if config is None:
        st.session_state["flash"] = ("error", t("train.bad_config", msg=config_error))
        return
    try:   # a model too large for this machine, this browser's cap on unfinished runs, a full disk
        new = browser.start_run(config)
    except ValueError as exc:   # nothing started, no run folder
        st.session_state["flash"] = ("error", t("err.generic", msg=refusal(exc)))
        return
    st.session_state["flash"] = ("success", t("train.started", run=plain(run_names.name_of(new.run_id))))
    run_reads.wait_first_point(new)  # ~0.3 s on a laptop CPU: the page below then shows the first point


GENERIC_HINT = "Check the settings named in the message"   # gan_core's hint for any failure but out-of-memory


def cause(error: str) -> str:
    """A run's error as one sentence for the page: its first line, without the exception's class name, and any
    server path cut to its file name (``ValueError: /srv/up/bad.csv: row 3 ...`` -> ``bad.csv: row 3 ...``)."""
    return re.sub(r"^[A-Za-z_][\w.]*(?:Error|Exception|Warning): ", "", public_text(error or ""))


def status_box(info: dict) -> None:
    """A failed or diverged run: its cause in one sentence and what to try (in the page's language when it is
    gan_core's generic advice)."""
    missing = presets.missing_cause(info.get("error")) if failed(info["state"]) else None
    if missing:   # not gan_core's long English advice with server paths: what it means here, and what to do
        st.error(t("data.run_missing", dataset=t(f"opt.{missing}")))
        st.info(t("train.try", hint=t("data.run_missing_try")))
    elif failed(info["state"]) and info.get("error"):
        st.error(t(f"train.{info['state']}", msg=code(cause(info["error"]))))
        hint = info.get("hint") or ""
        if info["state"] == "failed" and (not hint or hint.startswith(GENERIC_HINT)):
            hint = t("train.hint_failed")
        st.info(t("train.try", hint=hint or t("train.hint_diverged")))


def _phase(run_id: str | None, sess) -> tuple:
    """What the rest of the page depends on: which run, whether it trains (the form locks), whether it is
    paused (which buttons are on), and whether it has reported yet (the polling rate)."""
    if sess is None:
        return (run_id, None)
    snap = sess.snapshot()
    active = snap.state in run_reads.ACTIVE
    return (run_id, active, active and snap.state == "paused", active and not snap.metrics)


def live(run_id: str | None, config, config_error: str | None) -> None:
    """Buttons and the live panel of the current run: redrawn every ``browser.refresh_s()`` while the run is active.

    When the run's phase changes (it starts, pauses, reports its first point, ends), the whole page reruns
    once, so the knobs lock or unlock, the buttons follow and the polling rate changes.
    """
    sess = run_reads.live_session(run_id)
    run_buttons(sess, config, config_error)
    on_disk_active = sess is None and run_id is not None and run_reads.status(run_id)["state"] in run_reads.ACTIVE
    phase = _phase(run_id, sess)
    every = None
    if run_reads.is_active(sess) or on_disk_active:  # also a command-line run training now
        every = FIRST_S if phase[-1] is True else browser.refresh_s()
    st.session_state["drawn_phase"] = phase
    st.fragment(run_every=every)(_live_body)(run_id)


def _live_body(run_id: str | None) -> None:
    # A fixed layout whatever the run's state (a head slot, then the two columns, each with a fixed slot
    # before its chart): the browser keeps each chart's frame, with its loaded Plotly and the student's zoom,
    # from the empty charts before Start through the whole run.
    sess = run_reads.live_session(run_id)
    if sess is None and run_id is not None:
        disk(run_id)
        return
    lang = current_lang()
    head = st.container()
    left, right = st.columns([1, 1])
    if sess is None:  # no run yet: empty charts, so Plotly loads while the student reads the page
        head.info(t("train.no_run"))
        with left:
            live_chart(charts.curves_figure({}, ("loss", "dout"), lang=lang, height=520), key="train-curves",
                       token=("idle", lang))
        with right:
            top = st.container()
            real = _preview(run_id)
            if real is not None:   # the real data of the form's settings: what G must learn, before Start
                top.markdown(f"**{t('train.preview', dataset=real[0])}**")
            live_chart(lambda: charts.plane_figure(None if real is None else real[1], None, lang=lang,
                                                   **({} if real is None else _grid(real[2]))),
                       key="train-plane", fit="square", token=("idle", lang, None if real is None else real[3]))
            if real is not None:
                st.caption(t("train.preview_cap"))
        return
    phase = _phase(run_id, sess)
    changed = st.session_state.get("drawn_phase") != phase
    sess.touch(browser.browser_id())  # its owner watches: the registry does not pause it as idle
    snap = sess.snapshot()
    data = run_reads.series(run_id, max_points=TRAIN_POINTS, zoom=zoom_of("train-curves", run_id))
    with head:
        _metrics(snap, data, sess)
    with left:
        live_chart(lambda: charts.curves_figure(data, ("loss", "dout"), events=sess.events(), lang=lang,
                                                height=520, revision=run_id, loss=snap.config.get("loss", "")),
                   key="train-curves", follow_y=True)
        if len(data.get("step", ())) or not failed(snap.state):   # a failed run: only its failure, above
            st.caption(t("curves.empty", n=snap.config.get("log_every", 10)) if len(data.get("step", ())) == 0
                       else t("train.curves_cap"))
    with right:
        top = st.container()
        with top:
            view = _scrubbed_view(sess)
        _draw_view(view, lang, "train-plane", run_id, top, points=snap.config.get("dataset") in POINT_DATASETS,
                   quiet=failed(snap.state))
    if changed:
        st.session_state["drawn_phase"] = phase
        st.rerun()  # after drawing: the first point shows now, the page follows right after


def last_known(data: dict, key: str, now: dict) -> float | None:
    """``now[key]`` if the newest metrics have it, else the key's last finite value in ``data`` (a G-only step
    logs no D output: the page shows D's last verdict, not a dash). The downsampled series keeps the last row
    of every key (``SeriesBuffer.get``), so this is the true last value."""
    if now.get(key) is not None:
        return float(now[key])
    col = np.asarray(data.get(key, ()), dtype=np.float64)
    col = col[np.isfinite(col)]
    return float(col[-1]) if col.size else None


def _preview(run_id) -> tuple | None:
    """``(dataset, real points (n, 2), bounds, key)`` of the Train form's 2-D toy data, or None (images, own data,
    a bad form): the plane before Start shows them."""
    from .controls import form

    values = form()
    name = values.get("dataset")
    if name not in TOY_SETS:
        return None
    try:
        seed, n = int(values.get("seed") or 0), int(values.get("n_points") or 2000)
        real, bounds = _toy_points(name, min(max(n, 1), 20_000), seed)
    except (TypeError, ValueError):
        return None
    return name, real[:PREVIEW_POINTS], bounds, (name, n, seed)


@st.cache_data(show_spinner=False, max_entries=16)
def _toy_points(name: str, n: int, seed: int) -> tuple[np.ndarray, tuple]:
    data = load_dataset(name, n_points=n, seed=seed)
    return data.x.numpy(), tuple(data.bounds)


def _grid(bounds: tuple) -> dict:
    xmin, xmax, ymin, ymax = bounds
    return {"grid_x": np.array([xmin, xmax]), "grid_y": np.array([ymin, ymax])}


def _metrics(snap, data: dict | None = None, sess=None) -> None:
    if snap.state == "queued":
        st.info(t("train.queued", n=snap.queue_position))
    if failed(snap.state) and not snap.step:   # it never trained: only the failure
        status_box(run_reads.status(snap.run_id))
        return
    m = snap.metrics
    points = snap.config.get("dataset") in POINT_DATASETS
    moving = snap.state == "running"   # paused, stopped, finished: no steps are made now, whatever the last rate
    score = "score" if charts.is_score(snap.config.get("loss", "")) else ""
    with st.container(horizontal=True, gap="medium"):  # one block instead of six columns: fewer deltas
        st.metric(t("train.step_no"), f"{snap.step:,}")
        st.metric(t("train.sps"), _compact(snap.steps_per_second if moving else 0.0))
        st.metric(t("train.points_s" if points else "train.ips"), _compact(snap.images_per_second if moving else 0.0))
        st.metric(t(f"train.dx{score}"), _num(last_known(data or {}, "d_real", m)), help=t(f"train.dx{score}_help"))
        st.metric(t(f"train.dgz{score}"), _num(last_known(data or {}, "d_fake", m)), help=t(f"train.dgz{score}_help"))
        st.metric(t(f"state.{snap.state}"),
                  "●" if snap.state == "running" else "‖" if snap.state == "paused" else "■")
    if snap.progress is not None:
        st.progress(float(snap.progress), text=t("train.progress", done=snap.progress))
    quality_line = quality_text(snap.evaluation)
    if quality_line:
        st.caption(quality_line, help=t("quality.help"))
    if snap.alarm:
        st.warning(alarm_text(snap.alarm, snap.config.get("dataset", "")), icon=":material/warning:")
    fired = charts.alarm_steps(sess.events()) if sess is not None else []
    if fired and len(sess.view_steps()) > 1:   # the bookmark (kept after the run recovers): replay the plane there
        step = jump_target(sess.view_steps(), fired[-1])
        st.button(t("alarm.jump", step=step), key="btn_jump_alarm", icon=":material/history:",
                  help=t("alarm.jump_help"), on_click=_jump, args=(sess.run_id, fired[-1]))
    status_box(run_reads.status(snap.run_id))


QUALITY = (("modes_covered", "quality.modes"), ("hq_fraction", "quality.hq"), ("js", "quality.js"),
           ("fid", "quality.fid"), ("classes_covered", "quality.classes"), ("class_entropy", "quality.entropy"),
           ("precision", "quality.precision"), ("recall", "quality.recall"))


def quality_text(evaluation: dict | None, lang: str | None = None) -> str:
    """One line with the latest evaluation's figures (those it has), or "" before the first evaluation."""
    if not evaluation or "step" not in evaluation:
        return ""
    n = len(evaluation.get("mode_counts") or ())
    parts = [t(key, lang, v=float(evaluation[name]), n=n) for name, key in QUALITY
             if isinstance(evaluation.get(name), (int, float)) and np.isfinite(evaluation[name])]
    return t("quality.points", lang, step=int(evaluation["step"]), parts=" · ".join(parts)) if parts else ""


def alarm_text(alarm: dict, dataset: str = "", lang: str | None = None) -> str:
    """The collapse warning: the evidence (what fell, from when, which modes or classes vanished) and advice."""
    best_step, step = int(alarm.get("best_step") or 0), int(alarm.get("step") or 0)
    text = t(f"alarm.{alarm['kind']}", lang, best=alarm["best"], now=alarm["now"], best_step=best_step, step=step,
             total=int(alarm.get("total") or 0), since_step=int(alarm.get("since_step") or 0))
    if alarm.get("lost"):
        classes = CLASS_NAMES.get(dataset, ())
        names = [f"{t('quality.mode', lang)} {i}" if dataset in POINT_DATASETS
                 else f"{i} ({classes[i]})" if i < len(classes) and classes[i] != str(i) else str(i)
                 for i in alarm["lost"]]
        text += " " + t("alarm.lost", lang, lost=", ".join(names))
    return text + "\n\n" + t("alarm.try", lang)


def jump_target(steps: list[int], step: int) -> int:
    """The snapshot step nearest to ``step`` (the earlier one on a tie): where the history slider jumps."""
    return min(steps, key=lambda s: (abs(s - step), s))


def _jump(run_id: str, step: int) -> None:
    sess = run_reads.live_session(run_id)
    steps = sess.view_steps() if sess is not None else []
    if steps:
        st.session_state["follow_latest"] = False
        st.session_state["scrub_step"] = jump_target(steps, step)


def _scrubbed_view(sess):
    steps = sess.view_steps()
    if not steps:
        return sess.snapshot().view
    st.session_state.setdefault("follow_latest", True)   # set here, not by value=: the alarm's jump turns it off
    follow = st.toggle(t("train.follow"), key="follow_latest")
    if follow or len(steps) < 2:
        return sess.view_at(len(steps) - 1)
    key = "scrub_step"
    if st.session_state.get(key) not in steps:
        st.session_state[key] = steps[-1]
    step = st.select_slider(t("train.scrub"), steps, key=key, help=t("train.scrub_help"))
    return sess.view_at(steps.index(step))


def _draw_view(view, lang: str, key: str, run_id: str, top, points: bool = True, quiet: bool = False) -> None:
    """The 2-D plane (or the sample grid) with its title in ``top`` and a caption under it. ``quiet``: no
    "samples appear after ..." promise (a failed run makes none)."""
    if view is None:
        if points:  # the empty plane keeps its place until the first snapshot
            live_chart(charts.plane_figure(None, None, lang=lang), key=key, fit="square", token=("idle", lang))
        if not quiet:
            st.caption(t("train.no_view"))
    elif view.kind == "points":
        top.markdown(f"**{t('train.plane')}** · {t('train.at_step', n=view.step)}")
        live_chart(lambda: charts.view_figure(view, lang=lang, revision=run_id), key=key, fit="square",
                   token=(run_id, view.step, id(view), lang))
        st.caption(t("train.plane_cap"))
    elif view.png is not None:
        top.markdown(f"**{t('train.samples')}** · {t('train.at_step', n=view.step)}")
        st.image(view.png, width="stretch")
        st.caption(t("train.samples_cap"))


def _compact(v: float) -> str:
    return f"{v / 1e6:.1f}M" if v >= 1e6 else f"{v / 1e3:.1f}k" if v >= 1e4 else f"{v:,.0f}"


def _num(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def disk(run_id: str) -> None:
    """A run only on disk: its curves and latest samples, read-only; a resume button when it has a checkpoint."""
    info = run_reads.status(run_id)
    st.info(t("train.disk_run") + f" ({t('state.' + info['state'])}, {t('train.at_step', n=info['step'])})")
    status_box(info)
    cfg, events = run_reads.config_of(run_id), run_reads.events(run_id)   # read once: a finished run's files
    collapses = [e["detail"] for e in events if e["kind"] == "collapse" and e.get("detail")]
    if collapses:   # the run's last collapse alarm, as it was shown live
        st.warning(alarm_text(collapses[-1], cfg.get("dataset", "")), icon=":material/warning:")
    if info["state"] not in run_reads.ACTIVE and run_reads.has_checkpoint(run_id):
        if st.button(t("train.resume_disk"), key="btn_resume_disk"):
            try:
                browser.resume_run(run_id)
            except ValueError as exc:
                st.session_state["flash"] = ("error", t("err.generic", msg=code(exc)))
            st.rerun()
    elif not run_reads.has_checkpoint(run_id):
        st.caption(t("train.no_checkpoint"))
    lang = current_lang()
    left, right = st.columns(2)
    with left:
        data = run_reads.series(run_id, zoom=zoom_of("train-curves", run_id))
        if len(data.get("step", ())):
            live_chart(charts.curves_figure(data, ("loss", "dout"), events=events, lang=lang, height=520,
                                            revision=run_id, loss=cfg.get("loss", "")),
                       key="train-curves", follow_y=True)
        else:   # e.g. a run opened from a checkpoint: its curves begin when it trains again
            st.caption(t("train.no_curves"))
    with right:
        png = run_reads.latest_samples_png(run_id)
        if png is not None and cfg.get("dataset") not in POINT_DATASETS:
            st.image(png, width="stretch")
        else:
            try:
                _draw_view(run_reads.disk_view(run_id), lang, "train-plane", run_id, st.container(),
                           points=cfg.get("dataset") in POINT_DATASETS)
            except (ValueError, OSError) as exc:
                st.error(t("err.generic", msg=code(exc)))


def downloads(run_id: str) -> None:
    """Metrics CSV, config JSON, samples (PNG grid or generated points CSV) and the checkpoint."""
    sess = run_reads.live_session(run_id)
    cols = st.columns(4)
    cols[0].download_button(t("dl.metrics"), lambda: _metrics_csv(run_id), f"{run_id}-metrics.csv", "text/csv",
                            key="dl_metrics", width="stretch")
    cols[1].download_button(t("dl.config"), json.dumps(run_reads.config_of(run_id), indent=2), f"{run_id}-config.json",
                            "application/json", key="dl_config", width="stretch")
    view = sess.snapshot().view if sess is not None else None
    if view is not None and view.kind == "points":
        cols[2].download_button(t("dl.points"), _points_csv(view.fake), f"{run_id}-fake-points.csv", "text/csv",
                                key="dl_points", width="stretch")
    else:
        png = view.png if view is not None else run_reads.latest_samples_png(run_id)
        cols[2].download_button(t("dl.samples"), png or b"", f"{run_id}-samples.png", "image/png",
                                key="dl_samples", disabled=png is None, width="stretch")
    if sess is not None and sess.config.dataset in POINT_DATASETS:   # drawn at click time: the history grows
        st.download_button(t("dl.gif"), lambda: _plane_gif(run_id), f"{run_id}-plane.gif", "image/gif",
                           key="dl_gif", help=t("dl.gif_help"), icon=":material/gif:")
    can_ckpt = (sess is not None and sess.trainer is not None) or run_reads.has_checkpoint(run_id)
    cols[3].download_button(t("dl.checkpoint"), lambda: _checkpoint(run_id), f"{run_id}.pt",
                            "application/octet-stream", key="dl_ckpt", disabled=not can_ckpt, width="stretch")


def _plane_gif(run_id: str) -> bytes:
    from gan_core.views import View

    from .plane_gif import plane_gif

    sess = run_reads.live_session(run_id)
    views = [sess.view_at(i) for i in range(len(sess.view_steps()))] if sess is not None else []
    views = views or [v for v in [sess.snapshot().view if sess is not None else None] if v is not None]
    return plane_gif(views or [View(kind="points", step=0)], lang=current_lang())   # before the first: empty axes


def _metrics_csv(run_id: str) -> str:
    return pd.DataFrame(run_reads.series(run_id, max_points=10**9)).to_csv(index=False)


def _points_csv(points: np.ndarray) -> str:
    buf = io.StringIO()
    np.savetxt(buf, points, delimiter=",", header="x,y", comments="", fmt="%.6f")
    return buf.getvalue()


def _checkpoint(run_id: str) -> bytes:
    sess = run_reads.live_session(run_id)
    if sess is not None and sess.trainer is not None and run_reads.is_active(sess):
        return sess.checkpoint().read_bytes()
    return (run_reads.run_dir(run_id) / "checkpoints" / "latest.pt").read_bytes()
