"""Runs of lesson pages whose trainer is not a GAN (distribution shift, GAN augmentation).

They train in this server's slots (the same cap and queue as GAN runs) but live in
``<runs_root>/_lessons/<kind>/``, so the sidebar's run picker and the GAN pages never see them. The current
run of each kind is kept per browser in ``st.session_state["lesson.<kind>"]``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from gan_core.runtime.registry import RunRegistry
from gan_core.runtime.session import TrainingSession

from . import browser, run_reads, server


@st.cache_resource(show_spinner=False)
def _registry(root: str) -> RunRegistry:
    main = server.registry()   # one scheduler for every run this server trains (with Ray, the lessons' stay here)
    return RunRegistry(root=root, share_slots_with=main if isinstance(main, RunRegistry) else None)


def registry(kind: str) -> RunRegistry:
    return _registry(str(server.registry().root / "_lessons" / kind))


def start(kind: str, config: Any, factory: Callable[[Any], Any]) -> TrainingSession:
    """Create and start a run of ``factory(config)`` owned by this browser; it becomes the current one."""
    sess = registry(kind).create(config, owner=browser.browser_id(), trainer_factory=factory)
    sess.start()
    st.session_state[f"lesson.{kind}"] = sess.run_id
    return sess


def current(kind: str) -> TrainingSession | None:
    """This browser's latest run of ``kind`` while the server still holds it."""
    run_id = st.session_state.get(f"lesson.{kind}")
    return registry(kind).get(run_id) if run_id else None


def active(sess: TrainingSession | None) -> bool:
    return sess is not None and sess.snapshot().state in run_reads.ACTIVE
