"""Property checks of gan_core.metrics on seeded toy data and tiny stand-in classifiers (CPU, seconds)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from gan_core import metrics as M

RING_MODES = np.array([[2 * math.cos(2 * math.pi * i / 8), 2 * math.sin(2 * math.pi * i / 8)] for i in range(8)])
RING_BOUNDS = (-3.0, 3.0, -3.0, 3.0)


def ring8(n: int, seed: int, modes: list[int] | None = None) -> np.ndarray:
    """n points of ring8 (radius 2, std 0.02), optionally only from the listed modes."""
    rng = np.random.default_rng(seed)
    which = rng.choice(modes if modes is not None else range(8), n)
    return RING_MODES[which] + 0.02 * rng.standard_normal((n, 2))


def ring_data(n: int = 20000) -> SimpleNamespace:
    return SimpleNamespace(kind="points", x=torch.tensor(ring8(n, 0), dtype=torch.float32),
                           modes=torch.tensor(RING_MODES, dtype=torch.float32), mode_std=0.02, bounds=RING_BOUNDS)


# ---- 2-D -----------------------------------------------------------------------------------------------------
def test_real_vs_real_ring8_full_coverage_and_js_near_zero():
    a, b = ring8(2000, 1), ring8(20000, 2)
    stats = M.mode_stats(a, RING_MODES, 0.02)
    assert stats["modes_covered"] == 8 and stats["hq_fraction"] > 0.98 and sum(stats["mode_counts"]) <= 2000
    div = M.grid_divergence(b, a, RING_BOUNDS)
    assert div["js"] < 0.01 and div["kl"] < 0.05 and div["outside"] == 0.0


def test_single_mode_generator_covers_one_mode():
    stats = M.mode_stats(ring8(2000, 3, modes=[5]), RING_MODES, 0.02)
    assert stats["modes_covered"] == 1 and stats["mode_counts"][5] > 1900
    div = M.grid_divergence(ring8(20000, 0), ring8(2000, 3, modes=[5]), RING_BOUNDS)
    assert div["js"] > 0.5 and div["kl"] > 2.0


def test_far_samples_are_not_high_quality():
    fake = np.concatenate([ring8(100, 4), np.full((300, 2), 10.0), RING_MODES[:1] + 0.2])  # 0.2 = 10 std away
    stats = M.mode_stats(fake, RING_MODES, 0.02)
    assert 95 / 401 < stats["hq_fraction"] <= 100 / 401 and sum(stats["mode_counts"]) <= 100  # ~1% of a 2-D
    # Gaussian lies beyond 3 std
    nan = M.mode_stats(np.full((10, 2), np.nan), RING_MODES, 0.02)
    assert nan["hq_fraction"] == 0.0 and nan["modes_covered"] == 0


def test_coverage_needs_one_percent_of_high_quality_samples():
    fake = np.concatenate([ring8(990, 5, modes=[0]), ring8(5, 6, modes=[1]), ring8(20, 7, modes=[2])])
    stats = M.mode_stats(fake, RING_MODES, 0.02)   # mode 1 holds 0.5% -> not covered; mode 2 holds 2%
    assert stats["mode_counts"][1] == 5 and stats["modes_covered"] == 2


def test_grid_histogram_and_divergence_by_hand():
    bounds, bins = (0.0, 2.0, 0.0, 2.0), 2          # four unit cells + "outside"; index ix * 2 + iy
    real = np.array([[0.5, 0.5], [0.5, 1.5], [1.5, 0.5], [2.0, 2.0]])      # one in each cell; edge included
    fake = np.array([[0.5, 0.5], [0.5, 0.5], [1.5, 0.5], [5.0, 0.0]])      # last one is outside
    hr, hf = M.grid_histogram(real, bounds, bins), M.grid_histogram(fake, bounds, bins)
    assert hr.tolist() == [1, 1, 1, 1, 0] and hf.tolist() == [2, 0, 1, 0, 1]
    p, q = np.array([.25, .25, .25, .25, 0]), np.array([.5, 0, .25, 0, .25])
    e = M.SMOOTHING
    ps, qs = (p + e) / (1 + 5 * e), (q + e) / (1 + 5 * e)
    m = (p + q) / 2
    js = 0.5 * sum(a * math.log2(a / b) for a, b in zip(p, m, strict=True) if a) + 0.5 * sum(
        a * math.log2(a / b) for a, b in zip(q, m, strict=True) if a)
    div = M.grid_divergence(real, fake, bounds, bins)
    assert div["kl"] == pytest.approx(float(np.sum(ps * np.log2(ps / qs))), rel=1e-12)
    assert div["js"] == pytest.approx(js, rel=1e-12) and div["outside"] == 0.25


def test_js_symmetric_bounded_and_one_bit_for_disjoint_supports():
    a, b = ring8(3000, 8), np.random.default_rng(9).uniform(-3, 3, (3000, 2))
    ab, ba = M.grid_divergence(a, b, RING_BOUNDS), M.grid_divergence(b, a, RING_BOUNDS)
    assert ab["js"] == pytest.approx(ba["js"], abs=1e-12) and 0 <= ab["js"] <= 1
    disjoint = M.grid_divergence(ring8(2000, 10, modes=[0, 1]), ring8(2000, 11, modes=[4, 5]), RING_BOUNDS)
    assert disjoint["js"] == pytest.approx(1.0, abs=1e-9)
    assert math.isfinite(disjoint["kl"]) and disjoint["kl"] > 15       # smoothed: about log2(1 / SMOOTHING)


def test_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="bounds"):
        M.grid_histogram(np.zeros((3, 2)), (1, 1, 0, 1))
    with pytest.raises(ValueError, match="shape"):
        M.mode_stats(np.zeros((3, 3)), RING_MODES, 0.02)


# ---- image features ------------------------------------------------------------------------------------------
def test_frechet_same_gaussian_near_zero_and_large_for_noise():
    rng = np.random.default_rng(0)
    mix = rng.standard_normal((16, 16)) / 4
    a, b = rng.standard_normal((4000, 16)) @ mix, rng.standard_normal((4000, 16)) @ mix
    assert M.frechet_distance(a, b) < 0.05       # finite-sample bias only
    assert M.frechet_distance(a, 3 * rng.standard_normal((4000, 16)) + 2) > 100


def test_frechet_matches_closed_form():
    mu1, mu2 = np.array([0.0, 1.0]), np.array([2.0, -1.0])
    rot = np.array([[math.cos(0.7), -math.sin(0.7)], [math.sin(0.7), math.cos(0.7)]])
    s1, s2 = np.diag([4.0, 1.0]), rot @ np.diag([9.0, 0.25]) @ rot.T   # not commuting
    prod = s1 @ s2   # 2x2: tr sqrt(P) = sqrt(tr P + 2 sqrt(det P)) since P's eigenvalues are positive
    expected = 8.0 + np.trace(s1) + np.trace(s2) - 2 * math.sqrt(np.trace(prod) + 2 * math.sqrt(np.linalg.det(prod)))
    assert M.frechet_from_stats(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)
    # commuting diagonal covariances: |dmu|^2 + sum (sigma1 - sigma2)^2
    assert M.frechet_from_stats(mu1, np.diag([4.0, 1.0]), mu2, np.diag([1.0, 9.0])) == pytest.approx(8 + 1 + 4)
    rng = np.random.default_rng(1)
    x = rng.multivariate_normal(mu1, s1, 200000)
    y = rng.multivariate_normal(mu2, s2, 200000)
    assert M.frechet_distance(x, y) == pytest.approx(expected, rel=0.02)


def test_kid_near_zero_for_same_distribution_positive_otherwise():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((1000, 8)), rng.standard_normal((1000, 8))
    same, diff = M.kid(a, b, subsets=5, subset_size=500), M.kid(a, b + 1.0, subsets=5, subset_size=500)
    assert abs(same) < 0.05 and diff > 20 * abs(same)


def test_class_histogram_and_entropy():
    logits = torch.nn.functional.one_hot(torch.arange(1000) % 10, 10).float()
    counts = M.class_histogram(logits, 10)
    assert counts == [100] * 10 and M.class_entropy(counts) == pytest.approx(math.log2(10))
    single = M.class_histogram(torch.full((500,), 3), 10)
    assert single[3] == 500 and M.class_entropy(single) == 0.0
    assert M.class_entropy([50, 50, 0]) == pytest.approx(1.0)


def test_precision_recall_identical_and_far_away():
    rng = np.random.default_rng(3)
    real = rng.standard_normal((500, 6))
    assert M.precision_recall(real, real.copy()) == {"precision": 1.0, "recall": 1.0}
    far = M.precision_recall(real, rng.standard_normal((500, 6)) + 20)
    assert far["precision"] == 0.0 and far["recall"] == 0.0
    collapsed = M.precision_recall(real, 0.05 * rng.standard_normal((500, 6)))   # all fakes near the centre
    assert collapsed["precision"] > 0.9 and collapsed["recall"] < 0.3


class TinyClassifier(nn.Module):
    """Stand-in for gan_core.classifiers: features = pooled pixels, 10-class head."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.head = nn.Linear(16, 10)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.features(x))


