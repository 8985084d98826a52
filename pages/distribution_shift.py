"""Distribution shift (lesson 8): a source-only classifier loses accuracy on shifted data, a domain discriminator
measures the shift (adversarial validation), DANN narrows the gap. All three train in one background run."""
import streamlit as st

from gan_core.lessons import shift as gs
from gan_core.lessons.dann import DANNTrainer, ShiftConfig, thumbnails
from ui import browser, lesson_runs
from ui import shift_charts as sc
from ui.components.plotly_live import live_chart
from ui.i18n import current_lang, plain, t

KIND = "shift"
DATASETS = ("digits", "fashion_mnist", "mnist")
STEPS = (300, 1000, 2000, 4000, 8000, 20000)
LRS = (1e-4, 3e-4, 1e-3, 3e-3)
DEFAULT = ShiftConfig()

st.title(t("page.shift"))
st.caption(t("shift.intro"))
lang = current_lang()
sess = lesson_runs.current(KIND)
running = lesson_runs.active(sess)


@st.cache_data(show_spinner=False, max_entries=32)
def preview(dataset: str, shift: str, strength: float):
    source, target = gs.preview(dataset, shift, strength, n=10)
    return list(thumbnails(source)), list(thumbnails(target))


c1, c2, c3, c4 = st.columns([2, 3, 3, 2])
dataset = c1.selectbox(t("shift.dataset"), DATASETS, key="shift_dataset", disabled=running)
shift = c2.selectbox(t("shift.shift"), gs.SHIFTS, format_func=lambda s: t(f"shift.kind.{s}"), key="shift_kind",
                     disabled=running)
strength = c3.slider(t("shift.strength"), 0.0, 1.0, DEFAULT.strength, 0.05, key="shift_strength", disabled=running,
                     help=t("shift.strength_help", what=t(f"shift.what.{shift}",
                                                          **gs.shift_params(shift, st.session_state.get(
                                                              "shift_strength", DEFAULT.strength)))))
steps = c4.select_slider(t("shift.steps"), STEPS, value=2000, key="shift_steps", disabled=running,
                         help=t("shift.steps_help"))
with st.expander(t("shift.settings")):
    e1, e2 = st.columns(2)
    weight = e1.slider(t("shift.domain_weight"), 0.0, 2.0, DEFAULT.domain_weight, 0.05, key="shift_weight",
                       help=t("shift.domain_weight_help"))
    lr = e2.select_slider(t("shift.lr"), LRS, value=DEFAULT.lr, key="shift_lr", help=t("shift.lr_help"))
if running and (sess.config.domain_weight, sess.config.lr) != (weight, lr):
    sess.update(domain_weight=weight, lr=lr)   # live knobs: the next step uses them

error = None
try:
    src_imgs, tgt_imgs = preview(dataset, shift, float(strength))
    st.markdown(f"**{t('shift.preview')}**")
    cols = st.columns(len(src_imgs) + 4)[:len(src_imgs)]   # one narrow column per pair
    for col, a, b in zip(cols, src_imgs, tgt_imgs, strict=True):
        col.image(a, width=56)
        col.image(b, width=56)
except ValueError as exc:   # the paired set is missing, or no pair exists for this dataset
    error = str(exc)
    st.error(t("err.generic", msg=plain(error)))

b1, b2, _ = st.columns([1, 1, 4])
if b1.button(t("shift.start"), type="primary", key="btn_shift_start", disabled=running or error is not None,
             width="stretch"):
    cfg = DEFAULT.replace(dataset=dataset, shift=shift, strength=float(strength), max_steps=int(steps),
                          domain_weight=float(weight), lr=float(lr))
    lesson_runs.start(KIND, cfg, DANNTrainer)
    st.rerun()
if b2.button(t("shift.stop"), key="btn_shift_stop", disabled=not running, width="stretch"):
    sess.stop(wait=False)
    st.rerun()


def last(series: dict, key: str) -> float | None:
    values = series.get(key)
    if values is None:
        return None
    finite = values[values == values]
    return float(finite[-1]) if len(finite) else None


def pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


@st.fragment(run_every=browser.refresh_s() if running else None)
def live() -> None:
    sess = lesson_runs.current(KIND)
    if sess is None:
        st.info(t("shift.no_run"))
        return
    if lesson_runs.active(sess) != running:
        st.rerun()   # started or ended: the whole page, so the controls lock or unlock
    sess.touch(browser.browser_id())
    snap = sess.snapshot()
    st.progress(float(snap.progress or 0.0), text=t("shift.status", step=snap.step, total=sess.config.max_steps,
                                                    state=t(f"state.{snap.state}")))
    if snap.state == "queued":
        st.info(t("train.queued", n=snap.queue_position))
    if snap.error:
        st.error(t("shift.failed", msg=plain(snap.error)))
    series, view = sess.series(max_points=1500), snap.view
    if view is None or getattr(view, "kind", "") != "shift":
        st.caption(t("shift.wait_view", n=sess.config.snapshot_every))
        return
    so_s, so_t, dann_t = (last(series, k) for k in ("so_source_acc", "so_target_acc", "target_acc"))
    st.subheader(t("shift.sec_classifier"))
    left, right = st.columns([1, 3])
    left.metric(t("shift.acc_source"), pct(so_s))
    left.metric(t("shift.acc_target"), pct(so_t))
    if so_s is not None and so_t is not None:
        left.metric(t("shift.cost"), t("shift.points", v=100 * (so_s - so_t)), help=t("shift.cost_help"))
    with right:
        live_chart(lambda: sc.per_class_figure(view.per_class["so_source"], view.per_class["so_target"],
                                               view.class_names, lang=lang),
                   key="shift-per-class", token=(sess.run_id, view.step, lang))
        st.caption(t("shift.classifier_text"))
    st.subheader(t("shift.sec_av"))
    left, right = st.columns([1, 3])
    left.metric(t("shift.auc"), f"{view.domain_auc:.3f}", help=t("shift.auc_help"))
    with right:
        st.markdown(t("shift.av_text"))
        for key, images, p in (("shift.target_like", view.target_like, view.target_like_p),
                               ("shift.source_like", view.source_like, view.source_like_p)):
            st.markdown(f"**{t(key)}**")
            for col, image, value in zip(st.columns(len(images)), images, p, strict=True):
                col.image(image, caption=f"p={value:.2f}", width=56)
    st.subheader(t("shift.sec_dann"))
    left, right = st.columns([1, 3])
    delta = None if dann_t is None or so_t is None else f"{100 * (dann_t - so_t):+.1f}"
    left.metric(t("shift.dann_target"), pct(dann_t), delta=delta, help=t("shift.dann_target_help"))
    right.markdown(t("shift.dann_text"))
    live_chart(sc.shift_curves_figure(series, lang=lang, revision=sess.run_id), key="shift-curves")
    n = int((view.domain == 0).sum())
    cols = st.columns(2)
    for col, key, proj, probe in ((cols[0], "shift.proj_before", view.proj_before, view.probe_before),
                                  (cols[1], "shift.proj_after", view.proj_after, view.probe_after)):
        with col:
            st.markdown(f"**{t(key)}** · {t('shift.probe', acc=probe)}")
            figure = (lambda proj=proj, key=key: sc.projection_figure(
                proj, view.domain, view.labels, view.class_names, lang=lang, revision=f"{sess.run_id}-{key}"))
            live_chart(figure, key=f"shift-{key}", token=(sess.run_id, view.step, lang))
    st.caption(t("shift.proj_text", n=n))


live()
