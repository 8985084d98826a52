"""Helpers of the Attacks page (lessons 6 and 7): cached classifiers and curves, the robust model of this
browser's adversarial-training run, the figures, and the adversarial-training panel with its live curves."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core.attacks import frozen_copy
from gan_core.classifiers import get_classifier, load_split
from gan_core.config import POINT_DATASETS
from gan_core.lessons import attack_views as av
from gan_core.lessons.adversarial import METHODS, AdversarialTrainer, AdvTrainConfig

from . import browser, confirm, inspect_source, lesson_runs, run_reads, server
from .components.plotly_live import live_chart, static_chart
from .i18n import current_lang, plain, t
from .shift_charts import stacked_figure

KIND = "attacks"
STANDARD, ROBUST, DISC = "standard", "robust", "discriminator"
REFRESH_STEPS = 250   # a running run's robust model is re-copied after this many steps
COLORS = {STANDARD: "#1f77b4", ROBUST: "#2e7d32"}


# ---- cached models and data ------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=4)
def classifier(dataset: str):
    """(model, test accuracy) of the standard classifier; trained once per dataset (seconds on digits)."""
    return get_classifier(dataset)


@st.cache_resource(show_spinner=False, max_entries=4)
def test_split(dataset: str):
    return load_split(dataset, train=False)


@st.cache_data(show_spinner=False, max_entries=16)
def curves(dataset: str, model_id: str, _model) -> dict:
    """Accuracy vs eps on a fixed 300-item test subset; ``model_id`` names the model (``standard`` or
    ``robust-<run>-<step>``), ``_model`` is not hashed."""
    x, y, _ = test_split(dataset)
    return av.eps_curves(_model, *av.fixed_subset(x, y, 300))


CURVES = "robust-curve"   # the server thread for robust models' curves; its jobs by (dataset, model id)
JOBS_KEPT = 16


def robust_curves(dataset: str, model_id: str, model) -> tuple[dict | None, bool]:
    """``(curve, ready)`` of a robust model: its accuracy-vs-eps curve (seconds of PGD while adversarial
    training takes the cores) is computed on a background thread, so no interaction waits for it. Until it is
    ready, the newest finished curve of the same run (or None) with ``ready`` False."""
    pool, jobs, lock = server.worker(CURVES)
    key = (dataset, model_id)
    with lock:
        job = jobs.get(key)
        if job is None:
            x, y, _ = test_split(dataset)
            job = jobs[key] = pool.submit(av.eps_curves, model, *av.fixed_subset(x, y, 300))
            while len(jobs) > JOBS_KEPT:
                jobs.pop(next(iter(jobs)))     # the oldest first
        if job.done():
            return (None if job.exception() else job.result()), True
        run = model_id.rsplit("-", 1)[0] + "-"
        older = [j for (d, m), j in jobs.items() if d == dataset and m.startswith(run) and j.done()
                 and j.exception() is None]
    return (older[-1].result() if older else None), False


def eps_section(dataset: str, standard, robust_model, robust_id: str | None, lang: str) -> None:
    """Accuracy against eps of the standard model and, once its curve is computed, the robust one; polls
    while the robust curve is being computed."""
    by_model = {STANDARD: curves(dataset, STANDARD, standard)}
    ready = True
    if robust_model is not None:
        curve, ready = robust_curves(dataset, robust_id, robust_model)
        if curve is not None:
            by_model[ROBUST] = curve
        if not ready:
            st.caption(t("atk.curve_updating", step=int(robust_id.rsplit("-", 1)[1])))
    static_chart(eps_figure(by_model, lang), key="atk-eps")
    if not ready:
        st.fragment(run_every=browser.refresh_s())(_curve_ready)(dataset, robust_id)


def _curve_ready(dataset: str, robust_id: str) -> None:
    """Reruns the page once the robust curve it waits for is done."""
    _, jobs, lock = server.worker(CURVES)
    with lock:
        job = jobs.get((dataset, robust_id))
    if job is None or job.done():
        st.rerun()


def robust(dataset: str):
    """``(model copy, id)`` of this browser's adversarial-training run on ``dataset``, or ``(None, None)``."""
    sess = lesson_runs.current(KIND)
    if sess is None or sess.trainer is None or sess.config.dataset != dataset:
        return None, None
    # (run id, step, model), re-copied every REFRESH_STEPS while it trains and once at its end: the curve
    # (seconds of PGD) is then not recomputed on every rerun of the page
    step, ended = sess.trainer.step_count, not lesson_runs.active(sess)
    slot = st.session_state.get("atk_robust_copy")
    if slot is None or slot[0] != sess.run_id or (ended and slot[1] != step) or step - slot[1] >= REFRESH_STEPS:
        with sess.between_steps() as trainer:   # one consistent step; the copy is ours, the thread keeps its model
            slot = (sess.run_id, trainer.step_count, frozen_copy(trainer.model).cpu())
        st.session_state["atk_robust_copy"] = slot
    model_id = f"robust-{slot[0]}-{slot[1]}"
    return slot[2], model_id


