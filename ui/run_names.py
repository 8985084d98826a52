"""Readable run names: the preset or dataset a run was made from and the knobs it set apart from it, e.g.
``ring8-collapse · lr_g 0.005 · seed 1``, or the name a student gave it. The run id stays the run's address
(``?run=``, the folder); names are only shown: in the run picker, legends, captions and on Compare.

A given name lives in the run's folder (``name.txt``, one line), so every browser and a later server see it.
"""
from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable

import streamlit as st

from gan_core.config import TrainConfig, list_presets, load_preset

from . import browser, presets, run_reads
from .i18n import plain, t

NAME_FILE = "name.txt"
MAX_LEN = 60
MAX_PARTS = 3     # knobs named after the preset or dataset; more become "+N"
SKIP = presets.RUN_KEYS - {"seed"} | {"data_root"}   # the seed tells runs apart; a data path is no name


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else ",".join(map(str, v)) if isinstance(v, list) else str(v)


@functools.lru_cache(maxsize=1024)
def _auto(config_json: str) -> str:
    cfg = presets.normalised(json.loads(config_json))
    if cfg is None:
        return str(json.loads(config_json).get("dataset", "?"))
    skip = lambda keys: [k for k in keys if k not in SKIP]
    best, best_diff = cfg["dataset"], skip(presets.differences(cfg, TrainConfig.for_dataset(cfg["dataset"]).to_dict()))
    for name, body in list_presets().items():
        if (body.get("config") or {}).get("dataset", "ring8") != cfg["dataset"]:
            continue
        diff = skip(presets.differences(cfg, load_preset(name).to_dict()))
        if len(diff) < len(best_diff) or len(diff) == len(best_diff) and best == cfg["dataset"]:
            best, best_diff = name, diff
    parts = [f"{k} {_fmt(cfg[k])}" for k in best_diff[:MAX_PARTS]]
    if len(best_diff) > MAX_PARTS:
        parts.append(f"+{len(best_diff) - MAX_PARTS}")
    if cfg.get("seed"):
        parts.append(f"seed {cfg['seed']}")
    return " · ".join([best, *parts])


def auto_name(config: dict) -> str:
    """The name a run with ``config`` gets by itself: the nearest preset of its dataset (else the dataset), then
    the knobs that differ from it and a seed other than 0."""
    return _auto(json.dumps(config, sort_keys=True, default=str))


def clean(text: str) -> str:
    """A name as typed: one line, no control characters, at most ``MAX_LEN`` characters, spaces trimmed."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text or ""))
    return " ".join(text.split())[:MAX_LEN]


def given_name(run_id: str) -> str:
    """The name a student gave ``run_id``, or ""."""
    try:
        return clean((run_reads.run_dir(run_id) / NAME_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return ""


def name_of(run_id: str) -> str:
    return given_name(run_id) or auto_name(run_reads.config_of(run_id))


def rename(run_id: str, text: str) -> str:
    """Give ``run_id`` the name ``text`` (cleaned); an empty one goes back to the automatic name. Returns it."""
    path = run_reads.run_dir(run_id) / NAME_FILE
    name = clean(text)
    if name:
        path.write_text(name + "\n", encoding="utf-8")
    elif path.exists():
        path.unlink()
    return name_of(run_id)


def names(run_ids: Iterable[str]) -> dict[str, str]:
    """``{run_id: name}``, two runs with the same name told apart by their id's last 4 characters."""
    ids = list(dict.fromkeys(run_ids))
    out = {r: name_of(r) for r in ids}
    seen: dict[str, int] = {}
    for name in out.values():
        seen[name] = seen.get(name, 0) + 1
    return {r: f"{n} · #{r[-4:]}" if seen[n] > 1 else n for r, n in out.items()}


def _on_name(run_id: str) -> None:
    try:
        name = rename(run_id, st.session_state.get(f"run_name.{run_id}", ""))
        st.session_state["flash"] = ("success", t("names.renamed", name=plain(name)))
    except (OSError, ValueError):   # the folder went away or is read-only: say so without its path
        st.session_state["flash"] = ("error", t("names.not_saved", run=run_id))


def name_box(run_id: str) -> None:
    """The run's name, editable by whoever may control it (its owner; anyone for a run only on disk)."""
    sess = run_reads.live_session(run_id)
    key = f"run_name.{run_id}"
    if key not in st.session_state:
        st.session_state[key] = given_name(run_id)
    st.text_input(t("names.label"), key=key, placeholder=auto_name(run_reads.config_of(run_id)), max_chars=MAX_LEN,
                  on_change=_on_name, args=(run_id,), disabled=sess is not None and not browser.owns(sess),
                  help=t("names.help", run=run_id))
