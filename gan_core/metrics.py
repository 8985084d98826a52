"""Evaluation of a generator: mode coverage and grid KL/JS for 2-D data; classifier-feature FID, KID, class
histogram/entropy and precision/recall for images; ``Evaluator`` (real reference computed once, for the training
session); ``collapse_alarm`` over successive evaluations (lesson 5). numpy/torch only; statistics in float64 on
the CPU; features are a classifier's ``features(x)`` on images mapped from [-1, 1] to [0, 1].
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

SMOOTHING = 1e-6      # probability mass added to every bin before KL so that KL(real || fake) stays finite
COVER_SHARE = 0.01    # a mode (class) is covered when it holds >= 1% of the high-quality (all) samples
HQ_STDS = 3.0         # a sample is high quality within 3 std of its nearest mode (DESIGN.md)
BINS = 20             # grid cells per axis: with 2,000 fakes, same-distribution JS stays below ~0.03 bits


def _np(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def _points(x: Any, name: str) -> np.ndarray:
    arr = _np(x)
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
        raise ValueError(f"{name} must be a non-empty (N, 2) array of points, got shape {tuple(arr.shape)}")
    return arr


# ---- 2-D data -------------------------------------------------------------------------------------------
def mode_stats(fake: Any, modes: Any, std: float) -> dict[str, Any]:
    """Mode coverage of generated points (DESIGN.md). Args: fake (N, 2); modes (M, 2) centres; std per mode.

    Returns: ``modes_covered`` (int), ``hq_fraction`` (share of samples within 3 std of their nearest mode),
    ``mode_counts`` (M ints: high-quality samples per mode).
    """
    fake, modes = _points(fake, "fake"), _points(modes, "modes")
    if not std > 0:
        raise ValueError(f"std={std!r} must be > 0")
    dist = np.sqrt(((fake[:, None, :] - modes[None, :, :]) ** 2).sum(-1))       # (N, M)
    nearest = np.argmin(np.nan_to_num(dist, nan=np.inf), axis=1)
    hq = np.nan_to_num(dist.min(axis=1), nan=np.inf) <= HQ_STDS * std            # NaN samples are not HQ
    counts = np.bincount(nearest[hq], minlength=len(modes))
    covered = (counts > 0) & (counts >= COVER_SHARE * hq.sum())
    return {"modes_covered": int(covered.sum()), "hq_fraction": float(hq.mean()),
            "mode_counts": [int(c) for c in counts]}


def grid_histogram(x: Any, bounds: tuple[float, float, float, float], bins: int = BINS) -> np.ndarray:
    """Counts of points on a ``bins x bins`` grid over ``bounds`` plus one last "outside" bin.

    Args: x (N, 2); bounds (xmin, xmax, ymin, ymax), edges included; bins per axis.
    Returns: int64 counts, shape (bins * bins + 1,), index ``ix * bins + iy``; last entry counts points
    outside the box or not finite. Every point is counted exactly once.
    """
    x = _points(x, "x")
    xmin, xmax, ymin, ymax = (float(b) for b in bounds)
    if not (xmax > xmin and ymax > ymin) or bins < 1:
        raise ValueError(f"bounds={tuple(bounds)!r} need xmin < xmax and ymin < ymax, bins={bins!r} >= 1")
    with np.errstate(invalid="ignore"):
        inside = (x[:, 0] >= xmin) & (x[:, 0] <= xmax) & (x[:, 1] >= ymin) & (x[:, 1] <= ymax)
    p = x[inside]
    ix = np.clip(np.floor((p[:, 0] - xmin) / (xmax - xmin) * bins), 0, bins - 1).astype(np.int64)
    iy = np.clip(np.floor((p[:, 1] - ymin) / (ymax - ymin) * bins), 0, bins - 1).astype(np.int64)
    counts = np.bincount(ix * bins + iy, minlength=bins * bins)
    return np.append(counts, len(x) - int(inside.sum()))


def histogram_divergence(real_counts: Any, fake_counts: Any) -> dict[str, float]:
    """KL(real || fake) and JS between two histograms over the same bins, both in bits.

    KL adds ``SMOOTHING`` to every bin probability and renormalises (finite even where fake has no mass;
    the largest possible value is about log2(1 / SMOOTHING) = 20 bits). JS needs no smoothing: in [0, 1].
    """
    p, q = _np(real_counts), _np(fake_counts)
    if p.shape != q.shape or p.sum() <= 0 or q.sum() <= 0:
        raise ValueError("histograms must have the same shape and be non-empty")
    p, q = p / p.sum(), q / q.sum()
    ps, qs = (p + SMOOTHING) / (1 + SMOOTHING * p.size), (q + SMOOTHING) / (1 + SMOOTHING * q.size)
    kl = float(np.sum(ps * np.log2(ps / qs)))
    m = 0.5 * (p + q)

    def _kl(a: np.ndarray) -> float:
        nz = a > 0                     # 0 * log 0 = 0; m > 0 wherever a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))
    js = min(max(0.5 * _kl(p) + 0.5 * _kl(q), 0.0), 1.0)
    return {"kl": max(kl, 0.0), "js": js}


def grid_divergence(real: Any, fake: Any, bounds: tuple[float, float, float, float],
                    bins: int = BINS) -> dict[str, float]:
    """Grid-histogram KL(real || fake) and JS for any two point sets real (N, 2), fake (K, 2) (``grid_histogram``).

    Returns: ``kl`` (bits, smoothed), ``js`` (bits, in [0, 1]), ``outside`` (share of fakes outside bounds).
    """
    hr, hf = grid_histogram(real, bounds, bins), grid_histogram(fake, bounds, bins)
    return {**histogram_divergence(hr, hf), "outside": float(hf[-1] / hf.sum())}


# ---- image features ---------------------------------------------------------------------------------------
def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix by eigen-decomposition (negatives -> 0)."""
    w, v = np.linalg.eigh(0.5 * (a + a.T))
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def feature_stats(feat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of features (N, D), float64."""
    f = _np(feat)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"features must be (N >= 2, D), got shape {tuple(f.shape)}")
    return f.mean(0), np.atleast_2d(np.cov(f, rowvar=False))


def frechet_from_stats(mu1: Any, s1: Any, mu2: Any, s2: Any) -> float:
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), with tr (S1 S2)^(1/2) = tr (S1^½ S2 S1^½)^(1/2)."""
    mu1, s1, mu2, s2 = _np(mu1), _np(s1), _np(mu2), _np(s2)
    if not all(np.isfinite(a).all() for a in (mu1, s1, mu2, s2)):
        return float("nan")            # a diverged generator: no distance, and no LinAlgError
    r = _sqrt_psd(s1)
    m = r @ s2 @ r
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh(0.5 * (m + m.T)), 0.0, None)).sum()
    fid = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt)
    return max(fid, 0.0)


