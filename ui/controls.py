"""The config form: every knob of ``TrainConfig`` as a widget, grouped as a student meets them.

The form's values live in ``st.session_state["form"]`` (a plain dict of config values) so they survive page
switches (Streamlit forgets the state of widgets a page did not draw). Widgets are keyed ``k.<name>``; their
defaults come from ``TrainConfig`` / a preset / ``TrainConfig.for_dataset`` when the dataset changes. While the
current run trains, knobs in ``LIVE_KEYS`` change it at once (``session.update``); the others are disabled.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from gan_core.config import (
    ACTIVATIONS,
    DATASETS,
    LIVE_KEYS,
    LOSSES,
    MODELS,
    OPTIMIZERS,
    TrainConfig,
    coerce,
    list_presets,
    load_preset,
)
from gan_core.data.user import BROWSER_ALLOWED, browser_data_root
from gan_core.paths import dataset_dirs
from gan_core.runtime import uploads

from . import browser, classroom, run_reads, server
from . import presets as presets_mod
from .i18n import code, current_lang, refusal, t

LR_VALUES = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1)
BATCH_VALUES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
# name -> (kind, options or (min, max, step, format)); kinds: select, log, int, float, bool, list, text
KNOBS: dict[str, tuple[str, Any]] = {
    "dataset": ("select", DATASETS), "n_points": ("int", (64, 1_000_000, 1000)), "data_root": ("text", None),
    "model": ("select", MODELS), "latent_dim": ("int", (1, 1024, 1)), "g_hidden": ("list", None),
    "d_hidden": ("list", None), "activation": ("select", ACTIVATIONS), "d_feature_dim": ("int", (0, 4096, 1)),
    "dcgan_width": ("int", (4, 256, 4)), "batchnorm_g": ("bool", None), "spectral_norm": ("bool", None),
    "minibatch_std": ("bool", None), "conditional": ("bool", None),
    "loss": ("select", LOSSES), "label_smoothing": ("float", (0.0, 0.5, 0.05, "%.2f")),
    "instance_noise": ("float", (0.0, 10.0, 0.05, "%.2f")),
    "optimizer_g": ("select", OPTIMIZERS), "optimizer_d": ("select", OPTIMIZERS),
    "lr_g": ("log", LR_VALUES), "lr_d": ("log", LR_VALUES), "beta1": ("float", (0.0, 0.9999, 0.05, "%.3f")),
    "beta2": ("float", (0.0, 0.99999, 0.001, "%.4f")), "momentum": ("float", (0.0, 0.999, 0.05, "%.2f")),
    "lr_decay": ("float", (0.01, 1.0, 0.05, "%.2f")), "d_steps": ("int", (1, 100, 1)), "g_steps": ("int", (1, 100, 1)),
    "batch_size": ("log", BATCH_VALUES),
    "gp_weight": ("float", (0.0, 1e4, 1.0, "%.1f")), "clip_value": ("float", (1e-6, 10.0, 0.005, "%.3f")),
    "grad_clip": ("float", (0.0, 1e6, 0.5, "%.2f")), "weight_decay": ("float", (0.0, 1.0, 1e-4, "%.4f")),
    "dropout_d": ("float", (0.0, 0.95, 0.05, "%.2f")), "ema": ("float", (0.0, 0.99999, 0.001, "%.4f")),
    "seed": ("int", (0, 2**31 - 1, 1)), "max_steps": ("int", (0, 10**9, 500)),
    "max_seconds": ("float", (0.0, 7 * 24 * 3600.0, 30.0, "%.0f")), "log_every": ("int", (1, 10**7, 1)),
    "snapshot_every": ("int", (1, 10**7, 10)),
}
GROUPS = {
    "data": ("dataset", "n_points", "data_root"),
    "networks": ("model", "latent_dim", "g_hidden", "d_hidden", "activation", "d_feature_dim", "dcgan_width",
                 "batchnorm_g", "spectral_norm", "minibatch_std", "conditional"),
    "objective": ("loss", "label_smoothing", "instance_noise"),
    "optimisers": ("optimizer_g", "optimizer_d", "lr_g", "lr_d", "beta1", "beta2", "momentum", "lr_decay",
                   "d_steps", "g_steps", "batch_size"),
    "tricks": ("gp_weight", "clip_value", "grad_clip", "weight_decay", "dropout_d", "ema"),
    "run": ("max_steps", "max_seconds", "seed", "log_every", "snapshot_every"),
}
CUSTOM = "__custom__"


def _key(name: str) -> str:
    return f"k.{name}"


def _to_widget(name: str, value: Any) -> Any:
    return ",".join(str(v) for v in value) if KNOBS[name][0] == "list" else value


def form() -> dict:
    """The form's config values (initialised from ``TrainConfig.for_dataset("ring8")``)."""
    if "form" not in st.session_state:
        st.session_state["form"] = TrainConfig.for_dataset("ring8").to_dict()
    return st.session_state["form"]


