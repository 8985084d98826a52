"""G's latent space: straight and spherical interpolation, a seeded latent batch, the class x noise grid, the
warped latent mesh of 2-D runs, and animated GIFs of interpolations (the Latent space page).

Functions take a ``Trainer`` (use ``gan_core.lessons.features.frozen_copy`` for a live run) and return CPU tensors or
numpy arrays; everything runs under ``torch.no_grad`` through ``Trainer.generate`` (eval mode).
"""
from __future__ import annotations

import io

import numpy as np
import torch


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Straight line ``(1 - t) z0 + t z1``. Shapes: ``z0``, ``z1`` ``(d,)``, ``t`` ``(n,)`` -> ``(n, d)``."""
    t = torch.as_tensor(t, dtype=z0.dtype, device=z0.device)[:, None]
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for GANs): a great-circle arc, so for equal norms
    every point keeps the norm where Gaussian latents live; (anti)parallel vectors fall back to ``lerp``.

    Shapes: ``z0``, ``z1`` ``(d,)``, ``t`` ``(n,)`` -> ``(n, d)``.
    """
    t = torch.as_tensor(t, dtype=z0.dtype, device=z0.device)
    cos = torch.dot(z0 / z0.norm().clamp_min(eps), z1 / z1.norm().clamp_min(eps)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if torch.sin(omega).abs() < eps:
        return lerp(z0, z1, t)
    s = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / s)[:, None] * z0 + (torch.sin(t * omega) / s)[:, None] * z1


def interpolate(trainer, z0: torch.Tensor, z1: torch.Tensor, n: int = 10, mode: str = "slerp",
                label: int | None = None) -> torch.Tensor:
    """Generated samples along the path from ``z0`` to ``z1`` (both ends included) on the CPU.

    Returns ``(n, *item_shape)``: images in [-1, 1] or 2-D points. ``label``: class for conditional models.
    """
    if mode not in ("lerp", "slerp"):
        raise ValueError(f"mode={mode!r} is not allowed; choose one of: lerp, slerp")
    if not 2 <= n <= 256:
        raise ValueError(f"n={n} is out of range; allowed: 2 to 256")
    t = torch.linspace(0, 1, n)
    z = (lerp if mode == "lerp" else slerp)(z0.float().cpu(), z1.float().cpu(), t)
    return generate(trainer, z, label)


def generate(trainer, z: torch.Tensor, label: int | torch.Tensor | None = None) -> torch.Tensor:
    """``trainer.generate`` for ``z`` ``(n, latent_dim)`` with one class (int) or labels ``(n,)``; on the CPU."""
    labels = None
    if trainer.num_classes:
        labels = label if isinstance(label, torch.Tensor) else torch.full((z.shape[0],), int(label or 0))
        labels = labels.long().to(trainer.device)
    return trainer.generate(z.to(trainer.device), labels).cpu()


def latent_batch(trainer, n: int = 32, seed: int = 0) -> torch.Tensor:
    """A seeded latent batch ``(n, latent_dim)`` on the CPU (the same seed gives the same z)."""
    return torch.randn(n, trainer.config.latent_dim, generator=torch.Generator().manual_seed(seed))


def class_noise_grid(trainer, n_noise: int = 8, seed: int = 0) -> torch.Tensor:
    """Class x noise grid of a conditional generator: row = class, column = one z shared by every row.

    Returns ``(num_classes * n_noise, *item_shape)`` row-major. Raises ValueError for unconditional models.
    """
    k = trainer.num_classes
    if not k:
        raise ValueError("class_noise_grid needs a conditional generator (conditional=true)")
    z = latent_batch(trainer, n_noise, seed).repeat(k, 1)
    labels = torch.arange(k).repeat_interleave(n_noise)
    return generate(trainer, z, labels)


