"""A run folder brought back to life: its config and a ``Trainer`` at its latest checkpoint. The one way the
command line (sample, evaluate), the dashboard (runs opened from disk) and an uploaded checkpoint restore a run.

``roots`` (``gan_core.paths.browser_roots``): the config comes from a browser's doing, so its data_root must lie
in those folders (``gan_core.data.user.browser_data_root``); ``None``: the command line's trusted user.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.parse
from pathlib import Path

import torch

from gan_core.config import TrainConfig
from gan_core.data.builtin import load_dataset
from gan_core.data.dataset import Dataset
from gan_core.data.user import browser_data_root
from gan_core.models import build_discriminator, build_generator
from gan_core.runtime import store
from gan_core.runtime.store import load_checkpoint
from gan_core.trainer import Trainer

FIXED_NOISE = 64   # the rows of a Trainer's fixed_noise


def checked_config(cfg: TrainConfig, roots: list[Path] | None) -> TrainConfig:
    """``cfg`` validated, with its data_root checked against ``roots`` (and resolved) unless ``roots`` is None."""
    cfg = cfg.validate()
    if roots is None:
        return cfg
    return cfg.replace(data_root=browser_data_root(cfg.data_root, roots)).validate()


def run_config(run_dir: str | Path, roots: list[Path] | None = None) -> TrainConfig:
    """The ``TrainConfig`` of a run folder. Raises ValueError if it is not a run folder, its config is bad, or
    (with ``roots``) its data_root lies outside them."""
    path = Path(run_dir) / "config.json"
    name = Path(run_dir).name
    if not path.is_file():
        raise ValueError(f"RUN_DIR={name!r} is not a run folder (no config.json)")
    try:
        text = path.read_text(encoding="utf-8")
        values = json.loads(text)
        if not isinstance(values, dict):
            raise ValueError("config JSON must be an object of key: value pairs")
        return checked_config(TrainConfig.from_dict(values), roots)
    except (OSError, UnicodeDecodeError, RecursionError, json.JSONDecodeError):
        raise ValueError(f"run {name!r}: its config.json cannot be read as a config") from None
    except ValueError as exc:
        raise ValueError(f"run {name!r}: its config.json: {exc}") from None


def restore(cfg: TrainConfig, state: dict, device: str = "cpu", data: Dataset | None = None) -> Trainer:
    """A Trainer for ``cfg`` restored from checkpoint ``state``.

    Before any network is built, the networks ``cfg`` would build are counted on the meta device and must not
    hold more weights than ``state`` does (a 2 kB checkpoint cannot make the server build 1.5 GB of networks),
    and ``fixed_noise`` must be ``(64, latent_dim)``. Raises ValueError naming what does not fit.
    """
    data = data if data is not None else load_dataset(cfg.dataset, cfg.data_root, n_points=cfg.n_points,
                                                      seed=cfg.seed)
    num_classes = data.num_classes if cfg.conditional else 0
    with torch.device("meta"):
        nets = {"generator": build_generator(cfg, data.item_shape, num_classes),
                "discriminator": build_discriminator(cfg, data.item_shape, num_classes)}
    for key, net in nets.items():
        saved = state.get(key)
        if not isinstance(saved, dict) or not all(isinstance(v, torch.Tensor) for v in saved.values()):
            raise ValueError(f"its {key} is not a state dict of tensors")
        need = sum(v.numel() for v in net.state_dict().values())
        have = sum(v.numel() for v in saved.values())
        if need > have * 1.01 + 1024:
            raise ValueError(f"its {key} holds {have:,} weights but its config builds one of "
                             f"{need:,}; allowed: a checkpoint saved with this config")
    noise = state.get("fixed_noise")
    if not isinstance(noise, torch.Tensor) or tuple(noise.shape) != (FIXED_NOISE, cfg.latent_dim):
        shape = tuple(noise.shape) if isinstance(noise, torch.Tensor) else type(noise).__name__
        raise ValueError(f"its fixed_noise has shape {shape}; allowed: "
                         f"({FIXED_NOISE}, latent_dim={cfg.latent_dim})")
    trainer = Trainer(cfg, data=data, device=device)
    try:
        trainer.load_state_dict(state)
    except (KeyError, RuntimeError, ValueError, TypeError, IndexError, AttributeError) as exc:
        first = (str(exc).splitlines() or [""])[0][:200]
        raise ValueError(f"its weights do not fit the networks its config builds "
                         f"({type(exc).__name__}: {first})") from None
    return trainer


def load_trainer(run_dir: str | Path, device: str = "cpu", roots: list[Path] | None = None) -> Trainer:
    """A Trainer restored from ``run_dir``'s latest checkpoint, on ``device``.

    Raises ValueError if the folder has no config or no checkpoint yet, either is corrupt, or (with ``roots``)
    the config's data_root lies outside them.
    """
    cfg = run_config(run_dir, roots).replace(device=device)
    ckpt = Path(run_dir) / "checkpoints" / "latest.pt"
    if not ckpt.is_file():
        raise ValueError(f"RUN_DIR={Path(run_dir).name!r} has no checkpoint yet (checkpoints/latest.pt)")
    try:
        return restore(cfg, load_checkpoint(ckpt), device)
    except ValueError as exc:
        raise ValueError(f"run {Path(run_dir).name!r}: {exc}") from None


def fork_run(run_dir: str | Path, root: str | Path | None = None) -> Path:
    """A copy of a stopped run as a new run folder under ``root``: its config, latest checkpoint, metrics and
    events (one consistent SQLite backup) and sample grids. Resuming someone else's run trains the copy, so
    the original's files are never overwritten by another browser. Returns the new folder.
    """
    src = Path(run_dir)
    cfg = run_config(src)
    ckpt = src / "checkpoints" / "latest.pt"
    if not ckpt.is_file():
        raise ValueError(f"run {src.name!r} has no checkpoint to resume from")
    dest = store.new_run_dir(cfg.dataset, root if root is not None else src.parent)
    try:
        (dest / "checkpoints").mkdir()
        shutil.copyfile(ckpt, dest / "checkpoints" / "latest.pt")
        db = src / "metrics.sqlite"
        if db.is_file():
            source = sqlite3.connect(f"file:{urllib.parse.quote(str(db.resolve()))}?mode=ro", uri=True, timeout=10)
            target = sqlite3.connect(dest / "metrics.sqlite")
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        (dest / "samples").mkdir()
        for png in sorted((src / "samples").glob("step_*.png"))[-200:]:
            shutil.copyfile(png, dest / "samples" / png.name)
        step = int(load_checkpoint(dest / "checkpoints" / "latest.pt").get("step", 0))
        with store.RunStore(dest, json.loads((src / "config.json").read_text(encoding="utf-8"))) as rs:
            rs.log_event(step, "fork", {"from": src.name})
            rs.set_status("stopped", step, f"a copy of run {src.name}")
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest
