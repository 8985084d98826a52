"""Your own data: draw a 2-D distribution with the mouse or upload a CSV of points, or upload images (files, a
.zip, an .npz), then train on it at once."""
import numpy as np
import streamlit as st

from gan_core.runtime import uploads
from ui import browser, charts, owndata, server, upload_jobs
from ui.components.canvas import point_canvas
from ui.components.plotly_live import static_chart
from ui.i18n import current_lang, t

st.title(t("page.own_data"))
st.caption(t("own.intro"))
draw_tab, upload_tab, images_tab = st.tabs([t("own.draw"), t("own.upload"), t("own.images")])


def train_points(points: np.ndarray, where: str) -> None:
    """The points' preview and their Train button (one per tab: each tab trains on its own points)."""
    if len(points):
        static_chart(charts.points_figure(points, lang=current_lang()), key=f"own_preview_{where}")
    if st.button(t("own.train"), type="primary", key=f"btn_train_{where}"):
        if len(points) < owndata.MIN_POINTS:
            st.error(t("own.too_few", n=owndata.MIN_POINTS))
        else:
            path = owndata.save_points(points, server.registry().root, browser.browser_id())
            owndata.train_on("points", path, t("own.saved", n=len(points), path=path.name))


with draw_tab:
    st.caption(t("own.draw_help"))
    drawn = point_canvas("own_canvas", clear_label=t("own.clear"))
    st.caption(t("own.n_drawn", n=len(drawn)))
    train_points(drawn, "drawn")
with upload_tab:
    upload = st.file_uploader(t("own.file"), type=["csv", "txt"], key="own_upload",
                              help=t("own.file_help", mb=owndata.MAX_BYTES // 2**20, n=owndata.MAX_POINTS))
    uploaded = np.zeros((0, 2), dtype=np.float32)
    if upload is not None:
        try:
            uploaded = owndata.parse_points(upload.getvalue())
        except owndata.PointsError as exc:
            st.error(t("own.bad_file", msg=exc.text()))
    train_points(uploaded, "csv")
with images_tab:
    images = st.file_uploader(t("own.images_file"), type=uploads.UPLOAD_TYPES, accept_multiple_files=True,
                              key="own_images", help=t("own.images_help", mb=uploads.MAX_UPLOAD_BYTES // 2**20))
    note = st.session_state.pop(owndata.NOTE, None)
    if note:
        (st.info if note[0] == "info" else st.error)(note[1])
    job = upload_jobs.current(browser.browser_id())
    busy = job is not None and not job.future.done()
    if st.button(t("own.train_images"), type="primary", key="btn_train_images", disabled=not images or busy):
        upload_jobs.start([(f.name, f.getvalue()) for f in images], server.registry().root, browser.browser_id())
        st.rerun()
    if job is not None:
        st.fragment(run_every=0.5 if busy else None)(owndata.decode_panel)(job)