def load_form(values: dict) -> None:
    """Replace the form with ``values`` (a config dict) and reset every widget to it. A data_root in this
    browser's uploads folder shows as its name there (the form never shows the server's folders)."""
    defaults = TrainConfig().to_dict()
    full = {**defaults, **{k: _form_value(k, v, defaults[k]) for k, v in values.items() if k in defaults}}
    full["data_root"] = _shown_root(full["data_root"])
    st.session_state["form"] = full
    for name in KNOBS:
        st.session_state[_key(name)] = _to_widget(name, full[name])


def _form_value(name: str, value: Any, default: Any) -> Any:
    """``value`` as the form can show it, else ``default``: a run's hand-edited config.json may hold a wrong type
    or a value no widget accepts (a number outside its box, a choice it does not offer)."""
    try:
        value = coerce(name, value)
    except ValueError:
        return default
    kind, spec = KNOBS.get(name, ("other", None))
    if kind == "select" and value not in spec:
        return default
    if kind in ("int", "float") and not spec[0] <= value <= spec[1]:
        return default
    if kind == "log" and not 0 < value < 1e9:
        return default
    return value


_NAMED = ("<data>", "<datasets>")   # how the form names dataset_dirs(): the data folder, the system data sets
_ELSEWHERE = "<elsewhere>"           # a folder this browser may not name (another browser's uploads, ...)


def _shown_root(value: Any) -> Any:
    """``value`` as the form shows it: relative to this browser's uploads folder, ``<data>/...`` or
    ``<datasets>/...`` in a data set folder, else ``<elsewhere>/<its name>``: never a server folder
    (``_real_root`` turns the names back)."""
    if not isinstance(value, str) or not value:
        return value
    path = Path(value)
    for base, name in ((browser.data_roots()[0], ""), *zip(dataset_dirs(), _NAMED, strict=True)):
        try:
            rel = path.relative_to(base)
        except ValueError:
            continue
        return f"{name}/{rel}" if name else str(rel)
    return f"{_ELSEWHERE}/{path.name}"


def _real_root(value: Any) -> Any:
    """A data_root the form shows (``_shown_root``) as the path it names; the check that it may be read follows."""
    if not isinstance(value, str):
        return value
    head, _, rest = value.partition("/")
    if head == _ELSEWHERE:
        raise ValueError(f"data_root={value!r} is another browser's file or a folder of the server; "
                         f"{BROWSER_ALLOWED}")
    for base, name in zip(dataset_dirs(), _NAMED, strict=True):
        if head == name:
            return str(base / rest)
    return value


def form_config() -> tuple[TrainConfig | None, str | None]:
    """The form as a validated ``TrainConfig``, or ``(None, message)``: the bad value named in the student's
    language, for a markdown text (``i18n.refusal``)."""
    values = dict(form())
    try:
        values["data_root"] = browser_data_root(_real_root(values.get("data_root") or ""), browser.data_roots())
        return TrainConfig.from_dict(values).validate(), None
    except ValueError as exc:
        return None, refusal(exc)


