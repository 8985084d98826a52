"""Lesson checks 6-9 (issue 12): does each classifier lesson's effect appear, for one seed, within the lesson's
time on a laptop CPU with one training thread? ``python -m gan_core lessons check`` runs these judges.

Every judge is ``judge(seed, fast) -> {"passed", "seconds", "effect", "details"}``: it trains what the lesson
trains with the dashboard's defaults (seeded by ``seed``), measures, and compares the measurements with the
lesson's claim. ``fast=True`` gives shorter budgets (tests); the judgements stay the same.

Time. A lesson's budget is the dashboard's default run, in steps where the page counts steps, and a limit in
seconds (:data:`LESSON_SECONDS`). The limit is checked against the CPU seconds of the training (one torch
thread: the time one laptop core spends), not against the wall clock, which on a shared machine also counts
the other jobs; ``seconds`` in the result is the wall clock of the training, and ``details`` holds both.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from gan_core.attacks import fgsm, pgd
from gan_core.classifiers import TRAIN_EPOCHS, build_classifier, evaluate_accuracy, load_split, train_classifier
from gan_core.lessons.adversarial import AdversarialTrainer, AdvTrainConfig
from gan_core.lessons.attack_views import CURVE_EPS, eps_curves, fixed_subset
from gan_core.lessons.augment import AugmentConfig, AugmentTrainer
from gan_core.lessons.dann import ShiftConfig, run_shift_experiment
from gan_core.lessons.timing import TrainingClock
from gan_core.seeding import seeded

DATASET = "digits"   # the only labelled image set that needs no download; every lesson page opens on it
# Seconds of one training thread each lesson may take (CPU time; see the module docstring):
# 6: the class's classifier, get_classifier's recipe for digits (TRAIN_EPOCHS) within 10 seconds;
# 7: the robustness command's default --seconds 60 (the page's default run of 1,000 PGD steps takes about as
#    long on one thread); 8: the shift command's default --seconds 60 (the page's default run is 2,000 steps);
# 9: one seed of the page's default experiment (2,000 GAN + 400 classifier steps; the page runs 3 seeds).
LESSON_SECONDS = {6: 10.0, 7: 60.0, 8: 60.0, 9: 60.0}

# 6. Attacks: accuracies are fractions of N_ATTACKED test images; one image is the tolerance for ties
# (PGD's random start may land one image either way of FGSM's deterministic step, and of the next radius).
N_ATTACKED = 300
# 7. Adversarial training: the page's and the command's eps, and the claim's two numbers.
ADV_EPS = AdvTrainConfig().eps
ADV_MIN_GAIN = 0.15        # robust accuracy of the PGD-trained model over the standard model's
ADV_MIN_CLEAN = 0.80       # clean accuracy of the PGD-trained model
ADV_LOOK_EVERY = 100       # steps between looks at the PGD-trained model (the page's curve looks every 25)
ADV_EVAL_STEPS = 20        # PGD steps of every evaluation (robustness()'s default), alpha eps / 4
# 8. Distribution shift: the page's defaults (rotate, strength 0.5 = 30 degrees) and the claim's two numbers.
SHIFT_STEPS = 2000         # the page's default run (pages/distribution_shift.py)
SHIFT_MIN_COST = 0.10      # accuracy the source-only model loses on the shifted test set
SHIFT_MIN_DANN_GAIN = 0.03  # target accuracy DANN wins back over the source-only model
# 9. Augmentation at 10 labels per class. Seed noise: one classifier trained on the same 100 labels from
# another initialisation and batch order moves its test accuracy by 1.1 points (standard deviation over 24
# runs: 3 label draws x 8 initialisations, 400 steps, measured on this machine), so a difference of two arms
# has a standard deviation of about 1.5 points; a gain must beyond twice that, 3 points, to count.
AUG_LABELS = 10
AUG_MARGIN = 0.03


def _r(v: float) -> float:
    return round(float(v), 4)


def _class_classifier(seed: int, x: torch.Tensor, y: torch.Tensor, k: int) -> tuple[torch.nn.Module, dict]:
    """The classifier trained in class: ``get_classifier``'s recipe (CNN, Adam, the dataset's TRAIN_EPOCHS, here
    within LESSON_SECONDS[6]), seeded by ``seed`` instead of 0 so that every seed of the check is a new model."""
    with seeded(seed):
        model = build_classifier("cnn", tuple(x.shape[1:]), k)
    clock = TrainingClock()
    with clock:
        train_classifier(model, x, y, epochs=TRAIN_EPOCHS[DATASET], seconds=LESSON_SECONDS[6], seed=seed)
    return model.eval(), {"wall": clock.wall, "cpu": clock.cpu}


# ---- 6. adversarial examples --------------------------------------------------------------------------------
def judge_attacks(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 6: on the class's classifier, PGD is at least as strong as FGSM at every eps of the page's grid,
    accuracy under PGD falls with eps (non-increasing, at most half the clean accuracy at the largest eps), and
    every adversarial image stays within eps of its original in the L-inf norm.

    The curves are the page's (``attack_views.eps_curves``: FGSM; PGD with 10 steps of eps / 4 from a random
    start) on a seeded subset of N_ATTACKED test images (150 when ``fast``)."""
    x, y, k = load_split(DATASET, train=True)
    x_test, y_test, _ = load_split(DATASET, train=False)
    model, spent = _class_classifier(seed, x, y, k)
    xs, ys = fixed_subset(x_test, y_test, N_ATTACKED // 2 if fast else N_ATTACKED, seed=seed)
    n = len(xs)
    tol = 1.0 / n
    curves = eps_curves(model, xs, ys, CURVE_EPS, seed=seed)
    eps, acc_fgsm, acc_pgd = curves["eps"], curves["fgsm"], curves["pgd"]
    gen = torch.Generator().manual_seed(seed)
    linf = {"fgsm": [], "pgd": []}
    for e in eps:   # the bound, on the same images with the same attack settings
        linf["fgsm"].append(float((fgsm(model, xs, ys, eps=e) - xs).abs().max()))
        adv = pgd(model, xs, ys, eps=e, alpha=max(e, 1e-12) / 4, steps=10, generator=gen) if e > 0 else xs
        linf["pgd"].append(float((adv - xs).abs().max()))
    pgd_stronger = all(p <= f + tol for p, f in zip(acc_pgd, acc_fgsm, strict=True))
    falls = all(b <= a + tol for a, b in zip(acc_pgd[:-1], acc_pgd[1:], strict=True))
    clean = acc_pgd[0]
    far_lower = acc_pgd[-1] <= clean / 2
    bounded = all(v <= e + 1e-6 for name in linf for v, e in zip(linf[name], eps, strict=True))
    passed = pgd_stronger and falls and far_lower and bounded
    return {"passed": passed, "seconds": round(spent["wall"], 2),
            "effect": (f"{n} digits: clean {clean:.1%}; PGD/FGSM accuracy at eps {eps[3]:g} "
                       f"{acc_pgd[3]:.1%}/{acc_fgsm[3]:.1%}, at eps {eps[-1]:g} {acc_pgd[-1]:.1%}/{acc_fgsm[-1]:.1%};"
                       f" PGD <= FGSM + 1 image at every eps: {pgd_stronger}; PGD non-increasing: {falls};"
                       f" |x_adv - x|_inf <= eps: {bounded}"),
            "details": {"eps": eps, "fgsm_acc": [_r(v) for v in acc_fgsm], "pgd_acc": [_r(v) for v in acc_pgd],
                        "linf_fgsm": [_r(v) for v in linf["fgsm"]], "linf_pgd": [_r(v) for v in linf["pgd"]],
                        "items": n, "tie_tolerance": _r(tol), "pgd_stronger": pgd_stronger,
                        "pgd_non_increasing": falls, "largest_eps_at_most_half_clean": far_lower,
                        "linf_bounded": bounded, "train_seconds_cpu": round(spent["cpu"], 2),
                        "lesson_seconds": LESSON_SECONDS[6]}}


# ---- 7. adversarial training --------------------------------------------------------------------------------
def _robust_eval(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> dict[str, float]:
    """Clean, FGSM and PGD accuracy at ADV_EPS, as ``adversarial.robustness`` measures them."""
    gen = torch.Generator().manual_seed(seed)
    x_pgd = pgd(model, x, y, eps=ADV_EPS, alpha=ADV_EPS / 4, steps=ADV_EVAL_STEPS, generator=gen)
    return {"clean_acc": evaluate_accuracy(model, x, y), "fgsm_acc": evaluate_accuracy(model, fgsm(model, x, y,
            eps=ADV_EPS), y), "pgd_acc": evaluate_accuracy(model, x_pgd, y)}


def judge_adversarial_training(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 7: PGD adversarial training with the page's defaults (``AdvTrainConfig()``: eps 0.1, 7 steps of
    0.025, Adam 1e-3, batch 128) reaches a PGD accuracy at least ADV_MIN_GAIN above the class's standard
    classifier's, with a clean accuracy of at least ADV_MIN_CLEAN, within the page's default 1,000 steps and
    LESSON_SECONDS[7] CPU seconds (``fast``: 400 steps, 25 s).

    Both models are attacked on the whole digits test split (PGD eps 0.1, 20 steps of eps / 4 from a seeded
    random start, as ``robustness()`` does); the PGD-trained model is looked at every ADV_LOOK_EVERY steps and
    the run ends at the first look that shows the effect. ``seconds``: its training until that look."""
    x, y, k = load_split(DATASET, train=True)
    x_test, y_test, _ = load_split(DATASET, train=False)
    standard, _ = _class_classifier(seed, x, y, k)
    std = _robust_eval(standard, x_test, y_test, seed)
    max_steps, limit = (400, 25.0) if fast else (1000, LESSON_SECONDS[7])
    trainer = AdversarialTrainer(AdvTrainConfig(dataset=DATASET, seed=seed, device="cpu", eval_every=10**7))
    clock, looks, shown = TrainingClock(), [], None
    while trainer.step_count < max_steps and clock.cpu < limit:
        with clock:
            for _ in range(ADV_LOOK_EVERY):
                trainer.step(sync=False)
        adv = _robust_eval(trainer.model, x_test, y_test, seed)
        looks.append({"step": trainer.step_count, "cpu_seconds": round(clock.cpu, 2),
                      **{key: _r(v) for key, v in adv.items()}})
        if adv["pgd_acc"] >= std["pgd_acc"] + ADV_MIN_GAIN and adv["clean_acc"] >= ADV_MIN_CLEAN:
            shown = looks[-1]
            break
    last = looks[-1]
    passed = shown is not None and shown["cpu_seconds"] <= limit
    return {"passed": passed, "seconds": round(clock.wall, 2),
            "effect": (f"eps {ADV_EPS:g}, {len(x_test)} test digits: PGD accuracy standard {std['pgd_acc']:.1%} vs "
                       f"PGD-trained {last['pgd_acc']:.1%} ({100 * (last['pgd_acc'] - std['pgd_acc']):+.1f} points), "
                       f"clean {std['clean_acc']:.1%} vs {last['clean_acc']:.1%}, after {last['step']} steps / "
                       f"{last['cpu_seconds']:.0f} s of one thread"),
            "details": {"eps": ADV_EPS, "standard": {key: _r(v) for key, v in std.items()},
                        "adversarial": last, "looks": looks, "shown_at_step": shown and shown["step"],
                        "train_seconds_cpu": round(clock.cpu, 2), "lesson_seconds": limit, "max_steps": max_steps,
                        "test_items": len(x_test)}}


# ---- 8. distribution shift ----------------------------------------------------------------------------------
def judge_shift(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 8: with the page's defaults (digits rotated by 30 degrees, ``ShiftConfig()``, 2,000 steps), the
    source-only classifier loses at least SHIFT_MIN_COST on the shifted test set and DANN wins back at least
    SHIFT_MIN_DANN_GAIN of target accuracy, measured at the end of the run (``run_shift_experiment``, the
    ``shift`` command), on all test items, within LESSON_SECONDS[8] CPU seconds of training."""
    cfg = ShiftConfig()
    steps, overrides = SHIFT_STEPS, {}
    if fast:   # half the run, with the gradient reversal warmed up in half the steps too
        steps, overrides = SHIFT_STEPS // 2, {"warmup_steps": cfg.warmup_steps // 2}
    cpu = time.process_time()
    r = run_shift_experiment(DATASET, cfg.shift, cfg.strength, 3600.0, steps=steps, seed=seed, device="cpu",
                             **overrides)
    cpu = time.process_time() - cpu
    cost, gain = r["shift_cost"], r["dann_gain"]
    passed = (r["steps"] == steps and cost >= SHIFT_MIN_COST and gain >= SHIFT_MIN_DANN_GAIN
              and cpu <= LESSON_SECONDS[8])
    so, dann = r["source_only"], r["dann"]
    return {"passed": passed, "seconds": r["seconds"],
            "effect": (f"{r['description']}: source-only {so['source_acc']:.1%} -> {so['target_acc']:.1%} "
                       f"({100 * cost:.1f} points lost), DANN target {dann['target_acc']:.1%} "
                       f"({100 * gain:+.1f} points), domain AUC {r['domain_auc']:.2f}, {r['steps']} steps"),
            "details": {"shift_cost": cost, "dann_gain": gain, "source_only": so, "dann": dann,
                        "domain_auc": r["domain_auc"], "steps": r["steps"], "seconds_cpu": round(cpu, 2),
                        "lesson_seconds": LESSON_SECONDS[8], "test_items": r["test_items"], **overrides}}


# ---- 9. GAN-made training data ------------------------------------------------------------------------------
def judge_augment(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 9: one seed of the page's experiment (``AugmentConfig()``: conditional GAN on AUG_LABELS labels per
    class, then classifiers on the same real batches) shows that generated images with their right labels
    help (augmented > real only + AUG_MARGIN, and > the equal-number-of-images control, real + duplicated real,
    + AUG_MARGIN) and that random labels hurt (random labels < real only - AUG_MARGIN), on the whole test
    split, within LESSON_SECONDS[9] CPU seconds (``fast``: half the GAN steps)."""
    base = AugmentConfig()
    gan_steps = base.gan_steps // 2 if fast else base.gan_steps
    cfg = AugmentConfig(dataset=DATASET, labels_per_class=AUG_LABELS, seeds=1, seed=seed, gan_steps=gan_steps,
                        device="cpu", eval_every=10**7)
    clock = TrainingClock()
    with clock:
        trainer = AugmentTrainer(cfg)
        while trainer.phase != "done":
            trainer.step(sync=False)
    r = trainer.results[0]
    real, aug, rnd, dup = (r[f"{a}_acc"] for a in ("real_only", "augmented", "random_labels", "duplicated"))
    helps, beats_control, random_hurts = aug > real + AUG_MARGIN, aug > dup + AUG_MARGIN, rnd < real - AUG_MARGIN
    passed = helps and beats_control and random_hurts and clock.cpu <= LESSON_SECONDS[9]
    return {"passed": passed, "seconds": round(clock.wall, 2),
            "effect": (f"{AUG_LABELS} labels per class, {cfg.gen_per_class} generated per class: real only "
                       f"{real:.1%}, + generated {aug:.1%} ({100 * (aug - real):+.1f}), + duplicated real {dup:.1%} "
                       f"({100 * (dup - real):+.1f}), + generated with random labels {rnd:.1%} "
                       f"({100 * (rnd - real):+.1f}); margin {100 * AUG_MARGIN:.0f} points"),
            "details": {"real_only_acc": _r(real), "augmented_acc": _r(aug), "duplicated_acc": _r(dup),
                        "random_labels_acc": _r(rnd), "label_agreement": _r(r["label_agreement"]),
                        "gain": _r(aug - real), "gain_over_control": _r(aug - dup), "random_loss": _r(real - rnd),
                        "margin": AUG_MARGIN, "helps": helps, "beats_control": beats_control,
                        "random_hurts": random_hurts, "gan_steps": gan_steps, "clf_steps": cfg.clf_steps,
                        "gen_per_class": cfg.gen_per_class, "seconds_cpu": round(clock.cpu, 2),
                        "lesson_seconds": LESSON_SECONDS[9], "test_items": len(trainer.y_test)}}


JUDGES_CLASSIFIERS: dict[int, Callable[[int, bool], dict[str, Any]]] = {
    6: judge_attacks, 7: judge_adversarial_training, 8: judge_shift, 9: judge_augment}