def class_label(dataset: str, k: int, lang: str | None = None) -> str:
    """Class ``k`` as the student reads it: ``"3 · Dress"`` for Fashion-MNIST (``classes.<dataset>.<k>``),
    the digit itself for the digit sets."""
    name = t(f"classes.{dataset}.{int(k)}", lang)
    return str(int(k)) if name == f"classes.{dataset}.{int(k)}" else f"{int(k)} · {name}"


# ---- figures ---------------------------------------------------------------------------------------------
def _image_trace(img: np.ndarray, **kw):
    if img.ndim == 3:
        return go.Image(z=np.clip(img * 255, 0, 255).astype(np.uint8), **kw)
    return go.Heatmap(z=img[::-1], colorscale="gray", zmin=0, zmax=1, showscale=False, **kw)


def images_figure(r: av.AttackResult, eps: float, lang: str) -> go.Figure:
    """Original | perturbation (amplified: the colour scale spans +-eps) | adversarial image."""
    titles = [t("atk.fig.original", lang), t("atk.fig.delta", lang), t("atk.fig.adversarial", lang)]
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.04)
    delta = r.delta if r.delta.ndim == 2 else r.delta.mean(axis=2)
    span = max(eps, 1e-6)
    fig.add_trace(_image_trace(r.original), 1, 1)
    fig.add_trace(go.Heatmap(z=delta[::-1], colorscale="RdBu", zmin=-span, zmax=span, colorbar=dict(len=0.8)), 1, 2)
    fig.add_trace(_image_trace(r.adversarial), 1, 3)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", constrain="domain")
    for col in (2, 3):
        fig.update_yaxes(scaleanchor=f"x{col}", row=1, col=col)
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=10))
    fig.update_annotations(font_size=13)
    return fig


def pair_figure(before: np.ndarray, after: np.ndarray, lang: str) -> go.Figure:
    """An image before and after the discriminator attack, side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t("atk.before", lang), t("atk.after", lang)],
                        horizontal_spacing=0.04)
    fig.add_trace(_image_trace(before), 1, 1)
    fig.add_trace(_image_trace(after), 1, 2)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", constrain="domain")
    fig.update_yaxes(scaleanchor="x2", row=1, col=2)
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def probs_figure(r: av.AttackResult, lang: str, dataset: str = "") -> go.Figure:
    classes = [class_label(dataset, k, lang) for k in range(len(r.probs_before))]
    fig = go.Figure([go.Bar(x=classes, y=r.probs_before, name=t("atk.before", lang), marker_color="#1f77b4"),
                     go.Bar(x=classes, y=r.probs_after, name=t("atk.after", lang), marker_color="#d62728")])
    fig.update_layout(barmode="group", height=280, margin=dict(l=40, r=10, t=30, b=40),
                      xaxis=dict(title=t("atk.class", lang), type="category"),
                      yaxis=dict(title=t("atk.prob", lang), range=[0, 1]),
                      legend=dict(orientation="h", y=1.12))
    return fig


def eps_figure(by_model: dict[str, dict], lang: str) -> go.Figure:
    """Accuracy against eps: FGSM dashed, PGD solid, one colour per model."""
    fig = go.Figure()
    for name, c in by_model.items():
        for attack, dash in (("fgsm", "dash"), ("pgd", "solid")):
            fig.add_trace(go.Scatter(x=c["eps"], y=c[attack], mode="lines+markers",
                                     line=dict(color=COLORS[name], dash=dash),
                                     name=f"{t('atk.model.' + name, lang)} · {attack.upper()}"))
    fig.update_layout(height=340, margin=dict(l=50, r=10, t=20, b=40), xaxis_title="eps",
                      yaxis=dict(title=t("atk.accuracy", lang), range=[0, 1.02]))
    return fig


def training_figure(series: dict, lang: str, revision: str) -> dict:
    acc = [("clean_acc", "atk.tr.clean", "#1f77b4", "solid"), ("pgd_acc", "atk.tr.robust", "#2e7d32", "solid"),
           ("train_acc", "atk.tr.train", "#9e9e9e", "dot")]
    panels = [("atk.panel.acc", acc, None), ("atk.panel.loss", [("loss", "atk.tr.loss", "#d62728", "solid")], None)]
    return stacked_figure(series, panels, lang=lang, revision=revision)


def disc_section(eps: float, alpha: float, steps: int, bad: str | None, lang: str) -> None:
    """The current GAN run's discriminator: a fake pushed towards "real", a real towards "fake"."""
    st.subheader(t("atk.sec_disc"))
    run_id = browser.current_run()
    if run_id and run_reads.config_of(run_id).get("dataset") in POINT_DATASETS:   # 2-D points: nothing to perturb
        st.info(t("atk.disc_needs_images", dataset=run_reads.config_of(run_id).get("dataset")))
        _offer_image_run()
        return
    trainer = inspect_source.model(run_id) if run_id and inspect_source.gan_run(run_id) else None
    if trainer is None:
        st.info(t("atk.no_gan"))
    elif bad is None:
        try:
            r = av.attack_gan_discriminator(trainer, eps=eps, alpha=alpha, steps=steps)
        except ValueError as exc:
            st.error(t("err.generic", msg=plain(exc)))
        else:
            rows = zip(st.columns(2), ("atk.fake_to_real", "atk.real_to_fake"), (r.fake, r.real),
                       (r.fake_adv, r.real_adv), (r.d_fake, r.d_real), strict=True)
            for col, key, a, b, (p0, p1) in rows:
                col.markdown(f"**{t(key)}**")
                col.plotly_chart(pair_figure(a, b, lang), key=f"atk-{key}")
                col.metric(t("atk.d_out"), f"{p1:.2f}", delta=f"{p1 - p0:+.2f}", help=t("atk.d_out_help", p=p0))
            st.caption(t("atk.disc_text"))


