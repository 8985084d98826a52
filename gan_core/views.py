"""What a page draws of a run at one step: an immutable ``View`` computed in the training thread.

Images: the fixed-noise sample grid pre-encoded as PNG. 2-D data: real points, fakes from fixed noise, D's
logits on a grid over the plane, the generator's gradient arrows on the fakes (GAN Lab's view), and D's
last-hidden-layer features of real and fake samples (the Discriminator page's feature space).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import torch

from gan_core import losses

N_POINTS = 512      # real and fake points drawn on the plane
N_FEATURES = 256    # samples whose D features are kept per view
GRID = 48           # heatmap resolution of D's decision surface


@dataclass(frozen=True)
class View:
    """One frozen picture of a run. Arrays are numpy copies; nothing refers back to live tensors."""

    kind: str                               # "images" | "points"
    step: int
    png: bytes | None = None                # images: fixed-noise sample grid
    real: np.ndarray | None = None          # points: (n, 2)
    fake: np.ndarray | None = None          # points: (n, 2), from the fixed noise
    grid_x: np.ndarray | None = None        # (GRID,)
    grid_y: np.ndarray | None = None        # (GRID,)
    logits: np.ndarray | None = None        # (GRID, GRID): D's logit at (grid_y[i], grid_x[j])
    grad: np.ndarray | None = None          # (n, 2): -dL_G/dx on each fake, the way G pushes it
    feat_real: np.ndarray | None = None     # (m, F) D's last hidden layer on real samples
    feat_fake: np.ndarray | None = None     # (m, F) ... on fake samples
    d_out_real: np.ndarray | None = None    # (m,) D(x) as probability / critic score
    d_out_fake: np.ndarray | None = None    # (m,)
    extras: dict = field(default_factory=dict)


def png_grid(images: torch.Tensor, nrow: int = 8) -> bytes:
    """Images ``(N, C, H, W)`` in [-1, 1] -> one PNG of an ``nrow``-wide grid (upscaled when tiny)."""
    from PIL import Image  # local: only image runs need PIL
    from torchvision.utils import make_grid

    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2)
    if x.shape[-1] < 28:
        x = torch.nn.functional.interpolate(x, scale_factor=28 // x.shape[-1] + 1, mode="nearest")
    grid = make_grid(x, nrow=nrow, padding=2, pad_value=1.0)
    array = (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    if array.shape[2] == 1:
        array = array[:, :, 0]
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _eval_mode(*nets):
    modes = [n.training for n in nets]
    for n in nets:
        n.eval()
    return modes


def make_view(trainer) -> View:
    """Compute the view of ``trainer`` (a ``Trainer``) at its current step without touching any ``.grad``."""
    data, cfg, disc = trainer.data, trainer.config, trainer.discriminator
    modes = _eval_mode(disc)
    try:
        idx = torch.linspace(0, data.x.shape[0] - 1, N_FEATURES, device=data.x.device).long()
        real = data.x[idx]
        real_y = data.y[idx] if (data.y is not None and trainer.num_classes) else None
        with torch.no_grad():
            noise = trainer.fixed_noise
            if noise.shape[0] < N_POINTS and data.kind == "points":
                extra = torch.randn(N_POINTS - noise.shape[0], cfg.latent_dim,
                                    generator=torch.Generator(device=noise.device).manual_seed(cfg.seed + 7),
                                    device=noise.device)
                noise = torch.cat([noise, extra])
            labels = trainer.fixed_labels
            if labels is not None and labels.shape[0] < noise.shape[0]:
                labels = labels.repeat(noise.shape[0] // labels.shape[0] + 1)[: noise.shape[0]]
            fake = trainer.generate(noise, labels)
            fake_labels = labels[: N_FEATURES] if labels is not None else None
            fr, ff = disc.features(real, real_y), disc.features(fake[: N_FEATURES], fake_labels)
            d_real = losses.d_output(cfg.loss, disc(real, real_y))
            d_fake = losses.d_output(cfg.loss, disc(fake[: N_FEATURES], fake_labels))
        common = dict(step=trainer.step_count, feat_real=_np(fr), feat_fake=_np(ff),
                      d_out_real=_np(d_real), d_out_fake=_np(d_fake))
        if data.kind == "images":
            return View(kind="images", png=png_grid(fake[:64]), **common)
        xmin, xmax, ymin, ymax = data.bounds
        gx = torch.linspace(xmin, xmax, GRID, device=fake.device)
        gy = torch.linspace(ymin, ymax, GRID, device=fake.device)
        mesh = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1).reshape(-1, 2)
        with torch.no_grad():
            mesh_labels = (torch.zeros(mesh.shape[0], dtype=torch.long, device=mesh.device)
                           if trainer.num_classes else None)
            logits = disc(mesh, mesh_labels).reshape(GRID, GRID)
        # G's gradient on each fake point: input gradient only, D's parameters untouched
        points = fake.detach().clone().requires_grad_(True)
        g_loss = losses.g_loss(cfg.loss, disc(points, labels))
        (grad,) = torch.autograd.grad(g_loss * points.shape[0], points)
        real_pts = data.x[torch.linspace(0, data.x.shape[0] - 1, N_POINTS, device=data.x.device).long()]
        return View(kind="points", real=_np(real_pts), fake=_np(fake), grid_x=_np(gx), grid_y=_np(gy),
                    logits=_np(logits), grad=_np(-grad), **common)
    finally:
        disc.train(modes[0])


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy().copy()
