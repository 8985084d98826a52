"""Compare runs (lesson 5 and any knob experiment): quality metrics overlaid, final figures, samples side by side."""
import pandas as pd
import streamlit as st

from gan_core.config import POINT_DATASETS
from ui import browser, charts, run_names, run_reads
from ui import compare_charts as cc
from ui import inspect_source as src
from ui.components.plotly_live import live_chart
from ui.i18n import current_lang, plain, t

MAX_RUNS, MAX_POINTS = 8, 1500
QUALITY = [m for m in cc.METRICS if m not in ("loss_d", "loss_g", "d_real", "d_fake")]

st.title(t("page.compare"))
st.caption(t("compare.intro"))
lang = current_lang()
runs = {r["run_id"]: r for r in run_reads.run_list() if src.gan_run(r["run_id"])}   # not the lesson pages' runs
if not runs:
    st.info(t("compare.pick"))
    st.stop()
names = run_names.names(runs)   # readable names in the picker, legends, table and captions; ids stay in the URL
default = [r for r in [browser.current_run(), *runs] if r in runs][:1] + \
          [r for r in runs if r != browser.current_run()][:2]   # the current run and the two newest others
asked = [r for r in st.session_state.pop("compare_request", None) or () if r in runs]   # e.g. a lesson's contrast
if asked or any(r not in runs for r in st.session_state.get("compare_pick") or ()):
    st.session_state["compare_pick"] = asked or list(dict.fromkeys(default))
elif "compare_pick" not in st.session_state:
    st.session_state["compare_pick"] = list(dict.fromkeys(default))
chosen = st.multiselect(t("compare.runs"), list(runs), key="compare_pick",
                        max_selections=MAX_RUNS, help=t("compare.runs_help"),
                        format_func=lambda r: f"{names[r]} · {t('state.' + (runs[r].get('status') or 'unknown'))}")
if not chosen:
    st.info(t("compare.pick"))
    st.stop()
active = any(run_reads.status(r)["state"] in run_reads.ACTIVE for r in chosen)


@st.fragment(run_every=browser.refresh_s(2 * browser.REFRESH_S) if active else None)
def metrics_section() -> None:
    data = {r: run_reads.series(r, max_points=MAX_POINTS) for r in chosen}
    have = cc.available(list(data.values()))
    if not have:
        st.info(t("compare.no_metrics"))
        return
    quality = [m for m in have if m in QUALITY]
    if not quality:
        st.caption(t("compare.no_eval"))
    default_metrics = quality[:4] or [m for m in have if m in ("loss_d", "loss_g")]
    picked = st.multiselect(t("compare.metrics"), have, default=default_metrics, key="compare_metrics",
                            format_func=lambda m: t(f"compare.m.{m}"))
    if picked:
        live_chart(cc.compare_figure([(names[r], data[r]) for r in chosen], picked, lang=lang,
                                     revision="-".join(chosen)), key="compare-curves")
    st.subheader(t("compare.table"))
    rows = cc.final_rows([(r, run_reads.config_of(r), run_reads.status(r), data[r]) for r in chosen], picked or have,
                     lang)
    rows = [{t("compare.col.name"): names[r], **row} for r, row in zip(chosen, rows, strict=True)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def samples_section() -> None:
    st.subheader(t("compare.samples"))
    steps = {r: run_reads.sample_steps(r) for r in chosen}
    every = sorted({s for v in steps.values() for s in v})
    image_runs = [r for r in chosen if steps[r]]
    if every:
        common = sorted(set.intersection(*(set(steps[r]) for r in image_runs))) if image_runs else []
        step = st.select_slider(t("compare.step"), every, value=(common or every)[-1], key="compare_step",
                                help=t("compare.step_help"))
    shown_at = {r: cc.nearest_at_or_before(steps[r], step) for r in image_runs} if every else {}
    if len(set(shown_at.values())) > 1:   # no grid at one common step: say so, not 3,916 beside 2,721 silently
        st.warning(t("compare.steps_differ", steps=", ".join(f"{s:,}" for s in sorted(set(shown_at.values())))),
                   icon=":material/warning:")
    cols = st.columns(min(len(chosen), 4))
    for i, run in enumerate(chosen):
        with cols[i % len(cols)]:
            shown = shown_at.get(run)
            if shown is not None:
                st.caption(t("compare.shown_step", run=plain(names[run]), step=shown))
                st.image(run_reads.sample_png(run, shown), width="stretch")
                continue
            st.caption(t("compare.no_samples", run=plain(names[run])))
            if run_reads.config_of(run).get("dataset") in POINT_DATASETS:
                sess = run_reads.live_session(run)
                view = sess.snapshot().view if sess is not None else run_reads.disk_view(run)
                if view is not None and view.kind == "points":
                    live_chart(lambda view=view, run=run: charts.view_figure(view, lang=lang, height=360, revision=run),
                               key=f"compare-plane-{i}", fit="square", token=(run, view.step, lang))


metrics_section()
samples_section()