def _offer_image_run() -> None:
    """A button that opens the newest GAN run on images, where there is one."""
    for run in run_reads.run_list():
        if run["dataset"] not in POINT_DATASETS and run["dataset"] != "?" and inspect_source.gan_run(run["run_id"]):
            st.button(t("atk.open_image_run", dataset=run["dataset"], step=int(run.get("step") or 0)),
                      key="btn_atk_image_run", on_click=browser.select_run, args=(run["run_id"],))
            return


# ---- adversarial-training panel ------------------------------------------------------------------------------
def training_controls(dataset: str) -> None:
    """Knobs and Start / Pause / Stop of this browser's AdversarialTrainer run (lesson 7)."""
    sess = lesson_runs.current(KIND)
    running = lesson_runs.active(sess)
    d = AdvTrainConfig()
    c = st.columns(6)
    method = c[0].selectbox(t("atk.method_train"), METHODS, key="atk_tr_method", disabled=running)
    eps = c[1].number_input("eps", 0.0, 1.0, d.eps, 0.01, key="atk_tr_eps", disabled=running)
    alpha = c[2].number_input("alpha", 0.0, 1.0, d.alpha, 0.005, format="%.3f", key="atk_tr_alpha", disabled=running)
    iters = c[3].number_input(t("atk.iterations"), 1, 100, d.attack_steps, key="atk_tr_steps", disabled=running)
    lr = c[4].select_slider(t("atk.lr"), (1e-4, 3e-4, 1e-3, 3e-3), value=d.lr, key="atk_tr_lr", disabled=running)
    steps = c[5].select_slider(t("atk.train_steps"), (200, 500, 1000, 3000, 10000), value=1000, key="atk_tr_max",
                               disabled=running)
    b = st.columns([1, 1, 1, 3])
    if b[0].button(t("train.start"), type="primary", key="btn_atk_start", disabled=running, width="stretch"):
        try:
            cfg = d.replace(dataset=dataset, method=method, eps=float(eps), alpha=float(alpha),
                            attack_steps=int(iters), lr=float(lr), max_steps=int(steps), eval_every=25).validate()
        except ValueError as exc:
            st.error(t("err.generic", msg=plain(exc)))
        else:
            lesson_runs.start(KIND, cfg, AdversarialTrainer)
            st.rerun()
    paused = sess is not None and sess.snapshot().state == "paused"
    if b[1].button(t("train.resume" if paused else "train.pause"), key="btn_atk_pause", disabled=not running,
                   width="stretch"):
        sess.resume() if paused else sess.pause()
        st.rerun()
    if b[2].button(t("train.stop"), key="btn_atk_stop", disabled=not running, width="stretch"):
        confirm.ask("stop", sess.run_id)
    if running:
        confirm.confirm("stop", sess.run_id, lambda: sess.stop(wait=False))
    st.fragment(run_every=browser.refresh_s() if running else None)(_live)(running)


def _last(series: dict, key: str) -> str:
    v = np.asarray(series.get(key, []), dtype=float)
    v = v[np.isfinite(v)]
    return f"{v[-1]:.1%}" if len(v) else "–"


def _live(running: bool) -> None:
    sess = lesson_runs.current(KIND)
    if sess is None:
        st.info(t("atk.no_run"))
        return
    if lesson_runs.active(sess) != running:
        st.rerun()   # started or ended: the whole page, so the buttons and the robust model update
    sess.touch(browser.browser_id())
    snap = sess.snapshot()
    total = sess.config.max_steps or 1
    st.progress(min(1.0, snap.step / total), text=t("atk.status", step=snap.step, total=total,
                                                    state=t(f"state.{snap.state}")))
    if snap.error:
        st.error(t("err.generic", msg=plain(snap.error)))
    series = sess.series(max_points=1500)
    m = st.columns(3)
    m[0].metric(t("atk.tr.clean"), _last(series, "clean_acc"))
    m[1].metric(t("atk.tr.robust"), _last(series, "pgd_acc"), help=t("atk.robust_help", eps=sess.config.eps))
    m[2].metric(t("atk.step"), f"{snap.step:,}")
    live_chart(training_figure(series, current_lang(), sess.run_id), key="atk-train-curves")
