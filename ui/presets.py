"""What the form has to do with the lesson presets: which preset it still is, what a dataset switch keeps, which
image sets this computer holds, and a preset's contrast run. No widgets here (``ui.lesson_tools`` draws them).

A form *is* a preset while every knob but the run's length, seed and logging equals the preset's: the preset box
names it only then. Switching the dataset keeps every knob the form sets apart from the old dataset's defaults
(a preset's own architecture, the student's own changes) and takes the new dataset's defaults for the rest, so
``mnist-mlp-classic`` on Fashion-MNIST stays the classic MLP with its widths.
"""
from __future__ import annotations

import re
from typing import Any

import streamlit as st

from gan_core.config import DATASETS, TrainConfig, list_presets, load_preset
from gan_core.data.builtin import load_dataset
from gan_core.paths import default_data_dir

# knobs that do not make another experiment: how long, which seed, how often it logs, where it runs
RUN_KEYS = frozenset({"seed", "max_steps", "max_seconds", "log_every", "snapshot_every", "eval_every",
                      "checkpoint_every", "device", "threads"})
DOWNLOADED = ("mnist", "fashion_mnist", "cifar10")   # image sets torchvision fetches when they are missing
OFFLINE_CHOICES = ("fashion_mnist", "digits")        # offered instead (Fashion-MNIST: the system package)
_MISSING = re.compile(r"^DatasetUnavailable: Dataset '(\w+)' is not available")   # a run's error (session.py)


def normalised(values: dict) -> dict | None:
    """``values`` (a form dict; list knobs may be text like "16,16") as a config dict, or None when invalid."""
    try:
        return TrainConfig.from_dict(values).to_dict()
    except (TypeError, ValueError):
        return None


def differences(values: dict, base: dict) -> list[str]:
    """The knobs (not ``RUN_KEYS``) whose value in ``values`` differs from ``base``, in config order."""
    a, b = normalised(values), normalised(base)
    if a is None or b is None:
        return ["?"]
    return [k for k in a if k not in RUN_KEYS and a[k] != b.get(k)]


def matches(values: dict, name: str) -> bool:
    """True when the form ``values`` is still preset ``name`` (up to ``RUN_KEYS``)."""
    try:
        return not differences(values, load_preset(name).to_dict())
    except ValueError:
        return False


def matching(values: dict) -> str | None:
    """The preset the config ``values`` is (up to ``RUN_KEYS``), or None."""
    return next((name for name in list_presets() if matches(values, name)), None)


def switch_dataset(values: dict, dataset: str) -> dict:
    """The form after its dataset changes to ``dataset``: the new dataset's defaults, then every knob that
    ``values`` sets apart from the old dataset's defaults (an MLP preset stays that MLP with its widths).

    Raises ValueError for an unknown dataset."""
    old = values.get("dataset")
    base = TrainConfig.for_dataset(old).to_dict() if old in DATASETS else TrainConfig().to_dict()
    mine = normalised(values) or {}
    own = {k: v for k, v in mine.items() if k != "dataset" and v != base.get(k)}
    return TrainConfig.for_dataset(dataset, **own).to_dict()


def contrast_of(name: str | None) -> str | None:
    """The preset a lesson pairs with ``name`` (its JSON's ``"contrast"``), when both exist."""
    presets = list_presets()
    other = (presets.get(name) or {}).get("contrast") if name else None
    return other if isinstance(other, str) and other in presets and other != name else None


def contrast_config(name: str, seed: int) -> TrainConfig:
    """Preset ``name`` with ``seed``: the contrast run starts from the same seed as the run it is compared with."""
    return load_preset(name).replace(seed=int(seed))


@st.cache_data(ttl=30, show_spinner=False, max_entries=32)
def _on_disk(dataset: str, data_root: str, home: str) -> bool:
    try:
        load_dataset(dataset, data_root, download=False)
    except ValueError:   # DatasetUnavailable, or a data_root that holds something else
        return False
    return True


def on_this_computer(dataset: str, data_root: str = "") -> bool:
    """False for an image set torchvision would have to download (not in ``data_root`` or the data folder)."""
    if dataset not in DOWNLOADED:
        return True
    return _on_disk(dataset, data_root or "", str(default_data_dir()))


def offline_choices(dataset: str) -> list[str]:
    """The image sets this computer holds that can stand in for ``dataset`` (Fashion-MNIST, digits)."""
    return [d for d in OFFLINE_CHOICES if d != dataset and on_this_computer(d)]


def missing_cause(error: str | None) -> str | None:
    """The dataset a run failed to find (its error is gan_core's ``DatasetUnavailable``), or None."""
    found = _MISSING.match((error or "").strip())
    return found.group(1) if found else None


def summary(values: dict[str, Any], keys: list[str]) -> str:
    """``"lr_g 0.005, loss minimax"``: the named knobs with their values in ``values``."""
    def fmt(v: Any) -> str:
        return f"{v:g}" if isinstance(v, float) else ",".join(map(str, v)) if isinstance(v, list) else str(v)
    norm = normalised(values) or values
    return ", ".join(f"{k} {fmt(norm[k])}" for k in keys if k in norm)
