"""One GAN iteration in slow motion (GAN Lab's "step by step"): what each sub-step computes, as arrays to draw.

``explain_step(trainer)`` performs exactly one real iteration **on the trainer itself**: it calls
``trainer.step("both")`` (so the losses, penalties, clipping, optimisers and EMA are the Trainer's own code)
with thin recording wrappers around ``trainer.noise``, ``trainer.batcher.next``, ``trainer.d_update`` and
``trainer.g_update``. Afterwards the trainer has advanced by one step, exactly as ``trainer.step()`` would have
(the wrappers draw no random numbers), and the returned stages say what happened on the way:

  noise -> fakes -> d_scores -> d_loss -> d_gradients -> d_update -> g_scores -> g_loss -> g_gradients -> g_update

Only for 2-D data (``trainer.data.kind == "points"``); images raise ValueError. The drawings use D in eval mode
(no dropout) and without instance noise; the reported losses and gradient norms are the Trainer's own values.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from gan_core import losses

STAGES = ("noise", "fakes", "d_scores", "d_loss", "d_gradients", "d_update",
          "g_scores", "g_loss", "g_gradients", "g_update")


@dataclass(frozen=True)
class Stage:
    """One sub-step. ``arrays`` (numpy, at most ``max_points`` rows each) may hold: ``z`` (n, latent_dim),
    ``real`` (n, 2), ``fake`` (n, 2), ``fake_before`` (n, 2), ``grid_x`` (g,), ``grid_y`` (g,), ``logits`` (g, g),
    ``logit_change`` (g, g), ``grad`` (n, 2) = -dL_G/dx on each fake, ``d_real`` (n,), ``d_fake`` (n,).
    ``values`` are the numbers its sentence quotes (``loss_d``, ``d_real``, ``grad_norm_g``, ...)."""

    key: str
    part: str                                   # "d" (discriminator's turn) or "g" (generator's turn)
    arrays: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


def _np(t: torch.Tensor, n: int | None = None) -> np.ndarray:
    t = t.detach().float().cpu()
    return (t[:n] if n is not None else t).numpy().copy()


class _Recorder:
    """Wraps the trainer's methods on the instance (so ``Trainer.step`` calls them) and records what passes."""

    def __init__(self, trainer):
        self.tr = trainer
        self.z: list[tuple[torch.Tensor, torch.Tensor | None]] = []
        self.real: tuple[torch.Tensor, torch.Tensor | None] | None = None
        self.d: dict | None = None
        self.g: dict | None = None
        self._orig = {"noise": trainer.noise, "next": trainer.batcher.next,
                      "d_update": trainer.d_update, "g_update": trainer.g_update}

    def __enter__(self) -> _Recorder:
        tr, orig = self.tr, self._orig

        def noise(n):
            z, y = orig["noise"](n)
            self.z.append((z.detach().clone(), y))
            return z, y

        def next_batch():
            real, real_y = orig["next"]()
            if self.real is None:
                self.real = (real.detach().clone(), real_y)
            return real, real_y

        def d_update(fake=None, fake_y=None):
            if self.d is not None:
                return orig["d_update"](fake, fake_y)
            n_z = len(self.z)
            d_before = copy.deepcopy(tr.discriminator)
            out = orig["d_update"](fake, fake_y)
            if fake is None:  # drawn inside from the noise recorded just now; G has not changed since
                z, fake_y = self.z[n_z]
                with torch.no_grad():
                    fake = tr.generator(z, fake_y)
            self.d = {"before": d_before, "fake": fake.detach().clone(), "fake_y": fake_y, "out": out}
            return out

        def g_update(fake=None, fake_y=None):
            if self.g is not None:
                return orig["g_update"](fake, fake_y)
            n_z = len(self.z)
            g_before = copy.deepcopy(tr.generator)
            fake_before = fake.detach().clone() if fake is not None else None
            out = orig["g_update"](fake, fake_y)
            if fake is None:
                z, fake_y = self.z[n_z]
                with torch.no_grad():
                    fake_before = g_before(z, fake_y)
            else:
                z = self.z[0][0]
            with torch.no_grad():
                fake_after = tr.generator(z, fake_y)
            self.g = {"z": z, "fake_before": fake_before, "fake_after": fake_after, "fake_y": fake_y, "out": out}
            return out

        tr.noise, tr.d_update, tr.g_update, tr.batcher.next = noise, d_update, g_update, next_batch
        return self

    def __exit__(self, *exc) -> None:
        for name in ("noise", "d_update", "g_update"):
            self.tr.__dict__.pop(name, None)      # the class's methods show through again
        self.tr.batcher.__dict__.pop("next", None)


