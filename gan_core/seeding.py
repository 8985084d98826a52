"""Randomness a run owns, so that a run is bit-for-bit the same alone or beside 29 others in one process.

A run draws its initial weights from torch's global generator (the layers' own ``reset_parameters``), seeded
with its seed inside ``seeded``: one block at a time in the process, the global state restored after it.
Everything after that (noise, batches, dropout masks, gradient-penalty interpolates, instance noise) comes from
the run's own ``torch.Generator`` objects; nothing in a training step touches the global generator.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch
from torch import nn

_GLOBAL = threading.RLock()  # two runs initialising at once would otherwise take turns drawing from one stream


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """torch's global generator seeded with ``seed`` for the block (networks are built on the CPU), restored
    after it; held by one thread at a time."""
    with _GLOBAL, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class SeededDropout(nn.Dropout):
    """``nn.Dropout`` whose masks come from ``generator`` (the run's own; the global one while it is None).

    The same masks as ``F.dropout`` would draw from that generator's stream: keep with probability ``1 - p``,
    kept values scaled by ``1 / (1 - p)``; an identity at ``p = 0`` and in eval mode.
    """

    generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.p >= 1:
            return torch.zeros_like(x)
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep / (1 - self.p)


def bind_dropout(net: nn.Module, generator: torch.Generator) -> None:
    """Every ``SeededDropout`` of ``net`` draws its masks from ``generator``."""
    for module in net.modules():
        if isinstance(module, SeededDropout):
            module.generator = generator
