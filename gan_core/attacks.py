"""Adversarial examples: FGSM (Goodfellow et al. 2015, "Explaining and Harnessing Adversarial Examples",
https://arxiv.org/abs/1412.6572) and PGD (Madry et al. 2018, "Towards Deep Learning Models Resistant to
Adversarial Attacks", https://arxiv.org/abs/1706.06083) in the L-inf norm, an attack that fools a GAN
discriminator, and the accuracy-vs-eps curve of lesson 6.

Every attack works on a frozen eval-mode copy of the model and takes gradients with ``torch.autograd.grad``
on the input only. The caller's model, its train/eval mode and every parameter's ``.grad`` stay untouched,
so attacking is safe while another thread trains the same model (an in-place optimiser step between our
forward and backward would otherwise break autograd's saved tensors). Results lie in the eps-ball around
``x``, inside ``clip``, and are detached.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

ATTACKS = ("fgsm", "pgd")


def fgsm(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float,
         clip: tuple[float, float] = (0.0, 1.0), targeted: bool = False) -> torch.Tensor:
    """Fast gradient sign method: one step of size ``eps`` along the sign of the input gradient.

    Args:
        model: classifier returning logits (B, K).
        x: inputs inside ``clip``, shape (B, ...). y: true labels (B,), or target labels when ``targeted``.
        eps: L-inf radius (>= 0; 0 returns ``x``). clip: valid input range (low < high).
        targeted: step towards class ``y`` (minimise its loss) instead of away from it.
    Returns:
        Adversarial inputs, shape of ``x``, detached.
    """
    _check_common(x, eps, clip)
    _check_labels(x, y)
    if eps == 0:
        return x.detach().clone()
    loss = _cross_entropy(y.to(x.device))
    return _iterate(model, loss, x, eps=eps, alpha=eps, steps=1, random_start=False,
                    minimise=targeted, clip=clip, generator=None)


def pgd(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, alpha: float, steps: int,
        random_start: bool = True, targeted: bool = False, clip: tuple[float, float] = (0.0, 1.0),
        generator: torch.Generator | None = None) -> torch.Tensor:
    """Projected gradient descent: ``steps`` signed-gradient steps of size ``alpha``, each projected back
    onto the L-inf ball of radius ``eps`` around ``x`` and into ``clip``.

    Args:
        model: classifier returning logits (B, K).
        x: inputs inside ``clip``, shape (B, ...). y: true labels (B,), or target labels when ``targeted``.
        eps: L-inf radius (>= 0; 0 returns ``x``). alpha: step size (> 0). steps: iterations (>= 1).
        random_start: begin at a uniform random point of the eps-ball (Madry et al.) instead of at ``x``.
        targeted: move towards class ``y`` (minimise its loss) instead of away from it.
        clip: valid input range. generator: random source of the start point (reproducible attacks).
    Returns:
        Adversarial inputs, shape of ``x``, detached.
    """
    _check_common(x, eps, clip)
    _check_step(alpha, steps)
    _check_labels(x, y)
    if eps == 0:
        return x.detach().clone()
    loss = _cross_entropy(y.to(x.device))
    return _iterate(model, loss, x, eps=eps, alpha=alpha, steps=steps, random_start=random_start,
                    minimise=targeted, clip=clip, generator=generator)


def attack_discriminator(discriminator: nn.Module, x: torch.Tensor, *, towards_real: bool, eps: float,
                         alpha: float, steps: int, clip: tuple[float, float] = (-1.0, 1.0),
                         random_start: bool = True, y: torch.Tensor | None = None,
                         generator: torch.Generator | None = None) -> torch.Tensor:
    """PGD against a GAN discriminator: make fakes look real (``towards_real=True``) or reals look fake.

    Args:
        discriminator: returns one logit per input, shape (B,) or (B, 1); called as ``D(x)`` or ``D(x, y)``.
        x: inputs in the GAN range ``clip`` (default [-1, 1]), shape (B, ...).
        towards_real: target label 1 (real) when True, 0 (fake) when False.
        eps, alpha, steps, random_start, generator: as in :func:`pgd`. y: class labels of a conditional D.
    Returns:
        Perturbed inputs, shape of ``x``, detached.
    """
    _check_common(x, eps, clip)
    _check_step(alpha, steps)
    if eps == 0:
        return x.detach().clone()
    target = torch.full((len(x),), 1.0 if towards_real else 0.0, device=x.device)
    labels = None if y is None else y.to(x.device)

    def loss(model: nn.Module, x_adv: torch.Tensor) -> torch.Tensor:
        logits = model(x_adv) if labels is None else model(x_adv, labels)
        return F.binary_cross_entropy_with_logits(logits.reshape(len(x_adv)).float(), target, reduction="sum")

    return _iterate(discriminator, loss, x, eps=eps, alpha=alpha, steps=steps, random_start=random_start,
                    minimise=True, clip=clip, generator=generator)


def accuracy_vs_eps(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps_list: Sequence[float], *,
                    attack: str = "pgd", alpha: float | None = None, steps: int = 20, random_start: bool = True,
                    clip: tuple[float, float] = (0.0, 1.0), batch_size: int = 500,
                    seed: int = 0) -> list[float]:
    """Accuracy on ``x`` under attack at each radius: the "accuracy falls with eps" curve.

    Args:
        model: classifier. x: inputs (N, ...) in ``clip``. y: labels (N,).
        eps_list: radii to try (each >= 0).
        attack: ``"pgd"`` or ``"fgsm"``. alpha: PGD step (default ``eps / 4`` per radius). steps: PGD steps.
        random_start, clip: as in :func:`pgd`. batch_size: items attacked at once. seed: PGD start points.
    Returns:
        One accuracy in [0, 1] per entry of ``eps_list``.
    """
    if attack not in ATTACKS:
        raise ValueError(f"attack={attack!r} is not allowed; choose one of: {', '.join(ATTACKS)}")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} is not allowed; give a positive integer")
    _check_labels(x, y)
    y = y.to(x.device)
    net = frozen_copy(model)  # one snapshot for the whole curve, so every radius attacks the same weights
    out = []
    for eps in eps_list:
        _check_common(x, eps, clip)
        step = eps / 4 if alpha is None else alpha
        gen = torch.Generator(device=x.device).manual_seed(seed)
        correct = 0
        for i in range(0, len(x), batch_size):
            xb, yb = x[i:i + batch_size], y[i:i + batch_size]
            if eps == 0:
                x_adv = xb
            elif attack == "fgsm":
                x_adv = fgsm(net, xb, yb, eps=eps, clip=clip)
            else:
                x_adv = pgd(net, xb, yb, eps=eps, alpha=step, steps=steps, random_start=random_start,
                            clip=clip, generator=gen)
            with torch.no_grad():
                correct += int((net(x_adv).argmax(1) == yb).sum())
        out.append(correct / max(1, len(x)))
    return out


# ---- shared machinery --------------------------------------------------------------------------------------
def frozen_copy(model: nn.Module) -> nn.Module:
    """A private eval-mode copy whose parameters need no gradient; the original is not touched."""
    clone = copy.deepcopy(model)
    clone.eval()
    clone.requires_grad_(False)
    return clone


def _iterate(model: nn.Module, loss_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor], x: torch.Tensor, *,
             eps: float, alpha: float, steps: int, random_start: bool, minimise: bool,
             clip: tuple[float, float], generator: torch.Generator | None) -> torch.Tensor:
    """Signed-gradient steps on ``loss_fn(model, x_adv)`` (ascent, or descent when ``minimise``)."""
    net = frozen_copy(model)
    x = x.detach()
    low = torch.clamp(x - eps, min=clip[0])   # (B, ...): the eps-ball intersected with the clip box
    high = torch.clamp(x + eps, max=clip[1])
    x_adv = x.clone()
    if random_start:
        where = generator.device if generator is not None else x.device
        noise = torch.rand(x.shape, generator=generator, device=where, dtype=x.dtype).to(x.device)
        x_adv = torch.max(torch.min(x + (2 * noise - 1) * eps, high), low)
    sign = -1.0 if minimise else 1.0
    for _ in range(steps):
        x_adv.requires_grad_(True)
        with torch.enable_grad():
            loss = loss_fn(net, x_adv)
            (grad,) = torch.autograd.grad(loss, x_adv)
        x_adv = x_adv.detach() + sign * alpha * grad.sign()
        x_adv = torch.max(torch.min(x_adv, high), low)
    return x_adv.detach()


def _cross_entropy(y: torch.Tensor) -> Callable[[nn.Module, torch.Tensor], torch.Tensor]:
    def loss(model: nn.Module, x_adv: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(x_adv), y, reduction="sum")  # sum: the step uses only the sign
    return loss


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} is not allowed; give a finite number")
    return float(value)


def _check_common(x: torch.Tensor, eps: float, clip: tuple[float, float]) -> None:
    if _finite("eps", eps) < 0:
        raise ValueError(f"eps={eps!r} is not allowed; the radius must be >= 0")
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise ValueError(f"clip={clip!r} is not allowed; give (low, high)")
    if _finite("clip low", clip[0]) >= _finite("clip high", clip[1]):
        raise ValueError(f"clip={tuple(clip)!r} is not allowed; low must be below high")
    if not torch.is_tensor(x) or not x.is_floating_point():
        raise ValueError(f"x of type {type(x).__name__} is not allowed; give a floating-point tensor")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x contains non-finite values (nan or inf)")
    if x.numel() and (x.min().item() < clip[0] - 1e-5 or x.max().item() > clip[1] + 1e-5):
        raise ValueError(f"x spans [{x.min().item():.3g}, {x.max().item():.3g}], outside clip={tuple(clip)!r}; "
                         "classifiers take [0, 1] images (map GAN images with (x + 1) / 2)")


def _check_step(alpha: float, steps: int) -> None:
    if _finite("alpha", alpha) <= 0:
        raise ValueError(f"alpha={alpha!r} is not allowed; the step size must be > 0")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} is not allowed; give an integer >= 1")


def _check_labels(x: torch.Tensor, y: torch.Tensor) -> None:
    if not torch.is_tensor(y) or y.dim() != 1 or len(y) != len(x):
        shape = tuple(y.shape) if torch.is_tensor(y) else type(y).__name__
        raise ValueError(f"y with shape {shape} is not allowed; give labels of shape ({len(x)},)")