def _on_preset() -> None:
    classroom.clear_lesson()   # another preset: the lesson link's hidden settings no longer apply
    st.session_state.pop("preset_base", None)
    name = st.session_state.get("preset")
    if name and name != CUSTOM and name in list_presets():
        load_form(load_preset(name).to_dict())


def _on_change(name: str) -> None:
    raw = st.session_state[_key(name)]
    values = form()
    if name == "dataset":   # the new set's defaults, but what the preset or the student set stays (an MLP stays one)
        load_form(presets_mod.switch_dataset(values, raw))
        return
    values[name] = raw
    sess = run_reads.live_session(browser.current_run())
    if name in LIVE_KEYS and run_reads.is_active(sess) and browser.owns(sess):
        try:
            new = sess.update(**{name: raw})
            st.session_state["flash"] = ("success", t("train.updated", key=name, value=new[name]))
        except ValueError as exc:
            st.session_state["flash"] = ("error", t("train.bad_update", msg=refusal(exc)))


def preset_order(presets: dict[str, dict]) -> list[str]:
    """Preset names in the course's order: by lesson number, then by name."""
    return sorted(presets, key=lambda n: (int(presets[n].get("lesson") or 10**6), n))


def option_label(value: Any, lang: str | None = None) -> str:
    """A select knob's value as the student reads it (``opt.<value>``; the value itself where none is written)."""
    text = t(f"opt.{value}", lang)
    return str(value) if text == f"opt.{value}" else text


def preset_picker() -> None:
    """The preset selectbox (labelled with the lesson) and the description in the current language."""
    presets = list_presets()
    names = [CUSTOM] + preset_order(presets)
    lang = current_lang()   # bound now: the labels stay those of the page drawn
    lesson = lambda n: t("train.custom", lang) if n == CUSTOM else \
        f"{n} · {t('train.lesson', lang, n=presets[n].get('lesson'))}"
    browser.keep_choice("preset", names, CUSTOM)  # its labels change with the language
    follow_form(presets_all=presets)
    st.selectbox(t("train.preset"), names, key="preset", format_func=lesson, on_change=_on_preset,
                 help=t("train.preset_help"))
    name = st.session_state.get("preset", CUSTOM)
    if name in presets:
        desc = t(f"preset.{name}")   # a preset the locale files lack shows its JSON's English description
        st.caption(presets[name].get("description", "") if desc == f"preset.{name}" else desc)
    elif st.session_state.get("preset_base") in presets:
        base = st.session_state["preset_base"]
        changed = presets_mod.summary(form(), presets_mod.differences(form(), load_preset(base).to_dict()))
        if changed:
            st.caption(t("train.preset_changed", preset=base, changed=changed))


def chosen_preset() -> str | None:
    """The preset the form shows, or None while it holds the student's own settings."""
    name = st.session_state.get("preset", CUSTOM)
    return None if name == CUSTOM else name


def follow_form(presets_all: dict) -> None:
    """The preset box names a preset only while the form still is that preset (``ui.presets.matches``); once a
    knob differs it shows "(your own settings)" and remembers the preset for the caption under it (and names it
    again when the form is back to it)."""
    name, base = st.session_state.get("preset"), st.session_state.get("preset_base")
    if name in presets_all and not presets_mod.matches(form(), name):
        st.session_state["preset"] = st.session_state["_kept.preset"] = CUSTOM
        st.session_state["preset_base"] = name
    elif name == CUSTOM and base in presets_all and presets_mod.matches(form(), base):
        st.session_state["preset"] = st.session_state["_kept.preset"] = base
        del st.session_state["preset_base"]


