"""What the networks learned: D's feature space, one update seen before and after (the latent-space tools
live in ``gan_core.lessons.latent`` and are re-exported here).

Every function reads a *private copy* of a run's networks (``frozen_copy``): inspecting a live run never
changes its weights, optimiser state, random generator, ``.grad`` or train/eval mode. Results are numpy arrays
or tensors on the CPU; pages only lay them out (the Discriminator and Latent space pages).
"""
from __future__ import annotations

import copy
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gan_core.seeding import bind_dropout

N_INSPECT = 256  # real and fake samples whose features an update experiment follows (as views.N_FEATURES)


# ---- private copies ------------------------------------------------------------------------------------
def frozen_copy(source: Any, seed: int = 0):
    """A private copy of a ``Trainer`` (or of a ``TrainingSession``'s trainer) with its own networks and
    optimisers, in eval mode, with its own random generator; data and config are shared read-only.

    For a session the copy is taken while holding its step lock, so it is one consistent training step.
    Raises ValueError when the session has no trainer yet.
    """
    holding = source.between_steps() if hasattr(source, "between_steps") else nullcontext(source)
    with holding as trainer:
        # one deepcopy call: the optimisers' parameter references map onto the copied networks (shared memo)
        nets = copy.deepcopy({"generator": trainer.generator, "discriminator": trainer.discriminator,
                              "ema_generator": trainer.ema_generator, "opt_g": trainer.opt_g,
                              "opt_d": trainer.opt_d, "fixed_noise": trainer.fixed_noise,
                              "fixed_labels": trainer.fixed_labels, "step_count": trainer.step_count})
    clone = copy.copy(trainer)
    clone.__dict__.update(nets)
    clone.rng = torch.Generator(device=trainer.device).manual_seed(seed)
    clone.aux_rng = torch.Generator(device=trainer.device).manual_seed(seed + 3)   # the copy's dropout masks
    bind_dropout(clone.discriminator, clone.aux_rng)
    clone.batcher = None  # the live batcher's position is not ours to advance
    for net in (clone.generator, clone.discriminator, clone.ema_generator):
        if net is not None:
            net.eval()
    return clone


@contextmanager
def _eval(*nets: torch.nn.Module):
    modes = [n.training for n in nets]
    for n in nets:
        n.eval()
    try:
        yield
    finally:
        for n, m in zip(nets, modes, strict=True):
            n.train(m)


# ---- D's feature space --------------------------------------------------------------------------------
@torch.no_grad()
def d_features(discriminator: torch.nn.Module, x: torch.Tensor, y: torch.Tensor | None = None,
               batch: int = 512) -> np.ndarray:
    """D's last hidden layer on ``x`` in eval mode, in batches.

    Shape: ``x`` ``(n, *item_shape)``, ``y`` ``(n,)`` or None -> ``(n, F)`` float32.
    """
    with _eval(discriminator):
        parts = [discriminator.features(x[i:i + batch], None if y is None else y[i:i + batch])
                 for i in range(0, x.shape[0], batch)]
    return torch.cat(parts).float().cpu().numpy()


def centroid(features: np.ndarray) -> np.ndarray:
    """The mean feature vector ``(F,)`` of ``(n, F)``."""
    return np.asarray(features, dtype=np.float64).mean(axis=0)


