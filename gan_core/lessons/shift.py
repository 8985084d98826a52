"""Distribution shift (lesson 8): shifted copies of a dataset, ROC AUC, gradient reversal, and the data of a
shift experiment. The trainer that uses them (source-only classifier, domain discriminator and DANN in
lockstep) lives in ``gan_core.lessons.dann``.

Everything here works on images in [0, 1] (the classifiers' range, ``classifiers.to_unit``), shape
``(N, C, H, W)``. A shift keeps shape, dtype and range; ``strength`` in [0, 1] scales it (0 = no shift).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.seeding import seeded

SHIFTS = ("rotate", "noise", "blur", "invert", "contrast", "dataset")
# The other set of the same classes for shift="dataset": MNIST-style 28x28 digits <-> scikit-learn 8x8 digits.
PAIRED = {"digits": "mnist", "mnist": "digits"}
MAX_TRAIN = 10_000   # items per domain kept for training (Fashion-MNIST has 60,000; a CPU needs far fewer)
MAX_TEST = 2_000     # items per domain kept for evaluation


# ---- shifts ---------------------------------------------------------------------------------------------
def describe(shift: str, strength: float, size: int = 28) -> str:
    """What ``shift`` at ``strength`` does, in words with its numbers (for captions and the CLI)."""
    p = shift_params(shift, strength, size)
    texts = {"rotate": "rotated by {angle:.0f} degrees", "noise": "Gaussian noise of std {std:.2f} added",
             "blur": "Gaussian blur of {sigma:.1f} px", "invert": "{fraction:.0%} of the images inverted (1 - x)",
             "contrast": "contrast x{contrast:.2f}, brightness +{brightness:.2f}",
             "dataset": "the other dataset of the same classes, resized"}
    return texts[shift].format(**p)


def shift_params(shift: str, strength: float, size: int = 28) -> dict[str, float]:
    """The concrete parameters of ``shift`` at ``strength`` (images ``size`` px wide)."""
    if shift not in SHIFTS:
        raise ValueError(f"shift={shift!r} is not allowed; choose one of: {', '.join(SHIFTS)}")
    if not (isinstance(strength, (int, float)) and 0.0 <= strength <= 1.0):
        raise ValueError(f"strength={strength!r} is out of range; allowed: a number from 0 to 1")
    s = float(strength)
    return {"rotate": {"angle": 60.0 * s}, "noise": {"std": 0.5 * s}, "blur": {"sigma": s * size / 8},
            "invert": {"fraction": s}, "contrast": {"contrast": 1.0 - 0.8 * s, "brightness": 0.35 * s},
            "dataset": {}}[shift]


def apply_shift(x: torch.Tensor, shift: str, strength: float, *, seed: int = 0) -> torch.Tensor:
    """``x`` shifted: rotation by ``60 * strength`` degrees, noise of std ``0.5 * strength``, a blur of
    ``strength * H / 8`` px, a share ``strength`` of the images inverted, or lower contrast and more light.

    Args: x images in [0, 1] (N, C, H, W); seed for the random shifts (noise, invert).
    Returns: a new tensor of the same shape and dtype, in [0, 1]. ``shift="dataset"`` needs
    :func:`build_shift_data` (it swaps the data, it does not transform it).
    """
    if x.dim() != 4:
        raise ValueError(f"x has shape {tuple(x.shape)}; expected images (N, C, H, W)")
    p = shift_params(shift, strength, x.shape[-1])
    if shift == "dataset":
        raise ValueError("shift='dataset' swaps in another dataset; use build_shift_data(dataset, 'dataset')")
    gen = torch.Generator().manual_seed(seed)
    if strength == 0:
        return x.clone()
    if shift == "rotate":
        return rotate(x, p["angle"])
    if shift == "noise":
        noise = torch.randn(x.shape, generator=gen).to(x)
        return (x + p["std"] * noise).clamp(0, 1)
    if shift == "blur":
        return gaussian_blur(x, p["sigma"])
    if shift == "invert":
        flip = (torch.rand(len(x), generator=gen) < p["fraction"]).to(x.device)[:, None, None, None]
        return torch.where(flip, 1 - x, x)
    return ((x - 0.5) * p["contrast"] + 0.5 + p["brightness"]).clamp(0, 1)


def rotate(x: torch.Tensor, degrees: float) -> torch.Tensor:
    """Rotate every image about its centre (bilinear; the corners fill with 0, the background). Shape kept."""
    a = math.radians(degrees)
    theta = torch.tensor([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]], dtype=x.dtype,
                         device=x.device).expand(len(x), 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False).clamp(0, 1)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of std ``sigma`` px, edges replicated. Shape kept."""
    if sigma <= 0:
        return x.clone()
    r = max(1, int(math.ceil(3 * sigma)))
    k = torch.exp(-torch.arange(-r, r + 1, dtype=x.dtype, device=x.device) ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    c = x.shape[1]
    out = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    out = F.conv2d(F.pad(out, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    return out.clamp(0, 1)


def resize_digits(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bring digits of one set to the other's frame: 8x8 scikit-learn digits fill their frame, MNIST digits
    sit in the central 20x20 of 28x28. Shape: (N, C, H, W) -> (N, C, size, size), range kept."""
    h = x.shape[-1]
    if h == size:
        return x.clone()
    if size > h:   # small, full-frame -> MNIST style: digit in the central 20/28 of the frame
        inner = max(1, round(size * 20 / 28))
        body = F.interpolate(x, size=(inner, inner), mode="bilinear", align_corners=False)
        pad = (size - inner) // 2
        return F.pad(body, (pad, size - inner - pad, pad, size - inner - pad)).clamp(0, 1)
    crop = round(h * 20 / 28)
    off = (h - crop) // 2
    body = x[..., off:off + crop, off:off + crop]
    return F.interpolate(body, size=(size, size), mode="area").clamp(0, 1)


# ---- the data of an experiment ------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ShiftData:
    """Source and target domains of one experiment, images in [0, 1].

    ``source_*`` train: labelled. ``target_x``: unlabelled target training data (``target_y`` exists only for
    evaluation and is never used in training). ``*_test``: held out; for a transform shift, ``target_test_x``
    is ``source_test_x`` shifted (the same images, so the per-class comparison isolates the shift).
    """

    source_x: torch.Tensor
    source_y: torch.Tensor
    target_x: torch.Tensor
    target_y: torch.Tensor
    source_test_x: torch.Tensor
    source_test_y: torch.Tensor
    target_test_x: torch.Tensor
    target_test_y: torch.Tensor
    num_classes: int
    class_names: tuple[str, ...]
    description: str

    def to(self, device: torch.device | str) -> ShiftData:
        moved = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in self.__dict__.items()}
        return ShiftData(**moved)


def build_shift_data(dataset: str, shift: str, strength: float = 0.5, *, data_root: str = "",
                     seed: int = 0) -> ShiftData:
    """Split ``dataset``'s training set into two disjoint halves: the labelled source and, shifted, the
    unlabelled target; the test split gives both test sets (at most MAX_TRAIN / MAX_TEST items each).

    ``shift="dataset"`` takes the target from the paired set (``PAIRED``), resized to the source's frame.
    Raises ValueError for a bad shift/strength or an unlabelled dataset; DatasetUnavailable for missing files.
    """
    from gan_core.classifiers import load_split

    shift_params(shift, strength)   # validates both
    x, y, k = load_split(dataset, data_root, train=True)
    x_test, y_test, _ = load_split(dataset, data_root, train=False)
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=gen)
    half = len(x) // 2
    src, tgt = perm[:half][:MAX_TRAIN], perm[half:][:MAX_TRAIN]
    test = torch.randperm(len(x_test), generator=gen)[:MAX_TEST]
    sx, sy, tx_test = x[src], y[src], x_test[test]
    if shift == "dataset":
        if dataset not in PAIRED:
            raise ValueError(f"shift='dataset' needs dataset digits or mnist (a pair with the same classes), "
                             f"not {dataset!r}; use another shift, e.g. rotate")
        other = PAIRED[dataset]
        ox, oy, _ = load_split(other, data_root if other != "digits" else "", train=True)
        ox_test, oy_test, _ = load_split(other, data_root if other != "digits" else "", train=False)
        pick = torch.randperm(len(ox), generator=gen)[:MAX_TRAIN]
        pick_test = torch.randperm(len(ox_test), generator=gen)[:MAX_TEST]
        size = x.shape[-1]
        tx, ty = resize_digits(ox[pick], size), oy[pick]
        ttx, tty = resize_digits(ox_test[pick_test], size), oy_test[pick_test]
        desc = f"{dataset} -> {other} ({describe(shift, strength)})"
    else:
        tx, ty = apply_shift(x[tgt], shift, strength, seed=seed + 1), y[tgt]
        ttx, tty = apply_shift(tx_test, shift, strength, seed=seed + 2), y_test[test]
        desc = f"{dataset}, target {describe(shift, strength, x.shape[-1])}"
    from gan_core.data.builtin import CLASS_NAMES
    names = CLASS_NAMES.get(dataset, tuple(str(i) for i in range(k)))
    return ShiftData(sx, sy, tx, ty, tx_test, y_test[test], ttx, tty, k, names, desc)


def preview(dataset: str, shift: str, strength: float, n: int = 10, *, data_root: str = "",
            seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` test images of ``dataset`` (one per class in turn) and what the target looks like: the same images
    shifted, or for ``shift="dataset"`` as many images of the paired set, resized. Both (n, C, H, W) in [0, 1]."""
    from gan_core.classifiers import load_split

    shift_params(shift, strength)
    x, y, k = load_split(dataset, data_root, train=False)
    first = [int(torch.nonzero(y == c)[0]) for c in range(k) if (y == c).any()]
    idx = torch.tensor((first * (n // max(len(first), 1) + 1))[:n]) if first else torch.arange(min(n, len(x)))
    if shift != "dataset":
        return x[idx], apply_shift(x[idx], shift, strength, seed=seed)
    if dataset not in PAIRED:
        raise ValueError(f"shift='dataset' needs dataset digits or mnist, not {dataset!r}")
    ox, oy, _ = load_split(PAIRED[dataset], data_root if PAIRED[dataset] != "digits" else "", train=False)
    other = [int(torch.nonzero(oy == int(y[i]))[0]) for i in idx]
    return x[idx], resize_digits(ox[torch.tensor(other)], x.shape[-1])


def thumbnails(x: torch.Tensor, size: int = 56) -> np.ndarray:
    """Images in [0, 1] (k, C, H, W) -> uint8 (k, size, size) or (k, size, size, 3), nearest-neighbour upscaled
    (whole multiples) so 8x8 digits stay crisp."""
    x = x.detach().float().cpu()
    scale = max(1, size // x.shape[-1])
    x = F.interpolate(x, scale_factor=scale, mode="nearest") if scale > 1 else x
    arr = (x.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return arr[:, 0] if arr.shape[1] == 1 else arr.transpose(0, 2, 3, 1)


# ---- measuring a shift ----------------------------------------------------------------------------------
def roc_auc(scores: np.ndarray | torch.Tensor, labels: np.ndarray | torch.Tensor) -> float:
    """Area under the ROC curve of ``scores`` for the positives ``labels == 1`` (Mann-Whitney U, ties count
    half). 0.5: the scores cannot tell the two groups apart; 1.0: every positive scores above every negative."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    pos = np.asarray(labels).ravel().astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_auc needs both groups; got {n_pos} positives and {n_neg} negatives")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average ranks over ties: every run of equal scores gets the mean of its positions (1-based)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    for a, b in zip(starts, ends, strict=True):
        ranks[order[a:b]] = (a + b + 1) / 2
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def domain_auc(source_x: torch.Tensor, target_x: torch.Tensor, *, steps: int = 200, holdout: float = 0.3,
               kind: str = "cnn", seed: int = 0) -> float:
    """Adversarial validation on its own: train a classifier to tell ``source_x`` from ``target_x`` (both
    (N, C, H, W) in [0, 1]) on part of each, and return its ROC AUC on the held-out rest (0.5: the two sets
    look alike to it; 1.0: every held-out item is told apart)."""
    from gan_core.classifiers import build_classifier, train_classifier

    if not 0 < holdout < 1:
        raise ValueError(f"holdout={holdout!r} is out of range; allowed: a fraction between 0 and 1")
    gen = torch.Generator().manual_seed(seed)
    parts = []
    for x in (source_x, target_x):
        perm = torch.randperm(len(x), generator=gen).to(x.device)
        cut = max(1, int(round(len(x) * holdout)))
        parts.append((x[perm[cut:]], x[perm[:cut]]))
    (s_tr, s_te), (t_tr, t_te) = parts
    with seeded(seed):
        model = build_classifier(kind, tuple(source_x.shape[1:]), 2).to(source_x.device)
    y = torch.cat([torch.zeros(len(s_tr)), torch.ones(len(t_tr))]).long().to(source_x.device)
    train_classifier(model, torch.cat([s_tr, t_tr]), y, steps=steps, seed=seed)
    with torch.no_grad():
        scores = model(torch.cat([s_te, t_te])).softmax(1)[:, 1].cpu().numpy()
    return roc_auc(scores, np.r_[np.zeros(len(s_te)), np.ones(len(t_te))])


@torch.no_grad()
def per_class_accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, num_classes: int) -> np.ndarray:
    """Accuracy of ``model`` on the items of each class (NaN for a class without items). Shape: (num_classes,)."""
    from gan_core.classifiers import predict

    hit = (predict(model, x) == y).float().cpu()
    y = y.cpu()
    return np.array([hit[y == c].mean().item() if (y == c).any() else float("nan") for c in range(num_classes)])


# ---- gradient reversal (Ganin and Lempitsky 2015; Ganin et al. 2016) -------------------------------------
class _GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, lambd: float) -> torch.Tensor:
        ctx.lambd = lambd
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.lambd * grad, None


def grad_reverse(x: torch.Tensor, lambd: float = 1.0) -> torch.Tensor:
    """Identity on the way forward; multiplies the gradient by ``-lambd`` on the way back. The domain head
    behind it learns to tell the domains apart while the features before it learn to make that impossible."""
    return _GradReverse.apply(x, float(lambd))


def dann_lambda(progress: float, weight: float = 1.0, gamma: float = 10.0) -> float:
    """Ganin et al.'s schedule ``weight * (2 / (1 + exp(-gamma p)) - 1)``: 0 at the start, ``weight`` later,
    so the domain signal does not swamp features that do not yet carry any class information."""
    p = min(max(progress, 0.0), 1.0)
    return weight * (2.0 / (1.0 + math.exp(-gamma * p)) - 1.0)
