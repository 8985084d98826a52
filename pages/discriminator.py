"""The discriminator's feature space (lesson 1, the classic TensorFlow tutorial made live): real and fake in D's
last hidden layer over training, one G or D update before and after, D's output and decision surface."""
import streamlit as st

from gan_core.lessons import features as gi
from ui import browser, charts, run_reads
from ui import inspect_charts as ic
from ui import inspect_source as src
from ui.components.plotly_live import static_chart
from ui.i18n import current_lang, plain, t

run = src.page_run("page.disc", "disc.intro")
lang = current_lang()
info = run_reads.status(run)
active = info["state"] in run_reads.ACTIVE
probability = not charts.is_score(run_reads.config_of(run).get("loss", "nonsaturating"))


def notice(key: str, **values) -> None:
    st.markdown(f"**{t('disc.notice')}** " + t(key, **values))


@st.fragment(run_every=browser.refresh_s(2 * browser.REFRESH_S) if active else None)
def over_training() -> None:
    history = src.views(run)
    if not history or history[-1].feat_real is None:
        st.info(t("disc.no_model"))
        return
    st.subheader(t("disc.space"))
    if run_reads.live_session(run) is None:
        st.caption(t("disc.history_disk", step=history[-1].step))
    i = src.history_index(history, "disc_hist", t("disc.history"), t("disc.history_help"))
    view = history[i]
    width = view.feat_real.shape[1]
    real, fake, pca = ic.feature_plane(view.feat_real, view.feat_fake)
    left, right = st.columns([3, 2], gap="large")
    with left:
        static_chart(ic.feature_figure(real, fake, pca=pca, lang=lang, revision=f"feat-{run}"),
                        key="disc_features")
    steps, acc = src.probe_history(run, history)
    with right:
        c1, c2 = st.columns(2)
        c1.metric(t("disc.probe"), f"{acc[list(steps).index(view.step)]:.0%}" if view.step in steps else "–",
                  help=t("disc.probe_help"))
        c2.metric(t("disc.gap"), f"{gi.centroid_gap(view.feat_real, view.feat_fake):.3f}",
                  help=t("disc.gap_help"))
        if width > 2:
            st.caption(t("disc.wide", f=width))
        notice("disc.space_2d" if width <= 2 else "disc.space_pca")
        if len(steps) > 1:
            static_chart(ic.probe_figure(steps, acc, current=view.step, lang=lang), key="disc_probe")
    st.subheader(t("disc.output"))
    left, right = st.columns(2, gap="large")
    with left:
        static_chart(ic.d_output_figure(view.d_out_real, view.d_out_fake, probability, lang=lang),
                        key="disc_hist_out")
        notice("disc.output_text" if probability else "disc.output_critic")
    with right:
        if view.kind == "points":
            static_chart(charts.plane_figure(view.real, view.fake, grid_x=view.grid_x, grid_y=view.grid_y,
                                                logits=view.logits, lang=lang, height=360, revision=f"surf-{run}"),
                            key="disc_surface")
            notice("disc.surface_text")


over_training()

st.subheader(t("disc.update"))
st.caption(t("disc.update_intro"))
c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
part = c1.segmented_control(t("disc.part"), ["g", "d"], default="g", key="disc_part",
                            format_func=lambda p: t(f"disc.part_{p}")) or "g"
n = c2.slider(t("disc.n_updates"), 1, 50, 1, key="disc_n", help=t("disc.n_updates_help"))
c3.button(t("disc.again"), key="btn_disc_again", help=t("disc.again_help"), width="stretch")
try:
    model = src.model(run)
    effect = gi.update_effect(model, part, steps=int(n)) if model is not None else None
except (ValueError, RuntimeError, OSError) as exc:
    st.error(t("err.generic", msg=plain(exc)))
    st.stop()
if effect is None:
    st.info(t("disc.no_model"))
    st.stop()
before, after = ic.update_figures(effect, lang=lang, height=380)
left, right = st.columns(2)
left.markdown(f"**{t('disc.before')}**")
left.plotly_chart(before, key="disc_before")
right.markdown(f"**{t('disc.after', n=n, who=t(f'disc.part_{part}'))}**")
right.plotly_chart(after, key="disc_after")
st.caption(t("disc.update_at", step=effect.step))
st.markdown(t("disc.numbers", real=effect.real_moved, fake=effect.fake_moved, before=effect.gap_before,
              after=effect.gap_after))
notice(f"disc.update_{part}_text")
st.markdown(t(f"disc.update_{part}_{'closer' if effect.closer else 'apart'}", before=effect.gap_before,
              after=effect.gap_after, step=effect.step))