def test_image_metrics_and_evaluator_on_images():
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(400, 1, 8, 8, generator=gen) * 2 - 1
    clf = TinyClassifier()
    same = M.image_metrics(clf, real[:200], real[200:], kid_subsets=3)
    assert same["fid"] < 0.5 and same["precision"] > 0.8 and same["recall"] > 0.8
    assert sum(same["class_counts"]) == 200 and len(same["class_counts"]) == 10
    noise = M.image_metrics(clf, real[:200], torch.ones(200, 1, 8, 8), kid_subsets=3)
    assert noise["fid"] > same["fid"] + 0.5 and noise["class_entropy"] == 0.0 and len(noise["missing_classes"]) == 9

    data = SimpleNamespace(kind="images", x=real, num_classes=10)
    ev = M.Evaluator(data, n_samples=300, classifier=clf)
    out = ev.evaluate(lambda n: torch.rand(n, 1, 8, 8) * 2 - 1, step=5)
    assert set(M.scalars(out)) >= {"fid", "kid", "class_entropy", "classes_covered", "precision", "recall"}
    assert out["step"] == 5 and sum(out["class_counts"]) == 300 and isinstance(out["missing_classes"], list)
    assert clf.training                        # extract() put it in eval mode and restored it


def test_evaluator_points_ring8():
    ev = M.Evaluator(ring_data(), n_samples=2000)
    good = ev.evaluate(lambda n: torch.tensor(ring8(n, 12)))
    assert good["modes_covered"] == 8 and good["js"] < 0.02 and good["missing_modes"] == []
    bad = ev.evaluate(lambda n: torch.tensor(ring8(n, 13, modes=[0, 1, 2])))
    assert bad["modes_covered"] == 3 and bad["missing_modes"] == [3, 4, 5, 6, 7]
    assert all(isinstance(v, float) for v in M.scalars(bad).values())
    alarm = ev.alarm()
    assert alarm["kind"] == "modes" and alarm["lost"] == [3, 4, 5, 6, 7] and (alarm["best"], alarm["now"]) == (8, 3)
    spiral = SimpleNamespace(kind="points", x=torch.randn(5000, 2), modes=None, mode_std=0.0, bounds=(0, 0, 0, 0))
    out = M.Evaluator(spiral, n_samples=500).evaluate(lambda n: torch.randn(n, 2))
    assert "modes_covered" not in out and out["js"] < 0.2


