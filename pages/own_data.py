"""Your own data: draw a 2-D distribution with the mouse or upload a CSV of points, then train on it at once."""
import numpy as np
import streamlit as st

from gan_core.config import TrainConfig
from ui import charts, controls, owndata, state
from ui.components.canvas import point_canvas
from ui.i18n import current_lang, t

st.title(t("page.own_data"))
st.caption(t("own.intro"))
draw_tab, upload_tab = st.tabs([t("own.draw"), t("own.upload")])
points = np.zeros((0, 2), dtype=np.float32)
with draw_tab:
    st.caption(t("own.draw_help"))
    drawn = point_canvas("own_canvas", clear_label=t("own.clear"))
    st.caption(t("own.n_drawn", n=len(drawn)))
    points = drawn
with upload_tab:
    upload = st.file_uploader(t("own.file"), type=["csv", "txt"], key="own_upload",
                              help=t("own.file_help", mb=owndata.MAX_BYTES // 2**20, n=owndata.MAX_POINTS))
    if upload is not None:
        try:
            points = owndata.parse_points(upload.getvalue())
        except owndata.PointsError as exc:
            st.error(t("own.bad_file", msg=exc.text()))

if len(points):
    st.plotly_chart(charts.points_figure(points, lang=current_lang()), key="own_preview")
if st.button(t("own.train"), type="primary", key="btn_train_own"):
    if len(points) < owndata.MIN_POINTS:
        st.error(t("own.too_few", n=owndata.MIN_POINTS))
    else:
        path = owndata.save_points(points, state.registry().root)
        budget = {k: controls.form().get(k, 0) for k in ("max_steps", "max_seconds")}
        config = TrainConfig.for_dataset("points", data_root=str(path), **budget)
        controls.load_form(config.to_dict())
        sess = state.start_run(config)
        st.session_state["flash"] = ("success", t("own.saved", n=len(points), path=path.name) + " "
                                     + t("train.started", run=sess.run_id))
        st.switch_page("pages/train.py")
