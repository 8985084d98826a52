"""Live curves: losses, D's output, gradient norms and learning rates; other runs overlaid; change markers."""
import streamlit as st

from ui import browser, charts, run_names, run_reads
from ui.components.plotly_live import live_chart, zoom_of
from ui.i18n import current_lang, t

MAX_POINTS = 3000  # per trace: long runs stay fast
WINDOWS = (0, 500, 2000, 10_000, 50_000)

st.title(t("page.curves"))
run = browser.current_run()
if run is None:
    st.info(t("train.no_run"))
    st.stop()

runs = [r["run_id"] for r in run_reads.run_list()]
c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
names = run_names.names(runs)
others = c1.multiselect(t("curves.compare"), [r for r in runs if r != run], key="compare_runs",
                        help=t("curves.compare_help"), format_func=lambda r: names.get(r, r))
smooth = c2.slider(t("curves.smooth"), 0.0, 0.99, 0.0, 0.01, key="smooth", help=t("curves.smooth_help"))
browser.keep_choice("window", WINDOWS, 0)  # "all" is translated
last = c3.select_slider(t("curves.window"), WINDOWS, key="window", help=t("curves.window_help"),
                        format_func=lambda w: t("curves.all") if w == 0 else f"{w:,}")
with st.container(horizontal=True, gap="large"):   # a row of their own: in a narrow column the labels were cut
    log_y = st.toggle(t("curves.log"), key="log_y", help=t("curves.log_help"))
    paused = st.toggle(t("curves.pause"), key="pause_updates", help=t("curves.pause_help"))

active = run_reads.status(run)["state"] in run_reads.ACTIVE


@st.fragment(run_every=None if paused or not active else browser.refresh_s())
def curves() -> None:
    revision = f"{run}-{log_y}-{last}"
    zoom = zoom_of("curves-main", revision)  # a zoomed window comes at full resolution
    data, cfg = run_reads.series(run, max_points=MAX_POINTS, zoom=zoom), run_reads.config_of(run)
    if len(data.get("step", ())) == 0:
        st.caption(t("curves.empty", n=cfg.get("log_every", 10)))
    compare = [(names.get(rid, rid), run_reads.series(rid, max_points=MAX_POINTS, zoom=zoom))
               for rid in others if rid in runs]
    fig = charts.curves_figure(data, ("loss", "dout", "grad", "lr"), events=run_reads.events(run), others=compare,
                               smooth=smooth, log_y=log_y, last=last, lang=current_lang(), revision=revision,
                               loss=cfg.get("loss", ""))
    live_chart(fig, key="curves-main", follow_y=True)
    st.caption(t("curves.markers"))


curves()