def test_evaluator_with_data_module_ring8_real_vs_real():
    from gan_core.data.builtin import load_dataset
    ev = M.Evaluator(load_dataset("ring8", seed=0), n_samples=2000)
    other = load_dataset("ring8", n_points=2000, seed=1).x
    out = ev.evaluate(lambda n: other[:n])
    assert out["modes_covered"] == 8 and out["js"] < 0.02 and out["hq_fraction"] > 0.98
    assert ev.reference["js"] < 0.02


def test_diverged_generator_gives_finite_points_metrics_and_nan_fid():
    ev = M.Evaluator(ring_data(), n_samples=100)
    out = ev.evaluate(lambda n: torch.full((n, 2), float("nan")))
    assert out["modes_covered"] == 0 and out["hq_fraction"] == 0.0 and out["js"] == pytest.approx(1.0)
    feats = np.random.default_rng(0).standard_normal((50, 4))
    assert math.isnan(M.frechet_distance(feats, np.full((50, 4), np.nan)))


# ---- collapse alarm -----------------------------------------------------------------------------------------
def test_collapse_alarm_fires_on_drop_and_is_silent_when_flat():
    full = [100] * 8
    flat = [{"step": s, "modes_covered": 8, "mode_counts": full} for s in range(0, 500, 100)]
    assert M.collapse_alarm(flat) is None and M.collapse_alarm([]) is None and M.collapse_alarm(flat[:1]) is None
    one_less = flat + [{"step": 500, "modes_covered": 7, "mode_counts": [100] * 7 + [0]}]
    assert M.collapse_alarm(one_less) is None                                  # 1 mode: not yet an alarm
    drop = flat + [{"step": 500, "modes_covered": 5, "mode_counts": [0, 100, 0, 100, 0, 100, 100, 100]}]
    alarm = M.collapse_alarm(drop)
    assert alarm["kind"] == "modes" and alarm["lost"] == [0, 2, 4] and alarm["best"] == 8 and alarm["now"] == 5
    assert alarm["step"] == 500 and "lost" in alarm["message"]
    assert M.collapse_alarm([{"modes_covered": 2}, {"modes_covered": 0}])["kind"] == "modes"   # below half