def latent_mesh(trainer, n: int = 21, lim: float = 2.5) -> tuple[np.ndarray, np.ndarray]:
    """G's image of a regular latent grid, for 2-D data with a 1- or 2-D latent space.

    Returns ``(z, x)``: latent 1-D: ``z`` ``(n, 1)``, ``x`` ``(n, 2)`` (a curve); latent 2-D: ``z`` ``(n, n, 2)``,
    ``x`` ``(n, n, 2)`` with ``x[i, j] = G(z[i, j])``: rows and columns drawn as lines make the warped mesh.
    """
    d = trainer.config.latent_dim
    if d not in (1, 2) or trainer.data.kind != "points":
        raise ValueError(f"latent_mesh needs 2-D data and latent_dim 1 or 2, got latent_dim={d}, "
                         f"data {trainer.data.kind!r}")
    axis = torch.linspace(-lim, lim, n)
    if d == 1:
        z = axis[:, None]
        return z.numpy(), generate(trainer, z).numpy()
    zz = torch.stack(torch.meshgrid(axis, axis, indexing="ij"), dim=-1)  # (n, n, 2): zz[i, j] = (a_i, a_j)
    x = generate(trainer, zz.reshape(-1, 2)).reshape(n, n, 2)
    return zz.numpy(), x.numpy()


def gif_bytes(frames: torch.Tensor | np.ndarray, duration_ms: int = 120, size: int = 160,
              bounce: bool = True) -> bytes:
    """An animated GIF (looping) of images ``(T, C, H, W)`` in [-1, 1], each upscaled to about ``size`` px;
    ``bounce`` plays forwards then backwards."""
    from PIL import Image

    x = torch.as_tensor(np.asarray(frames), dtype=torch.float32)
    if x.dim() != 4:
        raise ValueError(f"gif_bytes needs frames (T, C, H, W), got shape {tuple(x.shape)}")
    scale = max(1, size // x.shape[-1])
    x = torch.nn.functional.interpolate((x.clamp(-1, 1) + 1) / 2, scale_factor=scale, mode="nearest")
    arr = (x.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
    imgs = [Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a) for a in arr]
    if bounce and len(imgs) > 2:
        imgs = imgs + imgs[-2:0:-1]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=duration_ms, loop=0)
    return buf.getvalue()


def points_frames(path: np.ndarray, background: np.ndarray, bounds: tuple[float, float, float, float],
                  size: int = 200) -> np.ndarray:
    """Frames ``(T, 3, size, size)`` in [-1, 1] of a point moving along ``path`` ``(T, 2)`` over grey
    ``background`` points ``(n, 2)`` (the data), with its trail, for ``gif_bytes``."""
    from PIL import Image, ImageDraw

    xmin, xmax, ymin, ymax = bounds

    def px(p: np.ndarray) -> tuple[float, float]:
        return ((p[0] - xmin) / (xmax - xmin) * (size - 1), (ymax - p[1]) / (ymax - ymin) * (size - 1))

    base = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(base)
    for p in np.asarray(background)[:2000]:
        x, y = px(p)
        draw.point((x, y), fill=(160, 200, 180))
    frames = []
    for k in range(len(path)):
        img = base.copy()
        d = ImageDraw.Draw(img)
        if k:
            d.line([px(p) for p in path[: k + 1]], fill=(179, 157, 219), width=2)
        x, y = px(path[k])
        d.ellipse((x - 5, y - 5, x + 5, y + 5), fill=(123, 82, 171))
        frames.append(np.asarray(img, dtype=np.float32) / 127.5 - 1.0)
    return np.stack(frames).transpose(0, 3, 1, 2)


def with_values(z: torch.Tensor, values: list[float]) -> torch.Tensor:
    """A copy of one latent point ``z`` ``(d,)`` with its first ``len(values)`` coordinates replaced."""
    out = z.detach().clone()
    out[: len(values)] = torch.as_tensor(values, dtype=out.dtype)
    return out


def data_points(trainer, n: int = 1000) -> np.ndarray:
    """``n`` evenly spaced training points ``(n, 2)`` of 2-D data (the background of latent pictures)."""
    x = trainer.data.x
    return x[torch.linspace(0, x.shape[0] - 1, min(n, x.shape[0])).long().to(x.device)].cpu().numpy()