def centroid_gap(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between the centroids of ``a`` ``(n, F)`` and ``b`` ``(m, F)``."""
    return float(np.linalg.norm(centroid(a) - centroid(b)))


def pca_2d(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project ``a`` ``(n, F)`` and ``b`` ``(m, F)`` on the top two principal axes of both together.

    Signs are fixed so that ``a``'s centroid lies on the positive side of each axis relative to ``b``'s (real on
    the right and on top when ``a`` is real), so pictures of consecutive steps do not flip.
    Returns ``(proj_a (n, 2), proj_b (m, 2), components (2, F))``; ``F == 1`` pads a zero second axis.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    both = np.concatenate([a, b])
    mean = both.mean(axis=0)
    _, _, vt = np.linalg.svd(both - mean, full_matrices=False)
    comps = np.zeros((2, both.shape[1]))
    comps[: min(2, len(vt))] = vt[:2]
    for k in range(2):
        gap = (a.mean(axis=0) - b.mean(axis=0)) @ comps[k]
        if gap < 0 or (gap == 0 and comps[k][np.argmax(np.abs(comps[k]))] < 0):
            comps[k] = -comps[k]
    return (a - mean) @ comps.T, (b - mean) @ comps.T, comps


def linear_probe_accuracy(feat_real: np.ndarray, feat_fake: np.ndarray, *, test_fraction: float = 0.5,
                          seed: int = 0, ridge: float = 1e-2) -> float:
    """How linearly separable real and fake features are: balanced held-out accuracy of a ridge-LDA probe.

    A stratified split (``seed``) fits Fisher's discriminant on standardised features; 0.5 = inseparable,
    1.0 = a hyperplane tells them apart. Deterministic. Raises ValueError with fewer than 4 samples per class.
    """
    r, f = np.asarray(feat_real, dtype=np.float64), np.asarray(feat_fake, dtype=np.float64)
    if min(len(r), len(f)) < 4:
        raise ValueError(f"linear_probe_accuracy needs >= 4 samples per class, got {len(r)} real, {len(f)} fake")
    rng = np.random.default_rng(seed)
    split = [rng.permutation(len(c)) for c in (r, f)]
    n_test = [max(1, int(round(len(c) * test_fraction))) for c in (r, f)]
    train = [c[p[n:]] for c, p, n in zip((r, f), split, n_test, strict=True)]
    test = [c[p[:n]] for c, p, n in zip((r, f), split, n_test, strict=True)]
    both = np.concatenate(train)
    mu, sd = both.mean(axis=0), both.std(axis=0)
    sd[sd < 1e-8] = 1.0  # dead units carry no information
    train = [(c - mu) / sd for c in train]
    test = [(c - mu) / sd for c in test]
    m1, m0 = train[0].mean(axis=0), train[1].mean(axis=0)
    within = sum(np.cov(c, rowvar=False, bias=True).reshape(len(mu), len(mu)) for c in train) / 2
    w = np.linalg.solve(within + ridge * np.eye(len(mu)), m1 - m0)
    b = -w @ (m1 + m0) / 2
    return float(((test[0] @ w + b > 0).mean() + (test[1] @ w + b <= 0).mean()) / 2)


@dataclass(frozen=True)
class UpdateEffect:
    """D's features of the same real samples and the same fakes (same z) before and after ``steps`` updates."""

    part: str                   # "g" | "d"
    steps: int
    step: int                   # the run's step the copy was taken at
    real_before: np.ndarray     # (n, F)
    real_after: np.ndarray
    fake_before: np.ndarray     # (m, F)
    fake_after: np.ndarray

    def centroids(self) -> dict[str, np.ndarray]:
        """``{"real_before", "real_after", "fake_before", "fake_after"}`` -> ``(F,)``."""
        return {k: centroid(getattr(self, k)) for k in ("real_before", "real_after", "fake_before", "fake_after")}

    @property
    def real_moved(self) -> float:
        """Largest change of any real sample's feature (exactly 0 for a G update: D did not change)."""
        return float(np.abs(self.real_after - self.real_before).max())

    @property
    def fake_moved(self) -> float:
        """How far the fake centroid moved."""
        return centroid_gap(self.fake_after, self.fake_before)

    @property
    def gap_before(self) -> float:
        """Distance between the real and the fake centroid before the updates."""
        return centroid_gap(self.real_before, self.fake_before)

    @property
    def gap_after(self) -> float:
        return centroid_gap(self.real_after, self.fake_after)

    @property
    def closer(self) -> bool:
        """Did the updates bring the two centroids closer (what a G update does while the clouds are apart)?"""
        return self.gap_after < self.gap_before


class _FixedBatch:
    """Stands in for the trainer's Batcher: D's update sees exactly the real samples being followed."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor | None):
        self.x, self.y, self.batch_size = x, y, x.shape[0]

    def next(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.x, self.y


def inspect_batch(trainer, n: int = N_INSPECT, seed: int = 0):
    """The samples an experiment follows: ``(real, real_y, z, fake_y)``.

    Real: ``n`` evenly spaced training items (as the snapshots' views); z: the run's fixed noise, extended with
    seeded draws to ``n``; fake labels cycle through the classes (conditional models), else None.
    """
    data, dev = trainer.data, trainer.device
    idx = torch.linspace(0, data.x.shape[0] - 1, n, device=data.x.device).long()
    real = data.x[idx]
    real_y = data.y[idx] if (data.y is not None and trainer.num_classes) else None
    z = trainer.fixed_noise[:n]
    if z.shape[0] < n:
        gen = torch.Generator(device=dev).manual_seed(trainer.config.seed + 7 + seed)
        z = torch.cat([z, torch.randn(n - z.shape[0], z.shape[1], generator=gen, device=dev)])
    fake_y = torch.arange(n, device=dev) % trainer.num_classes if trainer.num_classes else None
    return real, real_y, z, fake_y


def update_effect(source: Any, part: str = "g", steps: int = 1, n: int = N_INSPECT, seed: int = 0) -> UpdateEffect:
    """Make ``steps`` generator (``part="g"``) or discriminator (``"d"``) updates on a private copy of the run
    and return D's features of the same real samples and the same fakes before and after.

    The updates use the run's own ``g_update``/``d_update`` (its loss, optimiser state and learning rate) on
    the followed batch, so a G update leaves every real feature exactly where it was.
    """
    if part not in ("g", "d"):
        raise ValueError(f"part={part!r} is not allowed; choose one of: g, d")
    if not isinstance(steps, int) or not 1 <= steps <= 1000:
        raise ValueError(f"steps={steps!r} is out of range; allowed: an integer from 1 to 1000")
    tr = frozen_copy(source, seed)
    real, real_y, z, fake_y = inspect_batch(tr, n, seed)
    tr.batcher = _FixedBatch(real, real_y)

    def features() -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad(), _eval(tr.generator):
            fake = tr.generator(z, fake_y)
        return d_features(tr.discriminator, real, real_y), d_features(tr.discriminator, fake, fake_y)

    real_before, fake_before = features()
    tr.generator.train()      # dropout and instance noise draw from the copy's own generator (frozen_copy)
    tr.discriminator.train()
    for _ in range(steps):
        if part == "g":
            tr.g_update(tr.generator(z, fake_y), fake_y)
        else:
            with torch.no_grad():
                fake = tr.generator(z, fake_y)
            tr.d_update(fake, fake_y)
    real_after, fake_after = features()
    return UpdateEffect(part, steps, int(tr.step_count), real_before, real_after, fake_before, fake_after)


def probe_history(views: list) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, accuracy)`` of ``linear_probe_accuracy`` on each view's features (views without skipped)."""
    steps, acc = [], []
    for v in views:
        fr, ff = getattr(v, "feat_real", None), getattr(v, "feat_fake", None)
        if fr is not None and ff is not None and min(len(fr), len(ff)) >= 4:
            steps.append(v.step)
            acc.append(linear_probe_accuracy(fr, ff))
    return np.asarray(steps, dtype=np.int64), np.asarray(acc, dtype=np.float64)