def test_collapse_alarm_fires_on_a_run_collapsed_from_the_start():
    """A run on one mode from its first evaluation never falls from a better one: the few-modes alarm catches it
    (fewer than half the modes at FEW_MODES_EVALS evaluations in a row, with the fakes on the data)."""
    def row(step, counts, hq=0.9):
        covered = sum(c > 0 for c in counts)
        return {"step": step, "modes_covered": covered, "hq_fraction": hq, "mode_counts": counts}
    one = [200] + [0] * 7
    assert M.collapse_alarm([row(500, one)]) is None                          # one evaluation: not yet
    alarm = M.collapse_alarm([row(500, one), row(1000, one)])
    assert alarm["kind"] == "few_modes" and alarm["now"] == 1 and alarm["total"] == 8 and alarm["covered"] == [0]
    assert (alarm["since_step"], alarm["step"], alarm["lost"]) == (500, 1000, []) and "1 of 8" in alarm["message"]
    three = [100, 100, 100, 0, 0, 0, 0, 0]
    assert M.collapse_alarm([row(500, three), row(1000, three)])["now"] == 3
    four = [100] * 4 + [0] * 4                                                 # half the modes: not "few"
    assert M.collapse_alarm([row(500, four), row(1000, four)]) is None
    assert M.collapse_alarm([row(500, one), row(1000, [100] * 8)]) is None     # it spread out again
    off = [row(500, one, hq=0.01), row(1000, one, hq=0.1)]                   # fakes not on the data yet
    assert M.collapse_alarm(off) is None and M.collapse_alarm([row(500, one, 0.01), row(1000, one)]) is None
    assert M.collapse_alarm([{"modes_covered": 1}, {"modes_covered": 1}]) is None   # mode count unknown
    drop = M.collapse_alarm([row(500, [100] * 8), row(1000, one), row(1500, one)])
    assert drop["kind"] == "modes" and drop["best"] == 8                       # a drop is reported as a drop
    healthy = [row(s, [100] * 8) for s in range(500, 3000, 500)]
    assert M.collapse_alarm(healthy) is None


def test_collapse_alarm_classes():
    uniform = {"class_entropy": math.log2(10), "class_counts": [100] * 10}
    assert M.collapse_alarm([uniform, dict(uniform)]) is None
    noisy = {"class_entropy": math.log2(10) - 0.1, "class_counts": [90] * 5 + [110] * 5}
    assert M.collapse_alarm([uniform, noisy]) is None
    counts = [0] + [111] * 9                                                    # class 0 vanished
    alarm = M.collapse_alarm([uniform, {"class_entropy": M.class_entropy(counts), "class_counts": counts}])
    assert alarm["kind"] == "classes" and alarm["lost"] == [0]
    low = M.collapse_alarm([uniform, {"class_entropy": 2.5}])                 # entropy fell 0.8 bits
    assert low["kind"] == "classes" and low["lost"] == [] and low["now"] == 2.5
