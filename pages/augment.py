"""GAN-made training data (lesson 9): a conditional GAN on a few labels per class, then a classifier on real
images only vs real + generated (labels kept) vs real + generated with random labels, over several seeds."""
import pandas as pd
import streamlit as st

from gan_core.lessons.augment import ARMS, AugmentConfig, AugmentTrainer, verdict
from ui import browser, lesson_runs
from ui import shift_charts as sc
from ui.components.plotly_live import live_chart
from ui.i18n import current_lang, plain, t

KIND = "augment"
DATASETS = ("digits", "fashion_mnist", "mnist")
LABELS = (1, 2, 3, 5, 10, 20, 50, 100)
DEFAULT = AugmentConfig()

st.title(t("page.augment"))
st.caption(t("aug.intro"))
lang = current_lang()
sess = lesson_runs.current(KIND)
running = lesson_runs.active(sess)

c1, c2, c3 = st.columns([2, 4, 2])
dataset = c1.selectbox(t("shift.dataset"), DATASETS, key="aug_dataset", disabled=running)
labels = c2.select_slider(t("aug.labels"), LABELS, value=DEFAULT.labels_per_class, key="aug_labels",
                          disabled=running, help=t("aug.labels_help"))
seeds = c3.number_input(t("aug.seeds"), 1, 10, DEFAULT.seeds, key="aug_seeds", disabled=running,
                        help=t("aug.seeds_help"))
c1, c2, c3 = st.columns(3)
gan_steps = c1.select_slider(t("aug.gan_steps"), (200, 500, 1000, 2000, 4000, 8000), value=DEFAULT.gan_steps,
                             key="aug_gan_steps", disabled=running)
clf_steps = c2.select_slider(t("aug.clf_steps"), (100, 200, 400, 800, 1600), value=DEFAULT.clf_steps,
                             key="aug_clf_steps", disabled=running)
gen = c3.select_slider(t("aug.gen"), (10, 20, 50, 100, 200, 500), value=DEFAULT.gen_per_class, key="aug_gen",
                       disabled=running)

b1, b2, _ = st.columns([1, 1, 3])
if b1.button(t("aug.start"), type="primary", key="btn_aug_start", disabled=running, width="stretch"):
    try:
        cfg = AugmentConfig(dataset=dataset, labels_per_class=int(labels), seeds=int(seeds), gan_steps=int(gan_steps),
                            clf_steps=int(clf_steps), gen_per_class=int(gen)).validate()
        lesson_runs.start(KIND, cfg, AugmentTrainer)
        st.rerun()
    except ValueError as exc:
        st.error(t("err.generic", msg=plain(exc)))
if b2.button(t("aug.stop"), key="btn_aug_stop", disabled=not running, width="stretch"):
    sess.stop(wait=False)
    st.rerun()
st.caption(t("aug.when"))


@st.fragment(run_every=browser.refresh_s() if running else None)
def live() -> None:
    sess = lesson_runs.current(KIND)
    if sess is None:
        st.info(t("aug.no_run"))
        return
    if lesson_runs.active(sess) != running:
        st.rerun()   # started or ended: the whole page, so the controls lock or unlock
    sess.touch(browser.browser_id())
    snap, cfg = sess.snapshot(), sess.config
    extras = getattr(snap.view, "extras", None) or {}
    phase, done = extras.get("phase", "gan"), extras.get("round", 0)
    st.progress(float(snap.progress or 0.0),
                text=t("aug.progress", r=min(done + 1, cfg.seeds), n=cfg.seeds, phase=t(f"aug.phase.{phase}"))
                + f" · {t('state.' + snap.state)}")
    if snap.state == "queued":
        st.info(t("train.queued", n=snap.queue_position))
    if snap.error:
        st.error(t("shift.failed", msg=plain(snap.error)))
    left, right = st.columns([2, 3])
    with left:
        if snap.view is not None and snap.view.png is not None:
            st.markdown(f"**{t('aug.samples')}** · {t('train.at_step', n=snap.view.step)}")
            st.image(snap.view.png, width="stretch")
            st.caption(t("aug.samples_cap"))
    with right:
        st.markdown(f"**{t('aug.curves')}**")
        live_chart(sc.augment_curves_figure(sess.series(max_points=1500), lang=lang, revision=sess.run_id),
                   key="aug-curves")
    st.subheader(t("aug.results"))
    summary = extras.get("summary") or {}
    per_seed = summary.get("per_seed") or []
    if not per_seed:
        st.caption(t("aug.results_wait"))
        return
    left, right = st.columns([3, 2])
    with left:
        live_chart(lambda: sc.augment_results_figure(per_seed, lang=lang, revision=sess.run_id), key="aug-results",
                   token=(sess.run_id, len(per_seed), lang))
    with right:
        judged = verdict(per_seed)
        say = st.success if judged["kind"] == "helps" else st.warning if judged["kind"] == "hurts" else st.info
        say(t(f"aug.verdict.{judged['kind']}", gain=100 * judged["gain"], lo=100 * judged["lo"],
              hi=100 * judged["hi"]))
        st.markdown(t("aug.random_note", acc=summary.get("random_labels_acc", float("nan"))))
        st.metric(t("aug.agreement"), f"{summary.get('label_agreement', float('nan')):.1%}",
                  help=t("aug.agreement_help"))
    table = pd.DataFrame([{t("aug.col.seed"): int(r["seed"]),
                           **{t(f"aug.arm.{a}"): f"{r[f'{a}_acc']:.1%}" for a in ARMS},
                           t("aug.agreement"): f"{r['label_agreement']:.1%}"} for r in per_seed])
    st.dataframe(table, hide_index=True)


live()
