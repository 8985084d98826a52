"""Lesson checks 6-9 (gan_core.lessons.check_classifiers): the fast judgements pass on two seeds, so a change
that breaks a lesson's effect fails here; the judges' shape; the augmentation verdict's control fields."""
import math

import pytest
import torch
from judging import assert_passed

from gan_core.lessons.augment import TRAINED_ARMS, verdict
from gan_core.lessons.check_classifiers import JUDGES_CLASSIFIERS

SEEDS = (0, 1)


def test_registry_names_lessons_6_to_9():
    assert sorted(JUDGES_CLASSIFIERS) == [6, 7, 8, 9]
    assert "streamlit" not in JUDGES_CLASSIFIERS[6].__module__


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson6_attacks(seed):
    torch.set_num_threads(1)
    r = JUDGES_CLASSIFIERS[6](seed, True)
    assert_passed(r)
    d = r["details"]
    assert all(p <= f + d["tie_tolerance"] for p, f in zip(d["pgd_acc"], d["fgsm_acc"], strict=True))
    assert max(d["linf_pgd"]) <= max(d["eps"]) + 1e-6 and d["pgd_acc"][-1] < d["pgd_acc"][0] / 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson7_adversarial_training(seed):
    torch.set_num_threads(1)
    r = JUDGES_CLASSIFIERS[7](seed, True)
    assert_passed(r)
    d = r["details"]
    assert d["adversarial"]["pgd_acc"] >= d["standard"]["pgd_acc"] + 0.15 and d["adversarial"]["clean_acc"] >= 0.8


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson8_shift(seed):
    torch.set_num_threads(1)
    r = JUDGES_CLASSIFIERS[8](seed, True)
    assert_passed(r)
    assert r["details"]["shift_cost"] >= 0.10 and r["details"]["dann_gain"] >= 0.03


@pytest.fixture(scope="module")
def lesson9():
    torch.set_num_threads(1)
    return [JUDGES_CLASSIFIERS[9](seed, True) for seed in SEEDS]


@pytest.mark.slow
def test_lesson9_random_labels_hurt(lesson9):
    for r in lesson9:
        d = r["details"]
        assert d["random_labels_acc"] < d["real_only_acc"] - d["margin"], r["effect"]


@pytest.mark.slow
@pytest.mark.xfail(reason="lesson 9's gain from correctly labelled generated images at 10 labels per class is "
                          "+0.5 to +1.4 points, within the 3-point seed noise (docs/lesson_check_6-9.txt)")
def test_lesson9_generated_labels_help_beyond_the_control(lesson9):
    for r in lesson9:
        assert_passed(r)
        d = r["details"]
        assert d["augmented_acc"] > max(d["real_only_acc"], d["duplicated_acc"]) + d["margin"]


def test_verdict_reports_the_equal_size_control():
    assert TRAINED_ARMS[-1] == "duplicated"
    seeds = [{"real_only_acc": 0.80, "augmented_acc": 0.85, "duplicated_acc": 0.86},
             {"real_only_acc": 0.82, "augmented_acc": 0.84, "duplicated_acc": 0.81}]
    v = verdict(seeds)
    assert v["kind"] == "helps" and v["control_kind"] == "mixed"
    assert v["control_lo"] == pytest.approx(-0.01) and v["control_hi"] == pytest.approx(0.03)
    old = verdict([{"real_only_acc": 0.8, "augmented_acc": 0.7}])   # results saved before the control existed
    assert old["kind"] == "hurts" and old["control_kind"] == "none" and math.isnan(old["control_gain"])
