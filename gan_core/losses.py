"""GAN objectives as pure functions of discriminator logits (real is label 1, fake is label 0).

Papers: the minimax game and its non-saturating variant, Goodfellow et al. 2014, "Generative Adversarial Nets"
(https://arxiv.org/abs/1406.2661); WGAN, Arjovsky et al. 2017 (https://arxiv.org/abs/1701.07875); WGAN-GP,
Gulrajani et al. 2017 (https://arxiv.org/abs/1704.00028); hinge, Lim & Ye 2017 "Geometric GAN"
(https://arxiv.org/abs/1705.02894); LSGAN, Mao et al. 2017 (https://arxiv.org/abs/1611.04076); one-sided label
smoothing, Salimans et al. 2016 (https://arxiv.org/abs/1606.03498).

Each ``d_loss`` takes ``d_real``/``d_fake`` logits ``(B,)``; each ``g_loss`` takes ``d_fake`` logits of the
current fakes. With-logits forms only: ``softplus(-l) == -log(sigmoid(l))`` is stable where Sigmoid + BCELoss is not.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.config import PROBABILITY_LOSSES, WASSERSTEIN_LOSSES


def d_loss(loss: str, d_real: torch.Tensor, d_fake: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Discriminator (critic) loss to minimise.

    Args:
        loss: one of minimax, nonsaturating, wgan, wgan_gp, hinge, lsgan.
        d_real, d_fake: logits ``(B,)`` on real and fake samples.
        label_smoothing: one-sided: real targets become ``1 - label_smoothing`` (fakes stay 0).

    The BCE losses maximise ``E[log D(x)] + E[log(1 - D(G(z)))]`` (Goodfellow et al. 2014); the Wasserstein
    critic maximises ``E[D(x)] - E[D(G(z))]`` (Arjovsky et al. 2017, https://arxiv.org/abs/1701.07875).
    """
    real_target = 1.0 - label_smoothing
    if loss in PROBABILITY_LOSSES:
        # BCE with target t: t * softplus(-l) + (1 - t) * softplus(l)
        real = real_target * F.softplus(-d_real) + (1 - real_target) * F.softplus(d_real)
        return real.mean() + F.softplus(d_fake).mean()
    if loss in WASSERSTEIN_LOSSES:
        return d_fake.mean() - d_real.mean()
    if loss == "hinge":
        return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()
    if loss == "lsgan":
        return 0.5 * ((d_real - real_target) ** 2).mean() + 0.5 * (d_fake ** 2).mean()
    raise ValueError(f"loss={loss!r} is unknown")


def g_loss(loss: str, d_fake: torch.Tensor) -> torch.Tensor:
    """Generator loss to minimise, from D's logits on the current fakes ``(B,)``.

    ``minimax`` is the saturating ``E[log(1 - D(G(z)))]`` of the original game (its gradient vanishes when D
    wins); ``nonsaturating`` is Goodfellow's practical ``-E[log D(G(z))]`` (Goodfellow et al. 2014, section 3,
    https://arxiv.org/abs/1406.2661). The Wasserstein and hinge generators maximise the critic's score on fakes.
    """
    if loss == "minimax":
        return -F.softplus(d_fake).mean()
    if loss == "nonsaturating":
        return F.softplus(-d_fake).mean()
    if loss in ("wgan", "wgan_gp", "hinge"):
        return -d_fake.mean()
    if loss == "lsgan":
        return 0.5 * ((d_fake - 1.0) ** 2).mean()
    raise ValueError(f"loss={loss!r} is unknown")


def gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     y: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028): ``E[(||grad D(x_hat)||_2 - 1)^2]`` on
    random interpolates ``x_hat = t x + (1 - t) G(z)``, ``t ~ U[0, 1]`` per sample."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    t = torch.rand(shape, device=real.device, dtype=real.dtype, generator=generator)
    x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
    out = discriminator(x_hat, y) if y is not None else discriminator(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


def r1_penalty(discriminator: nn.Module, real: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """R1 (Mescheder et al. 2018, https://arxiv.org/abs/1801.04406): ``E[||grad D(x)||^2]`` on real data."""
    real = real.detach().requires_grad_(True)
    out = discriminator(real, y) if y is not None else discriminator(real)
    (grad,) = torch.autograd.grad(out.sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(dim=1).mean()


def instance_noise(x: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Gaussian instance noise (Sønderby et al. 2017, https://arxiv.org/abs/1610.04490) added to D's inputs;
    identity when ``std == 0``."""
    if std <= 0:
        return x
    return x + std * torch.empty_like(x).normal_(generator=generator)  # empty_like: x's memory format


def d_output(loss: str, logits: torch.Tensor) -> torch.Tensor:
    """What to show as D(x): a probability for the BCE losses, the raw critic score otherwise."""
    return torch.sigmoid(logits) if loss in PROBABILITY_LOSSES else logits
