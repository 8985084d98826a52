"""Slow motion: a private Trainer per browser that ``gan_core.lessons.explain.explain_step`` advances one iteration
at a time. It starts from the current run's latest checkpoint (a 2-D run) or from the Train page's settings;
it never touches a training thread (a live run is copied through ``session.checkpoint()``)."""
from __future__ import annotations

import streamlit as st

from gan_core.config import POINT_DATASETS, TrainConfig
from gan_core.lessons.explain import explain_step
from gan_core.runtime import store
from gan_core.trainer import Trainer

from . import browser, controls, run_reads
from .i18n import t

KEY = "slowmo"


def source() -> tuple[str, TrainConfig | None, str]:
    """``(source_key, config, description)`` of where slow motion starts; config None for image data."""
    run = browser.current_run()
    cfg = run_reads.config_of(run) if run else {}
    if cfg.get("dataset") in POINT_DATASETS:
        return f"run:{run}", run_reads.run_config(run), t("step.from_run", run=run)
    form_cfg, _ = controls.form_config()
    if form_cfg is not None and form_cfg.is_points:
        return f"form:{form_cfg.to_json()}", form_cfg, t("step.from_form", dataset=form_cfg.dataset)
    return "none", None, ""


def _build(key: str, config: TrainConfig) -> Trainer:
    trainer = Trainer(config.replace(device="cpu"))
    if key.startswith("run:"):
        run = key[4:]
        sess = run_reads.live_session(run)
        ckpt = None
        if sess is not None and sess.trainer is not None and run_reads.is_active(sess):
            ckpt = sess.checkpoint()
        elif run_reads.has_checkpoint(run):
            ckpt = run_reads.run_dir(run) / "checkpoints" / "latest.pt"
        if ckpt is not None:
            trainer.load_state_dict(store.load_checkpoint(ckpt))
    return trainer


def get(key: str, config: TrainConfig, reset: bool = False) -> dict:
    """This browser's slow-motion state ``{"key", "trainer", "stages", "i"}`` for ``key`` (rebuilt on change)."""
    sm = st.session_state.get(KEY)
    if reset or sm is None or sm["key"] != key:
        sm = {"key": key, "trainer": _build(key, config), "stages": [], "i": 0}
        st.session_state[KEY] = sm
    return sm


def iterate(sm: dict) -> None:
    sm["stages"] = explain_step(sm["trainer"])
    sm["i"], sm["fresh"] = 0, True
