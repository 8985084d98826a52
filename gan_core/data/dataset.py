"""One dataset as tensors, and the batcher that walks it.

A dataset is one tensor (no DataLoader): points ``(N, 2)`` in their own coordinates, images ``(N, C, H, W)``
float32 in ``[-1, 1]``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch


class DatasetUnavailable(ValueError):
    """A dataset could not be found or downloaded; the message says where to put the files."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """One dataset as tensors. ``x``: points ``(N, 2)`` or images ``(N, C, H, W)`` in [-1, 1]."""

    name: str
    kind: str                                   # "points" | "images"
    x: torch.Tensor
    y: torch.Tensor | None                      # (N,) int64 or None
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    modes: torch.Tensor | None = None           # (M, 2) mode centres for ring8 / grid25
    mode_std: float = 0.0
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    source: str = "generated"

    @property
    def item_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    def to(self, device: torch.device | str) -> Dataset:
        """The same dataset with its tensors on ``device``."""
        move = (lambda t: None if t is None else t.to(device))
        return dataclasses.replace(self, x=move(self.x), y=move(self.y), modes=move(self.modes))


def bounds(x: torch.Tensor) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) around the points, padded by 10% of the larger side, for plots."""
    lo, hi = x.min(0).values, x.max(0).values
    pad = max(0.1 * float((hi - lo).max()), 0.05)
    return (float(lo[0]) - pad, float(hi[0]) + pad, float(lo[1]) - pad, float(hi[1]) + pad)


def to_unit(u8: np.ndarray) -> torch.Tensor:
    """uint8 0..255 -> float32 in [-1, 1] (255 / 127.5 is exact)."""
    return torch.from_numpy(np.ascontiguousarray(u8, dtype=np.float32)).div_(127.5).sub_(1.0)


def labelled(name: str, x: torch.Tensor, labels: np.ndarray, names: tuple[str, ...], source: str) -> Dataset:
    """An image dataset with one int64 label per image; mismatched files raise ``DatasetUnavailable``."""
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64).reshape(-1))
    if len(y) != len(x):
        raise DatasetUnavailable(f"{source}: {len(x)} images but {len(y)} labels; the files do not match")
    return Dataset(name, "images", x, y, len(names), names, source=source)


class Batcher:
    """Shuffled mini-batches by index slicing on the data's own device (no DataLoader, no per-item Python).

    Batches walk through one random permutation per epoch; a batch that crosses the end of an epoch takes
    the rest of it and the start of the next, so every index appears exactly once per epoch.
    ``batch_size`` may be reassigned between calls; larger than N is clamped to N.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor | None, batch_size: int, *, seed: int = 0) -> None:
        if x.shape[0] < 1 or (y is not None and len(y) != len(x)):
            raise ValueError(f"Batcher needs N >= 1 items and as many labels; got x {tuple(x.shape)}")
        self.x, self.y, self.batch_size = x, y, int(batch_size)
        self.n, self.epoch, self._pos = int(x.shape[0]), 0, 0
        self._gen = torch.Generator().manual_seed(seed)   # on the CPU: the same order on every device
        self._perm = self._shuffle()

    def _shuffle(self) -> torch.Tensor:
        return torch.randperm(self.n, generator=self._gen).to(self.x.device)

    def next(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next batch: ``x[idx]`` and ``y[idx]`` (or None), with ``len(idx) = min(batch_size, N)``."""
        b = min(max(int(self.batch_size), 1), self.n)
        if self._pos + b <= self.n:
            idx = self._perm[self._pos:self._pos + b]
            self._pos += b
        else:
            rest = self._perm[self._pos:]
            self._perm, self.epoch, self._pos = self._shuffle(), self.epoch + 1, b - len(rest)
            idx = torch.cat([rest, self._perm[:self._pos]])
        # index_select, not x[idx]: advanced indexing measured 3x (1 thread) to 40x (2 threads) slower on CPU.
        return self.x.index_select(0, idx), (None if self.y is None else self.y.index_select(0, idx))