def _on_open() -> None:
    upload = st.session_state.get("open_file")
    if upload is None:
        return
    try:
        if upload.name.lower().endswith(".json"):
            load_form(uploads.read_config(upload.getvalue(), upload.name).to_dict())
            st.session_state["preset"] = CUSTOM
            st.session_state["flash"] = ("success", t("open.config", name=code(upload.name)))
        else:
            run_dir = uploads.import_checkpoint(upload.getvalue(), upload.name, server.registry().root,
                                                browser=browser.browser_id())
            browser.mark_own(run_dir.name)
            browser.select_run(run_dir.name)
            step = run_reads.status(run_dir.name)["step"]
            st.session_state["flash"] = ("success", t("open.checkpoint", name=code(upload.name), run=run_dir.name,
                                                      step=step))
    except ValueError as exc:
        st.session_state["flash"] = ("error", t("open.bad", msg=code(exc)))


def file_opener() -> None:
    """Open a downloaded config (fills the form) or checkpoint (becomes a stopped run, selected)."""
    st.caption(t("open.caption", mb=uploads.MAX_UPLOAD_BYTES // 2**20))   # Streamlit's own box stays English
    st.file_uploader(t("open.label"), type=["json", "pt"], key="open_file", on_change=_on_open,
                     help=t("open.help", mb=uploads.MAX_UPLOAD_BYTES // 2**20))


def _visible(name: str, values: dict) -> bool:
    opt = (values.get("optimizer_g"), values.get("optimizer_d"))
    return {"data_root": values.get("dataset") in ("points", "folder"), "dcgan_width": values.get("model") == "dcgan",
            "gp_weight": values.get("loss") == "wgan_gp", "clip_value": values.get("loss") == "wgan",
            "n_points": values.get("dataset") in ("ring8", "grid25", "spiral", "quadratic", "two_curves"),
            "beta1": "adam" in opt, "beta2": "adam" in opt,
            "momentum": "sgd" in opt or "rmsprop" in opt}.get(name, True)


def knobs(locked: bool, watching: bool = False) -> None:
    """Every visible knob, grouped in expanders. ``locked``: a run trains, so non-live knobs are disabled.
    ``watching``: the current run trains in another browser: every knob is disabled (none would apply to it)."""
    values = form()
    hidden = set(classroom.hidden_knobs())   # a lesson link shows only what its lesson is about
    if hidden:
        st.caption(t("lesson.hidden", n=len(hidden)))
    if watching:
        st.caption(t("train.watch_knobs"))
    for group, names in GROUPS.items():
        if all(name in hidden for name in names):
            continue
        with st.expander(t(f"group.{group}"), expanded=group in ("data", "optimisers")):
            for name in names:
                if _visible(name, values) and name not in hidden:
                    _widget(name, values, disabled=watching or locked and name not in LIVE_KEYS,
                            live=locked and not watching, watching=watching)


def _widget(name: str, values: dict, disabled: bool, live: bool, watching: bool = False) -> None:
    kind, spec = KNOBS[name]
    key = _key(name)
    if key not in st.session_state:
        st.session_state[key] = _to_widget(name, values[name])
    help_text = t(f"help.{name}") + ("\n\n" + t("train.watch_knobs") if watching else
                                     "\n\n" + t("train.frozen_help") if disabled else
                                     "\n\n" + t("train.live_help") if live and name in LIVE_KEYS else "")
    common = dict(key=key, help=help_text, disabled=disabled, on_change=_on_change, args=(name,))
    label = t(f"knob.{name}")
    if kind == "select":
        lang = current_lang()   # bound now: the labels must stay those of the page drawn
        st.selectbox(label, spec, format_func=lambda v: option_label(v, lang), **common)
    elif kind == "log":
        options = sorted(set(spec) | {st.session_state[key]})
        st.select_slider(label, options, format_func=lambda v: f"{v:g}", **common)
    elif kind == "bool":
        st.checkbox(label, **common)
    elif kind == "int":
        lo, hi, step = spec
        st.number_input(label, min_value=lo, max_value=hi, step=step, **common)
    elif kind == "float":
        lo, hi, step, fmt = spec
        st.number_input(label, min_value=float(lo), max_value=float(hi), step=float(step), format=fmt, **common)
    else:
        st.text_input(label, **common)
