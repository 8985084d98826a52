"""Latent space: samples of one latent batch, interpolation (lerp and slerp; strip and GIF), latent sliders,
the class x noise grid of conditional generators, and for 2-D data G's map of the latent plane."""
import numpy as np
import streamlit as st

from gan_core.lessons import latent as gl
from gan_core.views import png_grid
from ui import inspect_charts as ic
from ui import inspect_source as src
from ui import run_reads
from ui.components.plotly_live import static_chart
from ui.i18n import current_lang, plain, t

N, NCOL, DIMS = 32, 8, 6  # samples in the batch, grid width, latent sliders

run = src.page_run("page.latent", "lat.intro")
lang = current_lang()


def notice(key: str, **values) -> None:
    st.markdown(f"**{t('disc.notice')}** " + t(key, **values))


def _new_batch() -> None:
    st.session_state["lat_seed"] = st.session_state.get("lat_seed", 0) + 1


def _random_pair() -> None:
    a, b = np.random.default_rng().choice(N, size=2, replace=False)
    st.session_state["lat_a"], st.session_state["lat_b"], st.session_state["lat_next"] = int(a), int(b), "a"


top, button = st.columns([4, 1], vertical_alignment="bottom")
refresh = button.button(t("lat.refresh"), key="btn_lat_refresh", help=t("lat.refresh_help"), width="stretch")
try:
    tr = src.pinned(run, "lat_model", refresh)
except (ValueError, RuntimeError, OSError) as exc:
    st.error(t("err.generic", msg=plain(exc)))
    st.stop()
if tr is None:
    st.info(t("disc.no_model"))
    st.stop()
now = run_reads.status(run)["step"]
top.markdown(t("lat.model_step", step=tr.step_count)
             + (" · " + t("lat.run_at", now=now) if now > tr.step_count else ""))
images = tr.data.kind == "images"
real = None if images else gl.data_points(tr)
label = None
if tr.num_classes:
    names = tr.data.class_names or tuple(str(k) for k in range(tr.num_classes))
    label = st.selectbox(t("lat.class"), range(tr.num_classes), key="lat_class", help=t("lat.class_help"),
                         format_func=lambda k: names[k])

# ---- 1. one latent batch ---------------------------------------------------------------------------------------
st.subheader(t("lat.grid"))
seed = st.session_state.setdefault("lat_seed", 0)
a, b = st.session_state.setdefault("lat_a", 0), st.session_state.setdefault("lat_b", 1)
z = gl.latent_batch(tr, N, seed)
x = gl.generate(tr, z, label)
left, right = st.columns([3, 1], gap="large")
with left:
    fig = (ic.sample_grid_figure(png_grid(x, NCOL), N, NCOL, picks={"a": a, "b": b}, lang=lang) if images
           else ic.latent_points_figure(real, x.numpy(), picks={"a": a, "b": b}, lang=lang))
    static_chart(fig, key="lat_grid", on_select=lambda: src.on_pick("lat_grid", "lat_"), selection_mode="points",
                    config={"displayModeBar": False})
with right:
    st.button(t("lat.new_batch"), key="btn_lat_batch", on_click=_new_batch, width="stretch")
    st.caption(t("lat.batch_seed", seed=seed))
    notice("lat.grid_text")

# ---- 2. interpolation -------------------------------------------------------------------------------------------
st.subheader(t("lat.interp"))
c1, c2, c3, c4, c5 = st.columns([1, 1, 1.2, 2, 2], vertical_alignment="bottom")
a = c1.number_input(t("lat.a"), 0, N - 1, key="lat_a")
b = c2.number_input(t("lat.b"), 0, N - 1, key="lat_b")
c3.button(t("lat.random"), key="btn_lat_random", on_click=_random_pair, width="stretch")
frames = c4.slider(t("lat.frames"), 4, 16, 8, key="lat_frames")
mode = c5.segmented_control(t("lat.mode"), ["slerp", "lerp"], default="slerp", key="lat_mode",
                            format_func=lambda m: t(f"lat.{m}")) or "slerp"
paths = {m: gl.interpolate(tr, z[a], z[b], n=frames, mode=m, label=label) for m in ("lerp", "slerp")}
if images:
    gif = gl.gif_bytes(paths[mode])
    left, right = st.columns([3, 1], gap="large")
    for m in ("lerp", "slerp"):
        left.caption(t(f"lat.{m}"))
        left.image(png_grid(paths[m], nrow=frames), width="stretch")
else:
    gif = gl.gif_bytes(gl.points_frames(paths[mode].numpy(), real, tr.data.bounds))
    left, right = st.columns([3, 1], gap="large")
    left.plotly_chart(ic.path_figure(real, {m: p.numpy() for m, p in paths.items()}, lang=lang), key="lat_paths")
right.image(gif, caption=t(f"lat.{mode}"), width="stretch")
right.download_button(t("lat.gif"), gif, file_name=f"interpolation-{mode}-step{tr.step_count}.gif",
                      mime="image/gif", key="btn_lat_gif", width="stretch")
notice("lat.interp_text")

# ---- 3. latent sliders ------------------------------------------------------------------------------------------
st.subheader(t("lat.sliders"))
dims = min(DIMS, tr.config.latent_dim)
left, right = st.columns([3, 1], gap="large")
cols = left.columns(min(dims, 3))
values = [cols[i % len(cols)].slider(f"z[{i}]", -3.0, 3.0, float(round(z[a][i].item(), 2)), 0.05,
                                     key=f"lat_dim{i}_{seed}_{a}") for i in range(dims)]
point = gl.generate(tr, gl.with_values(z[a], values)[None], label)
if images:
    right.image(png_grid(point, nrow=1), caption=t("lat.this"), width=160)
else:
    right.plotly_chart(ic.path_figure(real, {}, point=point[0].numpy(), lang=lang, height=300,
                                      revision="slider"), key="lat_point")
left.markdown(f"**{t('disc.notice')}** " + t("lat.sliders_text", dims=dims, d=tr.config.latent_dim))

# ---- 4. class x noise; the latent plane of 2-D runs ---------------------------------------------------------
if tr.num_classes:
    st.subheader(t("lat.cond"))
    st.image(png_grid(gl.class_noise_grid(tr, NCOL, seed), nrow=NCOL), width=min(640, 64 * NCOL))
    notice("lat.cond_text")
if not images and tr.config.latent_dim <= 2:
    st.subheader(t("lat.mesh"))
    zm, xm = gl.latent_mesh(tr)
    left, right = st.columns([3, 1], gap="large")
    left.plotly_chart(ic.mesh_figure(real, zm, xm, lang=lang), key="lat_mesh")
    with right:
        notice("lat.mesh_text" if tr.config.latent_dim == 2 else "lat.mesh_text_1d")
