"""What pages read of a run: the frozen ``Snapshot`` and the states a run goes through."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch

STATES = ("idle", "queued", "starting", "running", "paused", "finished", "stopped", "failed", "diverged",
          "interrupted")
ENDED = ("finished", "stopped", "failed", "diverged", "interrupted")


@dataclass(frozen=True)
class Snapshot:
    """What a page reads: an immutable copy of the run's state at one moment."""

    run_id: str
    state: str
    step: int
    metrics: Mapping[str, float] = field(default_factory=dict)
    error: str | None = None
    hint: str | None = None
    images_per_second: float = 0.0
    steps_per_second: float = 0.0
    elapsed: float = 0.0
    progress: float | None = None
    view: Any = None
    config: Mapping[str, Any] = field(default_factory=dict)
    queue_position: int = 0
    evaluation: Mapping | None = None   # latest quality evaluation (floats and lists such as missing_modes)
    alarm: Mapping | None = None        # mode-collapse alarm: {"kind", "lost", "best", "now", "message"}

    def __post_init__(self) -> None:
        # the mappings are read-only views of private copies: one reader cannot change what another sees
        for name in ("metrics", "config", "evaluation", "alarm"):
            value = getattr(self, name)
            if isinstance(value, dict):
                object.__setattr__(self, name, MappingProxyType(dict(value)))


def divergence_hint(config: Any) -> str:
    lr = getattr(config, "lr_d", getattr(config, "lr", None))
    return (f"The losses became NaN or infinite. Try a lower learning rate (half of {lr:g}), gradient clipping "
            "(grad_clip=1), WGAN-GP instead of plain WGAN, or spectral_norm=true; the last finite checkpoint "
            "was kept.") if lr else "The loss became NaN or infinite; try a lower learning rate."


def cpu_copy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: cpu_copy(v) for k, v in value.items()}
    return value
