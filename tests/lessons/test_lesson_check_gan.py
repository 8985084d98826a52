"""Lesson checks 1-5 (gan_core.lessons.check_gan): the fast judgements pass on two seeds, so a change that breaks
a GAN lesson's effect fails here; the contrast presets the comparisons need; the rank correlation."""
import json
import math

import pytest
import torch
from judging import assert_passed

from gan_core.config import list_presets, load_preset, preset_contrast
from gan_core.lessons import check_gan
from gan_core.lessons.check import judges
from gan_core.lessons.check_gan import JUDGES_GAN, spearman

SEEDS = (0, 1)
ONE_SEED = (0,)   # lessons 3-5 train two or more runs of a lesson's length each: one seed keeps `make test` short


def test_registry_names_lessons_1_to_9():
    assert sorted(JUDGES_GAN) == [1, 2, 3, 4, 5]
    assert sorted(judges()) == list(range(1, 10))
    assert "streamlit" not in JUDGES_GAN[1].__module__


def test_comparison_lessons_name_their_contrast_both_ways():
    """Lessons 2, 3 and 5 compare two presets: each names the other, and the pair differs in the lesson's knob."""
    pairs = {"minimax-saturating": {"loss"}, "fashion-dcgan": None, "ring8-collapse": None}
    for name, knobs in pairs.items():
        other = preset_contrast(name)
        assert other is not None and preset_contrast(other) == name
        a, b = load_preset(name).to_dict(), load_preset(other).to_dict()
        differ = {k for k in a if a[k] != b[k]}
        assert differ and (knobs is None or differ == knobs), (name, differ)
        assert list_presets()[other]["lesson"] == list_presets()[name]["lesson"]
    assert preset_contrast("quadratic-classic") is None


def test_a_bad_contrast_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("gan_core.config.PRESETS_DIR", tmp_path)
    (tmp_path / "a.json").write_text(json.dumps({"description": "a", "lesson": 2, "contrast": "nope",
                                                 "config": {"dataset": "ring8"}}))
    (tmp_path / "b.json").write_text(json.dumps({"description": "b", "lesson": 2, "contrast": "b",
                                                 "config": {"dataset": "ring8"}}))
    for name, bad in (("a", "contrast='nope'"), ("b", "contrast='b'")):
        with pytest.raises(ValueError, match=bad):
            preset_contrast(name)
        assert load_preset(name).dataset == "ring8"      # the key is the preset's, not the config's
    with pytest.raises(ValueError, match="preset='zz'"):
        preset_contrast("zz")
    (tmp_path / "c.json").write_text(json.dumps({"description": "c", "config": {"contrast": "a"}}))
    with pytest.raises(ValueError, match="unknown config key 'contrast'"):
        load_preset("c")


def test_spearman():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(3 / math.sqrt(10))      # ties share their mean rank
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3])) and math.isnan(spearman([1, 2], [2, 1]))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson1_curve(seed):
    torch.set_num_threads(1)
    r = JUDGES_GAN[1](seed, True)
    assert_passed(r)
    d = r["details"]
    assert d["on_curve"]["js"] < check_gan.CURVE_JS and d["real_never_moved"]
    assert all(look["real_moved"] == 0.0 and look["fake_moved"] > 0 for look in d["update_looks"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson2_saturating_gradient_vanishes(seed):
    torch.set_num_threads(1)
    r = JUDGES_GAN[2](seed, True)
    assert_passed(r)
    assert r["details"]["grad_ratio"] >= check_gan.GRAD_RATIO


@pytest.mark.slow
@pytest.mark.parametrize("seed", ONE_SEED)
def test_lesson3_dcgan_beats_the_mlp_at_equal_steps(seed):
    torch.set_num_threads(1)
    r = JUDGES_GAN[3](seed, True)
    assert_passed(r)
    assert all(d < m for _, d, m in r["details"]["fid_pairs"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson4_a_learning_rate_change_shows_beyond_the_seed_noise(seed):
    """Lesson 4's knob half. Its plain-loss half (the plain D loss does not follow quality) does not hold yet:
    over 30 s the plain D loss drifts against grid JS (the README's lesson table), so the whole judge fails."""
    torch.set_num_threads(1)
    knob = check_gan.lr_change_effect(seed)
    assert knob["visible"], knob
    assert knob["effect"] > check_gan.NOISE_MARGIN * knob["noise"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson4_the_wgan_critics_w_estimate_follows_quality(seed):
    """Lesson 4's WGAN half on its first 1,000 steps (10 looks, whatever the machine's load): the W estimate
    critic(x) - critic(G(z)) falls with the grid JS. Its logged loss, which adds 10 x the penalty, is not it."""
    torch.set_num_threads(1)
    r = check_gan._quality_track(check_gan._cfg(check_gan.WGAN, seed), math.inf, check_gan.QUALITY_EVERY, 1000)
    assert len(r["js"]) == 10 and r["js"][-1] < r["js"][0]
    assert check_gan.spearman(r["w_estimate"], r["js"]) >= check_gan.RHO_WGAN, r
    assert not any(w == pytest.approx(-loss) for w, loss in zip(r["w_estimate"], r["loss_d"], strict=True))


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="lesson 5 does not show its effect yet: ring8-collapse keeps a median of 7/8 "
                   "modes over the second half on seeds 0-1 (needs <= 5); the preset needs tuning (issue 12)")
@pytest.mark.parametrize("seed", ONE_SEED)
def test_lesson5_collapse_and_cure(seed):
    torch.set_num_threads(1)
    r = JUDGES_GAN[5](seed, True)
    assert_passed(r)
    d = r["details"]
    assert d["late_median_modes"] <= 8 - check_gan.MODES_LOST and d["alarm"] is not None
    assert d["cure_evals"][-1]["modes_covered"] == 8
