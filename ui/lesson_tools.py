"""The Train page's lesson helpers: say before Start that an image set is missing (and offer the sets this computer
holds, the preset's architecture kept), and run a lesson's contrast (its paired preset, same seed) to open both
side by side on Compare runs."""
from __future__ import annotations

import streamlit as st

from . import browser, controls, presets, run_reads, server
from .i18n import t

COMPARE_PAGE = "pages/compare.py"
REQUEST = "compare_request"   # the runs Compare opens with (read once by pages/compare.py)


def _arch(values: dict) -> str:
    cfg = presets.normalised(values) or values
    if cfg.get("model") == "dcgan":
        return f"DCGAN ({t('data.width')} {cfg.get('dcgan_width')})"
    return "MLP " + "-".join(str(w) for w in cfg.get("g_hidden") or ())


def _use(dataset: str) -> None:
    controls.load_form(presets.switch_dataset(controls.form(), dataset))
    st.session_state["flash"] = ("success", t("data.switched", dataset=controls.option_label(dataset),
                                              arch=_arch(controls.form())))


def missing_data(config) -> None:
    """Before Start: the form's image set is not on this computer. Say so (Start would need the internet) and
    offer a button per set that is here, each keeping the form's own architecture."""
    values = controls.form()
    dataset = values.get("dataset", "")
    root = getattr(config, "data_root", "") if config is not None else ""
    if dataset not in presets.DOWNLOADED or presets.on_this_computer(dataset, root):
        return
    choices = presets.offline_choices(dataset)
    st.warning(t("data.missing", dataset=controls.option_label(dataset), arch=_arch(values)),
               icon=":material/cloud_off:")
    if choices:
        cols = st.columns(len(choices))
        for col, choice in zip(cols, choices, strict=True):
            col.button(t("data.use", dataset=controls.option_label(choice)),
                       key=f"btn_use_{choice}", on_click=_use, args=(choice,), width="stretch")


def contrast(run_id: str | None) -> None:
    """"Run the contrast" for a preset that has one: the paired preset starts with the seed of the preset's run
    (the current run when it is that preset, else one started now from the form) and Compare opens on both."""
    name = st.session_state.get("preset")
    other = presets.contrast_of(name)
    if other is None:
        return
    if st.button(t("contrast.run", other=other), key="btn_contrast", icon=":material/compare:", width="stretch",
                 help=t("contrast.help", preset=name, other=other)):
        base = run_id if run_id and presets.matches(run_reads.config_of(run_id), name) else None
        if base is None:
            config, error = controls.form_config()
            if config is None:
                st.session_state["flash"] = ("error", t("train.bad_config", msg=error))
                st.rerun()
            base = browser.start_run(config).run_id
        seed = int(run_reads.config_of(base).get("seed") or 0)
        paired = server.registry().create(presets.contrast_config(other, seed), owner=browser.browser_id())
        paired.start()
        st.session_state[REQUEST] = [base, paired.run_id]
        st.switch_page(COMPARE_PAGE)
    st.caption(t("contrast.cap", other=other))
