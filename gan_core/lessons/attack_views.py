"""What the Attacks page shows (lessons 6 and 7), as plain numpy from ``attacks.py``: one attacked test image
with its class probabilities before and after, the accuracy-vs-eps curves of FGSM and PGD, and a GAN
discriminator pushed to call a fake real (and a real fake). No Streamlit; every function is testable alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gan_core.attacks import accuracy_vs_eps, attack_discriminator, fgsm, frozen_copy, pgd

METHODS = ("pgd", "fgsm")
CURVE_EPS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)


@dataclass
class AttackResult:
    """One attacked image. Images (H, W) or (H, W, 3) in [0, 1]; ``delta`` = adversarial - original."""

    original: np.ndarray
    adversarial: np.ndarray
    delta: np.ndarray
    probs_before: np.ndarray   # (K,) softmax of the clean image
    probs_after: np.ndarray    # (K,) softmax of the adversarial image
    label: int
    pred_before: int
    pred_after: int
    linf: float                # |adversarial - original|_inf, at most eps


def _hw(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) tensor -> (H, W) for one channel, (H, W, C) otherwise."""
    a = x.detach().cpu().float().numpy()
    return a[0] if a.shape[0] == 1 else np.transpose(a, (1, 2, 0))


def check_knobs(eps: float, alpha: float, steps: int) -> None:
    """Raise ValueError naming the bad knob: eps in [0, 1], alpha in (0, 1], steps in 1..1000."""
    for name, value, ok, allowed in (("eps", eps, 0 <= eps <= 1, "0 to 1"),
                                     ("alpha", alpha, 0 < alpha <= 1, "above 0, up to 1"),
                                     ("steps", steps, 1 <= steps <= 1000, "1 to 1000")):
        if not np.isfinite(value) or not ok:
            raise ValueError(f"{name}={value!r} is not allowed; give {allowed}")


def attack_one(model: nn.Module, x: torch.Tensor, label: int, *, method: str = "pgd", eps: float, alpha: float,
               steps: int, random_start: bool = True, target: int | None = None, seed: int = 0) -> AttackResult:
    """Attack one image ``x`` (C, H, W) in [0, 1] of true class ``label``; ``target`` makes it a targeted attack."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not allowed; choose one of: {', '.join(METHODS)}")
    check_knobs(eps, alpha, steps)
    net = frozen_copy(model)
    dev = next(net.parameters()).device
    xb = x.unsqueeze(0).to(dev)
    y = torch.tensor([label if target is None else int(target)], device=dev)
    if method == "fgsm":
        x_adv = fgsm(net, xb, y, eps=eps, targeted=target is not None)
    else:
        gen = torch.Generator(device=dev).manual_seed(seed)
        x_adv = pgd(net, xb, y, eps=eps, alpha=alpha, steps=steps, random_start=random_start,
                    targeted=target is not None, generator=gen)
    with torch.no_grad():
        probs = F.softmax(net(torch.cat([xb, x_adv])).float(), dim=1).cpu().numpy()
    return AttackResult(original=_hw(xb[0]), adversarial=_hw(x_adv[0]), delta=_hw(x_adv[0] - xb[0]),
                        probs_before=probs[0], probs_after=probs[1], label=int(label),
                        pred_before=int(probs[0].argmax()), pred_after=int(probs[1].argmax()),
                        linf=float((x_adv - xb).abs().max()))


def eps_curves(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps_list=CURVE_EPS, *, steps: int = 10,
               seed: int = 0) -> dict[str, list[float]]:
    """``{"eps": [...], "fgsm": [...], "pgd": [...]}``: accuracy on ``x`` under each attack (PGD alpha eps/4)."""
    dev = next(model.parameters()).device
    x, y = x.to(dev), y.to(dev)
    eps_list = [float(e) for e in eps_list]
    return {"eps": eps_list,
            "fgsm": accuracy_vs_eps(model, x, y, eps_list, attack="fgsm"),
            "pgd": accuracy_vs_eps(model, x, y, eps_list, attack="pgd", steps=steps, seed=seed)}


def fixed_subset(x: torch.Tensor, y: torch.Tensor, n: int = 300, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded subset of ``n`` test items (the same for every model, so the curves compare)."""
    pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n]
    return x[pick], y[pick]


@dataclass
class DiscriminatorAttack:
    """A fake pushed towards "real" and a real pushed towards "fake". Images in [0, 1]; D(x) = sigmoid(logit)."""

    fake: np.ndarray
    fake_adv: np.ndarray
    real: np.ndarray
    real_adv: np.ndarray
    d_fake: tuple[float, float]   # D's probability of "real" before, after
    d_real: tuple[float, float]


def attack_gan_discriminator(trainer, *, eps: float, alpha: float, steps: int, seed: int = 0) -> DiscriminatorAttack:
    """Attack ``trainer.discriminator`` (a private copy: see ``inspect.frozen_copy``) on one generated and one
    real image. Raises ValueError for a run on 2-D points (no image range to attack in)."""
    check_knobs(eps, alpha, steps)
    if trainer.data.kind != "images":
        raise ValueError("this run is trained on 2-D points; the discriminator attack needs an image run")
    from gan_core.lessons.latent import generate, latent_batch

    g = torch.Generator().manual_seed(seed)
    i = int(torch.randint(len(trainer.data.x), (1,), generator=g))
    real = trainer.data.x[i:i + 1].float().cpu()
    label = int(trainer.data.y[i]) if trainer.num_classes and trainer.data.y is not None else 0
    fake = generate(trainer, latent_batch(trainer, 1, seed), label).float().clamp(-1, 1)
    d = frozen_copy(trainer.discriminator).cpu()
    y = torch.tensor([label]) if trainer.num_classes else None
    # D works in the GAN range [-1, 1]: eps on the [0, 1] scale of the page is 2 * eps there
    kw = dict(eps=2 * eps, alpha=2 * alpha, steps=steps, y=y, generator=torch.Generator().manual_seed(seed))
    fake_adv = attack_discriminator(d, fake, towards_real=True, **kw)
    real_adv = attack_discriminator(d, real, towards_real=False, **kw)

    def p_real(x: torch.Tensor) -> float:
        with torch.no_grad():
            logit = d(x) if y is None else d(x, y)
        return float(torch.sigmoid(logit.reshape(-1)[0].float()))

    unit = lambda v: _hw((v[0] + 1) / 2)
    return DiscriminatorAttack(fake=unit(fake), fake_adv=unit(fake_adv), real=unit(real), real_adv=unit(real_adv),
                               d_fake=(p_real(fake), p_real(fake_adv)), d_real=(p_real(real), p_real(real_adv)))
