"""A run folder brought back to life: its config and a ``Trainer`` at its latest checkpoint. The one way the
command line (sample, evaluate) and the dashboard (runs opened from disk) restore a run."""
from __future__ import annotations

from pathlib import Path

from gan_core.config import TrainConfig
from gan_core.runtime.store import load_checkpoint
from gan_core.trainer import Trainer


def run_config(run_dir: str | Path) -> TrainConfig:
    """The ``TrainConfig`` of a run folder. Raises ValueError if it is not a run folder or its config is bad."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ValueError(f"RUN_DIR={Path(run_dir).name!r} is not a run folder (no config.json)")
    return TrainConfig.from_json(path.read_text(encoding="utf-8"))


def load_trainer(run_dir: str | Path, device: str = "cpu") -> Trainer:
    """A Trainer restored from ``run_dir``'s latest checkpoint, on ``device``.

    Raises ValueError if the folder has no config or no checkpoint yet.
    """
    cfg = run_config(run_dir).replace(device=device)
    ckpt = Path(run_dir) / "checkpoints" / "latest.pt"
    if not ckpt.is_file():
        raise ValueError(f"RUN_DIR={Path(run_dir).name!r} has no checkpoint yet (checkpoints/latest.pt)")
    trainer = Trainer(cfg, device=device)
    trainer.load_state_dict(load_checkpoint(ckpt))
    return trainer
