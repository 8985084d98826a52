"""What lives as long as the server, shared by every browser: ``st.cache_resource`` singletons.

The run registry (every live run of the class), torch's thread setting, the device label, the browsers seen
lately (how often each redraws), the teacher's broadcast and the server-wide count of wrong teacher tokens.
Nothing here belongs to one browser (that is ``ui.browser``).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import streamlit as st

from gan_core.paths import runs_root
from gan_core.runtime.registry import RunRegistry


@st.cache_resource(show_spinner=False)
def registry_at(root: str) -> RunRegistry:
    """The ``RunRegistry`` of runs folder ``root`` (one per folder and server); with ``$GAN_RAY_ADDRESS``, a
    ``RayRegistry``: the class's runs live on that Ray cluster (``gan_core/runtime/ray_backend.py``)."""
    if os.environ.get("GAN_RAY_ADDRESS"):
        from gan_core.runtime.ray_backend import RayRegistry
        return RayRegistry(root=root)       # type: ignore[return-value]  (the same interface)
    return RunRegistry(root=root)


def registry() -> RunRegistry:
    """The one ``RunRegistry`` of this server for the current runs folder (``$GAN_RUNS_DIR``)."""
    return registry_at(str(runs_root()))


@st.cache_resource(show_spinner=False)
def configure_threads() -> int:
    """Set torch's intra-op threads once per server: leave a core to the web server when there are many."""
    import torch

    from gan_core.device import default_threads

    threads = int(os.environ.get("GAN_THREADS") or default_threads(serving=True))
    torch.set_num_threads(threads)
    # The first optimiser of a process imports torch._dynamo (about 3 s on a laptop CPU): pay it now, in the
    # background, so the first Start reaches its first point quickly.
    threading.Thread(target=lambda: torch.optim.Adam([torch.zeros(1, requires_grad=True)]), daemon=True,
                     name="warm-up").start()
    return threads


@st.cache_resource(show_spinner=False)
def device_label() -> tuple[str, int]:
    """("cuda: <name>" | "mps" | "cpu", threads) of the device runs use by default."""
    import torch

    from gan_core.device import resolve_device

    dev = resolve_device("auto")
    if dev.type == "cuda":
        return f"GPU · {torch.cuda.get_device_name(0)}", 0
    if dev.type == "mps":
        return "Apple GPU (mps)", 0
    return "cpu", torch.get_num_threads()


@st.cache_resource(show_spinner=False)
def browsers_seen() -> dict[str, float]:
    """``{browser id: when it last redrew a live panel}``: how many browsers watch now (``browser.refresh_s``)."""
    return {}


@st.cache_resource(show_spinner=False)
def broadcast_board() -> dict:
    """What the teacher broadcasts: ``{"run": run id or None}``, one dict for every browser of this server."""
    return {"run": None}


@st.cache_resource(show_spinner=False)
def token_guesses() -> dict:
    """Server-wide count of wrong teacher tokens: ``{"lock", "fails", "last", "until"}``."""
    return {"lock": threading.Lock(), "fails": 0, "last": 0.0, "until": 0.0}


@st.cache_resource(show_spinner=False)
def worker(name: str) -> tuple[ThreadPoolExecutor, dict, threading.Lock]:
    """One background thread of the server named ``name`` (work a page must not wait for: decoding an upload,
    a robust model's curve), with a dict of its jobs and the lock that guards the dict."""
    return ThreadPoolExecutor(1, thread_name_prefix=name), {}, threading.Lock()