def frechet_distance(feat_real: Any, feat_fake: Any) -> float:
    """FID (Heusel et al. 2017, https://arxiv.org/abs/1706.08500) with the course classifier's features instead
    of Inception's: Fréchet distance of Gaussians fitted to (N, D) and (K, D) features."""
    return frechet_from_stats(*feature_stats(feat_real), *feature_stats(feat_fake))


def kid(feat_real: Any, feat_fake: Any, subsets: int = 10, subset_size: int = 1000, seed: int = 0) -> float:
    """Kernel Inception Distance (Bińkowski et al. 2018, https://arxiv.org/abs/1801.01401): mean unbiased MMD^2
    with k(x, y) = (x.y / D + 1)^3 over random subsets, in the course classifier's feature space.

    Shape: feat_real (N, D), feat_fake (K, D); each subset has min(subset_size, N, K) >= 2 rows of each.
    Returns: float, about 0 for the same distribution (can be slightly negative: unbiased).
    """
    xr, xf = _np(feat_real), _np(feat_fake)
    m, d = min(subset_size, len(xr), len(xf)), xr.shape[1]
    if m < 2 or xf.shape[1] != d:
        raise ValueError(f"kid needs >= 2 samples of equal width, got {xr.shape} and {xf.shape}")
    rng = np.random.default_rng(seed)
    if m == len(xr) == len(xf):
        subsets = 1                     # every subset would be the whole set: same value each time

    def k(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        g = a @ b.T / d + 1.0
        return g * g * g                # faster than ** 3 on large arrays
    values = []
    for _ in range(max(int(subsets), 1)):
        a, b = xr[rng.choice(len(xr), m, replace=False)], xf[rng.choice(len(xf), m, replace=False)]
        kxx, kyy, off = k(a, a), k(b, b), m * (m - 1)
        values.append((kxx.sum() - np.trace(kxx)) / off + (kyy.sum() - np.trace(kyy)) / off - 2 * k(a, b).mean())
    return float(np.mean(values))


def class_histogram(scores: Any, num_classes: int) -> list[int]:
    """Predicted-class counts. Args: scores (N, C) logits or probabilities, or (N,) labels. Returns C ints."""
    s = _np(scores)
    labels = s.argmax(1) if s.ndim == 2 else s.astype(np.int64)
    return [int(c) for c in np.bincount(labels.astype(np.int64), minlength=num_classes)[:num_classes]]


def class_entropy(counts: Any) -> float:
    """Entropy in bits of a class histogram (uniform over 10 classes = log2 10 = 3.32; one class = 0)."""
    c = _np(counts)
    p = c[c > 0] / max(c.sum(), 1e-12)
    return float(max(-(p * np.log2(p)).sum(), 0.0)) + 0.0      # + 0.0 turns -0.0 into 0.0


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.clip((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0, None)


def knn_radii(feat: Any, k: int = 3) -> np.ndarray:
    """Distance of each row to its k-th nearest other row (the k-NN manifold radius). Shape (N, D) -> (N,)."""
    f = _np(feat)
    if not 1 <= k < len(f):
        raise ValueError(f"k={k!r} must be in 1..{len(f) - 1} for {len(f)} samples")
    out = np.empty(len(f))
    for i in range(0, len(f), 1024):           # rows in chunks: memory O(1024 * N)
        d = _sq_dists(f[i:i + 1024], f)
        out[i:i + 1024] = np.partition(d, k, axis=1)[:, k]   # index 0 is the row itself
    return np.sqrt(out)


def _inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    hit = np.zeros(len(points), dtype=bool)
    for i in range(0, len(centres), 1024):
        d = _sq_dists(points, centres[i:i + 1024])
        hit |= (d <= radii[None, i:i + 1024] ** 2 * (1 + 1e-9) + 1e-12).any(1)
    return hit


def precision_recall(feat_real: Any, feat_fake: Any, k: int = 3,
                     real_radii: np.ndarray | None = None) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019, https://arxiv.org/abs/1904.06991) with k-NN
    manifolds in feature space.

    Precision: share of fakes inside the real manifold (union of balls reaching each real's k-th neighbour);
    recall: share of reals inside the fake manifold. Shape: feat_real (N, D), feat_fake (K, D).
    ``real_radii`` (N,) may be precomputed with ``knn_radii``.
    """
    xr, xf = _np(feat_real), _np(feat_fake)
    rr = knn_radii(xr, k) if real_radii is None else np.asarray(real_radii)
    return {"precision": float(_inside(xf, xr, rr).mean()), "recall": float(_inside(xr, xf, knn_radii(xf, k)).mean())}


@torch.no_grad()
def extract(classifier: torch.nn.Module, x: torch.Tensor, batch_size: int = 250) -> tuple[np.ndarray, np.ndarray]:
    """Features and logits of GAN-range images in batches, without gradients.

    Args: classifier with ``features(x)`` and ``forward(x)`` on [0, 1] inputs; x (N, C, H, W) in [-1, 1].
    Returns: features (N, F) and logits (N, num_classes), float64 numpy.
    """
    param = next(classifier.parameters(), None)
    was_training, device = classifier.training, param.device if param is not None else torch.device("cpu")
    classifier.eval()
    feats, logits = [], []
    try:
        for i in range(0, len(x), batch_size):
            xb = ((x[i:i + batch_size].to(device, torch.float32) + 1) / 2).clamp(0, 1)
            f = classifier.features(xb)
            head = getattr(classifier, "head", None)      # logits = head(features): one pass, not two
            lg = head(f) if isinstance(head, torch.nn.Module) else classifier(xb)
            feats.append(f.flatten(1).double().cpu())
            logits.append(lg.double().cpu())
    finally:
        classifier.train(was_training)
    return torch.cat(feats).numpy(), torch.cat(logits).numpy()


def _missing(counts: list[int], total: int) -> list[int]:
    return [i for i, c in enumerate(counts) if c == 0 or c < COVER_SHARE * total]


def image_metrics(classifier: torch.nn.Module, real_x: torch.Tensor, fake_x: torch.Tensor,
                  *, k: int = 3, kid_subsets: int = 10, batch_size: int = 250) -> dict[str, Any]:
    """All image metrics from one classifier. real_x (N, C, H, W), fake_x (K, C, H, W), both in [-1, 1].

    Returns: ``fid``, ``kid``, ``class_entropy`` (bits), ``class_counts`` (list), ``missing_classes`` (classes
    with < 1% of the fakes), ``precision``, ``recall``.
    """
    fr, _ = extract(classifier, real_x, batch_size)
    ff, lf = extract(classifier, fake_x, batch_size)
    counts = class_histogram(lf, lf.shape[1])
    return {"fid": frechet_distance(fr, ff), "kid": kid(fr, ff, kid_subsets), "class_entropy": class_entropy(counts),
            "class_counts": counts, "missing_classes": _missing(counts, len(ff)), **precision_recall(fr, ff, k)}


# ---- evaluator for the training session -----------------------------------------------------------------
def scalars(result: dict[str, Any]) -> dict[str, float]:
    """The float entries of an evaluation (what goes into the metrics table); lists are dropped."""
    return {k: float(v) for k, v in result.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


class Evaluator:
    """Cheap repeated evaluation against a real reference computed once.

    Args: data a ``gan_core.data.builtin.Dataset``; n_samples fakes per evaluation (default 2000 points / 1000
    images); device for the classifier; classifier (default ``get_classifier(data.name, data_root)``); bins
    of the 2-D grid; seed for the real subset.
    """

    def __init__(self, data: Any, *, n_samples: int | None = None, device: Any = None,
                 classifier: torch.nn.Module | None = None, data_root: str = "", bins: int = BINS, seed: int = 0):
        self.kind, self.bins, self.history = data.kind, bins, []
        self.n_samples = n_samples or (2000 if data.kind == "points" else 1000)
        if self.n_samples < 8:
            raise ValueError(f"n_samples={n_samples!r} must be >= 8")
        gen = torch.Generator().manual_seed(seed)
        if self.kind == "points":
            real = _np(data.x)
            b = tuple(float(v) for v in data.bounds)
            if not (b[1] > b[0] and b[3] > b[2]):          # no plotting box: the data's extent plus 10%
                lo, hi = real.min(0), real.max(0)
                pad = 0.1 * np.maximum(hi - lo, 1e-3)
                b = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
            self.bounds = b
            self.modes = None if data.modes is None else _np(data.modes)
            self.mode_std = float(data.mode_std)
            self.real_hist = grid_histogram(real, b, bins)    # all real points: reference noise stays small
            sub = real[torch.randperm(len(real), generator=gen)[: self.n_samples].numpy()]
            self.reference = histogram_divergence(self.real_hist, grid_histogram(sub, b, bins))
            return
        if classifier is None:
            from gan_core.classifiers import get_classifier  # lazy: only image runs need it
            classifier, _ = get_classifier(data.name, data_root, device=device)
        self.classifier = classifier       # not moved: a cached classifier is shared by every session
        idx = torch.randperm(len(data.x), generator=gen)[: self.n_samples]
        self.real_feat, real_logits = extract(self.classifier, data.x[idx.to(data.x.device)])
        self.num_classes = data.num_classes or real_logits.shape[1]
        self.real_mu, self.real_cov = feature_stats(self.real_feat)
        self.real_radii = knn_radii(self.real_feat)
        self.reference = {"class_entropy": class_entropy(class_histogram(real_logits, self.num_classes))}

    @torch.no_grad()
    def evaluate(self, generator_sample_fn: Callable[[int], torch.Tensor], step: int | None = None) -> dict[str, Any]:
        """Draw ``n_samples`` fakes and compare them with the real reference; appends to ``self.history``.

        Args: generator_sample_fn(n) -> (n, 2) points in data coordinates, or (n, C, H, W) images in [-1, 1].
        Returns: floats (points: ``modes_covered``, ``hq_fraction`` when the data has modes, ``kl``, ``js``;
        images: ``fid``, ``kid``, ``class_entropy``, ``classes_covered``, ``precision``, ``recall``), plus
        ``eval_ms`` and lists ``mode_counts``/``missing_modes`` or ``class_counts``/``missing_classes``.
        Use ``scalars(result)`` for the float part.
        """
        t0 = time.perf_counter()
        out: dict[str, Any] = {} if step is None else {"step": step}
        if self.kind == "points":
            fake = _points(generator_sample_fn(self.n_samples), "generated points")
            if self.modes is not None:
                ms = mode_stats(fake, self.modes, self.mode_std)
                out.update(ms, missing_modes=_missing(ms["mode_counts"], sum(ms["mode_counts"])))
            out.update(histogram_divergence(self.real_hist, grid_histogram(fake, self.bounds, self.bins)))
        else:
            fake = torch.cat([generator_sample_fn(min(250, self.n_samples - i)).detach()
                              for i in range(0, self.n_samples, 250)])
            ff, lf = extract(self.classifier, fake)
            counts = class_histogram(lf, self.num_classes)
            missing = _missing(counts, len(ff))
            out.update(fid=frechet_from_stats(self.real_mu, self.real_cov, *feature_stats(ff)),
                       kid=kid(self.real_feat, ff), class_entropy=class_entropy(counts),
                       classes_covered=self.num_classes - len(missing), class_counts=counts,
                       missing_classes=missing, **precision_recall(self.real_feat, ff, real_radii=self.real_radii))
        out["eval_ms"] = 1000.0 * (time.perf_counter() - t0)
        self.history.append(out)
        return out

    def alarm(self) -> dict[str, Any] | None:
        """``collapse_alarm`` over this evaluator's history."""
        return collapse_alarm(self.history)


# ---- mode-collapse alarm ----------------------------------------------------------------------------------
def _covered(counts: list[int]) -> set[int]:
    return set(range(len(counts))) - set(_missing(counts, sum(counts)))


FEW_MODES_SHARE = 0.5   # "few modes": fewer than half of the data's modes covered ...
FEW_MODES_EVALS = 2     # ... at this many evaluations in a row ...
FEW_MODES_HQ = 0.25     # ... each with at least this share of the fakes on a mode (the generator has found the data)


def _few_modes(rows: list[dict[str, Any]], evals: int, share: float, hq: float) -> dict[str, Any] | None:
    """The low-coverage alarm: the last ``evals`` rows each cover fewer than ``share`` of the data's modes
    (``len(mode_counts)``) while at least ``hq`` of their fakes are high quality: the fakes sit on a few modes.
    Catches a run that collapsed from the start, where no drop from a better evaluation ever shows."""
    last = rows[-evals:]
    if len(rows) < evals or evals < 1:
        return None
    totals = {len(h.get("mode_counts") or ()) for h in last}
    total = totals.pop() if len(totals) == 1 else 0
    if total < 2 or not all(h["modes_covered"] < share * total and
                            float(h.get("hq_fraction", 0.0)) >= hq for h in last):
        return None
    now = last[-1]
    best = max(rows, key=lambda h: h["modes_covered"])
    covered = sorted(_covered(now["mode_counts"]))
    return {"kind": "few_modes", "lost": [], "covered": covered, "total": total, "best": best["modes_covered"],
            "now": now["modes_covered"], "best_step": best.get("step"), "since_step": last[0].get("step"),
            "step": now.get("step"),
            "message": (f"few modes: modes_covered {now['modes_covered']:g} of {total} (below {share * total:g}) "
                        f"at {evals} evaluations in a row, hq_fraction >= {hq:g}; covered {covered}")}


def collapse_alarm(history: list[dict[str, Any]], *, mode_drop: int = 2, entropy_drop: float = 0.5,
                   few_evals: int = FEW_MODES_EVALS, few_share: float = FEW_MODES_SHARE,
                   few_hq: float = FEW_MODES_HQ) -> dict[str, Any] | None:
    """Detect mode collapse in successive evaluation dicts (oldest first); pure function.

    Modes fire when ``modes_covered`` falls >= ``mode_drop`` below its best or below half of it (kind
    ``"modes"``), or, with no such drop, when it stays below ``few_share`` of the data's modes for ``few_evals``
    evaluations in a row with at least ``few_hq`` of the fakes high quality (kind ``"few_modes"``: a run that
    collapsed from the start has no better evaluation to fall from); classes fire when ``class_entropy`` falls
    >= ``entropy_drop`` bits below its best or a class covered at the best evaluation has vanished (< 1% of the
    fakes). Returns ``{"kind": "modes"|"few_modes"|"classes", "lost": [indices], "best": x, "now": y,
    "best_step", "step", "message"}`` (``few_modes`` adds ``covered``, ``total`` and ``since_step``) or None.
    """
    for key, counts_key, kind in (("modes_covered", "mode_counts", "modes"),
                                  ("class_entropy", "class_counts", "classes")):
        rows = [h for h in history if isinstance(h.get(key), (int, float)) and math.isfinite(h[key])]
        alarm = _drop_alarm(rows, key, counts_key, kind, mode_drop, entropy_drop)
        if alarm is None and kind == "modes":
            alarm = _few_modes(rows, few_evals, few_share, few_hq)
        if alarm is not None:
            return alarm
    return None


def _drop_alarm(rows: list[dict[str, Any]], key: str, counts_key: str, kind: str, mode_drop: int,
                entropy_drop: float) -> dict[str, Any] | None:
    """The drop alarm of ``collapse_alarm``: the last row against the best one before it."""
    if len(rows) < 2:
        return None
    now = rows[-1]
    best = max(rows[:-1], key=lambda h: h[key])
    has_counts = bool(best.get(counts_key)) and bool(now.get(counts_key))
    lost = sorted(_covered(best[counts_key]) - _covered(now[counts_key])) if has_counts else []
    if kind == "modes":
        fired = best[key] - now[key] >= mode_drop or now[key] < best[key] / 2
    else:
        fired = best[key] - now[key] >= entropy_drop or bool(lost)
    if not fired:
        return None
    what = f"{len(lost)} {kind} lost {lost}" if lost else f"{kind} fell"
    return {"kind": kind, "lost": lost, "best": best[key], "now": now[key], "best_step": best.get("step"),
            "step": now.get("step"), "message": f"{what}: {key} {best[key]:.3g} -> {now[key]:.3g}"}
