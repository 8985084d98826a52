"""One step, slowly: one real iteration cut into its sub-steps, each drawn on the 2-D plane and explained."""
import streamlit as st

from ui import browser, charts, slowmo
from ui.components.plotly_live import static_chart
from ui.i18n import code, current_lang, t

st.title(t("page.step"))
st.caption(t("step.intro"))
try:
    key, config, where = slowmo.source()
    sm = slowmo.get(key, config) if config is not None else None
except ValueError as exc:   # the run's config or checkpoint cannot be read, or its data cannot be used
    st.error(t("err.generic", msg=code(exc)))
    st.stop()
if config is None:
    st.info(t("step.images_only"))
    st.stop()
st.caption(t("step.source", what=where))

c1, c2 = st.columns([2, 1])
if c2.button(t("step.reset"), key="btn_slow_reset", width="stretch"):
    sm = slowmo.get(key, config, reset=True)
if c1.button(t("step.iterate"), type="primary", key="btn_slow_iter", width="stretch"):
    slowmo.iterate(sm)

stages = sm["stages"]
if not stages:
    st.info(t("step.press"))
    st.stop()


def _move(delta: int) -> None:
    st.session_state["slow_stage"] = min(max(st.session_state.get("slow_stage", 0) + delta, 0), len(stages) - 1)


if st.session_state.get("slow_stage", 0) >= len(stages) or sm.pop("fresh", False):
    st.session_state["slow_stage"] = 0
browser.keep_choice("slow_stage", list(range(len(stages))), 0)  # its labels are translated
b1, b2, b3 = st.columns([1, 4, 1], vertical_alignment="bottom")
b1.button(t("step.prev"), key="btn_slow_prev", on_click=_move, args=(-1,), width="stretch")
b3.button(t("step.next"), key="btn_slow_next", on_click=_move, args=(1,), width="stretch")
sm["i"] = b2.select_slider(t("step.stage"), list(range(len(stages))), key="slow_stage",
                           format_func=lambda i: t(f"stage.{stages[i].key}"))
stage = stages[sm["i"]]
st.subheader(t(f"stage.{stage.key}"))
st.markdown(t(f"stage.{stage.key}.text", **stage.values))
static_chart(charts.stage_figure(stage, lang=current_lang()), key="stage_chart")
st.caption(t("step.iteration", n=stage.values["step"]))
