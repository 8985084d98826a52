"""Adversarial examples and adversarial training (lessons 6 and 7): attack one test image with FGSM or PGD,
see accuracy fall with eps, train a robust classifier in the background, and fool a GAN's discriminator."""
import random

import streamlit as st

from gan_core.lessons import attack_views as av
from ui import attack_panels as ap
from ui.i18n import current_lang, plain, t

DATASETS = ("digits", "fashion_mnist", "mnist")

st.title(t("page.attacks"))
st.caption(t("atk.intro"))
lang = current_lang()

c1, c2 = st.columns([1, 2])
dataset = c1.selectbox(t("atk.dataset"), DATASETS, key="atk_dataset")
model_kind = c2.radio(t("atk.model"), (ap.STANDARD, ap.ROBUST, ap.DISC), key="atk_model", horizontal=True,
                      format_func=lambda k: t(f"atk.model.{k}"))
try:
    with st.spinner(t("atk.loading")):
        standard, test_acc = ap.classifier(dataset)
        x_test, y_test, num_classes = ap.test_split(dataset)
except (ValueError, OSError, RuntimeError) as exc:   # a dataset that is not on this machine
    st.error(t("err.generic", msg=plain(exc)))
    st.stop()
robust, robust_id = ap.robust(dataset)

k = st.columns([1, 1, 1, 1, 2])   # the target class box holds "untargeted" and Fashion-MNIST's names
method = k[0].selectbox(t("atk.method"), av.METHODS, key="atk_method", format_func=str.upper)
eps = k[1].number_input("eps", value=0.1, step=0.01, format="%.3f", key="atk_eps", help=t("atk.eps_help"))
alpha = k[2].number_input("alpha", value=0.02, step=0.005, format="%.3f", key="atk_alpha", help=t("atk.alpha_help"))
steps = k[3].number_input(t("atk.steps"), value=20, step=1, key="atk_steps", help=t("atk.steps_help"))
target = k[4].selectbox(t("atk.target"), [None, *range(num_classes)], key="atk_target",
                        format_func=lambda c: t("atk.untargeted", lang) if c is None else
                        ap.class_label(dataset, c, lang))
random_start = st.checkbox(t("atk.random_start"), value=True, key="atk_rs", help=t("atk.random_start_help"))
try:
    av.check_knobs(float(eps), float(alpha), int(steps))
    bad = None
except ValueError as exc:
    bad = str(exc)
    st.error(t("atk.bad_knob", msg=plain(bad)))

if model_kind == ap.DISC:   # the GAN's discriminator: push a fake towards "real" and a real towards "fake"
    ap.disc_section(float(eps), float(alpha), int(steps), bad, lang)
else:
    model = robust if model_kind == ap.ROBUST else standard
    if model is None:
        st.info(t("atk.no_robust"))
        model, model_kind = standard, ap.STANDARD
    st.caption(t("atk.model_acc", acc=test_acc) if model_kind == ap.STANDARD else t("atk.robust_from", id=robust_id))

    st.subheader(t("atk.sec_one"))
    i1, i2 = st.columns([5, 1])
    if i2.button(t("atk.random"), key="btn_atk_random", width="stretch"):
        st.session_state["atk_index"] = random.randrange(len(x_test))
    index = i1.slider(t("atk.index"), 0, len(x_test) - 1, key="atk_index")
    if bad is None:
        r = av.attack_one(model, x_test[index], int(y_test[index]), method=method, eps=float(eps), alpha=float(alpha),
                          steps=int(steps), random_start=random_start, target=target)
        m = st.columns(4)
        m[0].metric(t("atk.label"), ap.class_label(dataset, r.label, lang))
        m[1].metric(t("atk.pred_before"), ap.class_label(dataset, r.pred_before, lang),
                    help=t("atk.conf", p=r.probs_before.max()))
        m[2].metric(t("atk.pred_after"), ap.class_label(dataset, r.pred_after, lang),
                    help=t("atk.conf", p=r.probs_after.max()),
                    delta=t("atk.flipped") if r.pred_after != r.pred_before else t("atk.held"), delta_color="off")
        m[3].metric(t("atk.linf"), f"{r.linf:.3f}", help=t("atk.linf_help"))
        st.caption(t("atk.bound", eps=float(eps), linf=r.linf))
        left, right = st.columns([3, 2])
        left.plotly_chart(ap.images_figure(r, float(eps), lang), key="atk-images")
        right.plotly_chart(ap.probs_figure(r, lang, dataset), key="atk-probs")
        st.markdown(t("atk.notice_one", eps=float(eps)))

    st.subheader(t("atk.sec_curve"))
    ap.eps_section(dataset, standard, robust, robust_id, lang)
    st.markdown(t("atk.notice_curve"))

st.subheader(t("atk.sec_train"))
st.markdown(t("atk.notice_train"))
ap.training_controls(dataset)