@torch.no_grad()
def _grid(disc, bounds, size: int, num_classes: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    xmin, xmax, ymin, ymax = bounds
    dev = next(disc.parameters()).device
    gx, gy = torch.linspace(xmin, xmax, size, device=dev), torch.linspace(ymin, ymax, size, device=dev)
    mesh = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1).reshape(-1, 2)
    labels = torch.zeros(mesh.shape[0], dtype=torch.long, device=dev) if num_classes else None
    return gx, gy, disc(mesh, labels).reshape(size, size)


def _eval(disc, fn):
    was = disc.training
    disc.eval()
    try:
        return fn()
    finally:
        disc.train(was)


def explain_step(trainer, grid: int = 48, max_points: int = 512) -> list[Stage]:
    """Run one real iteration of ``trainer`` (in place) and return its ten ``Stage`` s in order.

    Args:
        trainer: a ``gan_core.trainer.Trainer`` on 2-D data.
        grid: resolution of D's heatmap; max_points: rows kept per drawn array.
    Raises:
        ValueError: the trainer's data are images (slow motion draws the data plane).
    """
    if trainer.data.kind != "points":
        raise ValueError(f"slow motion needs 2-D data; dataset={trainer.config.dataset!r} holds images")
    cfg, nc = trainer.config, trainer.num_classes
    with _Recorder(trainer) as rec:
        trainer.step("both", sync=True)
    real, real_y = rec.real
    d, g = rec.d, rec.g
    disc_after = trainer.discriminator
    n = max_points

    def scores(disc, x, y):
        return _eval(disc, lambda: losses.d_output(cfg.loss, disc(x, y)))

    with torch.no_grad():
        gx, gy, logits_before = _eval(d["before"], lambda: _grid(d["before"], trainer.data.bounds, grid, nc))
        _, _, logits_after = _eval(disc_after, lambda: _grid(disc_after, trainer.data.bounds, grid, nc))
        dr_b, df_b = scores(d["before"], real, real_y), scores(d["before"], d["fake"], d["fake_y"])
        dr_a, df_a = scores(disc_after, real, real_y), scores(disc_after, d["fake"], d["fake_y"])
        dg_a = scores(disc_after, g["fake_before"], g["fake_y"])
    # G's gradient on each of its fakes, through the updated D: input gradient only, D's .grad untouched
    points = g["fake_before"].detach().clone().requires_grad_(True)
    g_loss = _eval(disc_after, lambda: losses.g_loss(cfg.loss, disc_after(points, g["fake_y"])))
    (grad,) = torch.autograd.grad(g_loss * points.shape[0], points)

    d_out, g_out = d["out"], g["out"]
    loss_d, loss_g = float(d_out["loss_d"]), float(g_out["loss_g"])
    vals = {"n": int(g["z"].shape[0]), "loss": cfg.loss, "loss_d": loss_d, "loss_g": loss_g,
            "d_real": float(dr_b.mean()), "d_fake": float(df_b.mean()),
            "d_real_after": float(dr_a.mean()), "d_fake_after": float(df_a.mean()),
            "g_d_fake": float(dg_a.mean()), "grad_norm_d": float(d_out["grad_norm_d"]),
            "grad_norm_g": float(g_out["grad_norm_g"]),
            "moved": float((g["fake_after"] - g["fake_before"]).norm(dim=1).mean()), "step": trainer.step_count}
    plane = {"grid_x": _np(gx), "grid_y": _np(gy)}
    base = {"real": _np(real, n), "fake": _np(d["fake"], n)}
    before = {**base, **plane, "logits": _np(logits_before), "d_real": _np(dr_b, n), "d_fake": _np(df_b, n)}
    after = {**base, **plane, "logits": _np(logits_after), "d_real": _np(dr_a, n), "d_fake": _np(df_a, n)}
    g_view = {"real": _np(real, n), "fake": _np(g["fake_before"], n), **plane, "logits": _np(logits_after),
              "d_fake": _np(dg_a, n)}
    z = rec.z[0][0]
    return [
        Stage("noise", "d", {"z": _np(z, n)}, vals),
        Stage("fakes", "d", dict(base), vals),
        Stage("d_scores", "d", before, vals),
        Stage("d_loss", "d", before, vals),
        Stage("d_gradients", "d", {**before, "logit_change": _np(logits_after - logits_before)}, vals),
        Stage("d_update", "d", after, vals),
        Stage("g_scores", "g", g_view, vals),
        Stage("g_loss", "g", g_view, vals),
        Stage("g_gradients", "g", {**g_view, "grad": _np(-grad, n)}, vals),
        Stage("g_update", "g", {**g_view, "fake_before": _np(g["fake_before"], n), "fake": _np(g["fake_after"], n)},
              vals),
    ]
