"""Lesson checks 1-5 (issue 12): does each GAN lesson's effect appear, for one seed, within the lesson's time on
a laptop CPU with one training thread? ``python -m gan_core lessons check`` runs these judges.

Every judge is ``judge(seed, fast) -> {"passed", "seconds", "effect", "details"}`` (as ``check_classifiers``):
it trains the lesson's preset (and, for the comparisons 2, 3 and 5, its contrast preset, named by the preset's
``contrast`` key) with ``seed`` through ``Trainer`` directly, measures what the student is told to notice, and
compares the measurements with the lesson's claim. ``fast=True`` gives shorter budgets (tests); the
judgements stay the same.

Time. Every limit (:data:`LESSON_SECONDS`) is checked against the CPU time of the thread that trains
(``time.thread_time`` around the training steps only, with one torch thread: what one laptop core spends),
never the wall clock, which on a shared machine also counts the other jobs; evaluations are left out. The
``seconds`` of a result are those CPU seconds until the effect showed; ``details`` also holds the wall clock.
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gan_core.config import TrainConfig, load_preset, preset_contrast
from gan_core.lessons.features import update_effect
from gan_core.lessons.timing import TrainingClock
from gan_core.metrics import Evaluator
from gan_core.trainer import Trainer

# CPU seconds of one training thread each lesson may take: 1, the "fakes on the curve within 10 s";
# 2, 4 and 5, the lesson's minute; 3, "recognisable garments within 2 minutes".
LESSON_SECONDS = {1: 10.0, 2: 60.0, 3: 120.0, 4: 60.0, 5: 60.0}
CLOCK = "CPU seconds of the training thread (time.thread_time, 1 torch thread)"

# 1. The quadratic curve: grid JS (20 x 20 cells, 2,000 fakes; same-distribution noise 0.005-0.007 bits) below
# 0.1 bits, looked at every JS_EVERY steps; one G update on a private copy at steps 50, 100, ..., 450.
CURVE = "quadratic-classic"
CURVE_JS = 0.1
JS_EVERY = 100
UPDATE_LOOKS = tuple(range(50, 500, 50))
UPDATE_SHARE = 2 / 3          # looks at which the fake centroid must get closer to the real one
# 2. Saturating vs non-saturating: G's gradient norm over the first GRAD_STEPS steps (median of every step);
# the quality target: at least RING_HQ of the fakes on the ring (within 3 std of a mode; covering all 8 modes is
# lesson 5's matter); "clearly sooner" = in at most 1 / SOONER of the steps.
SATURATING = "minimax-saturating"
GRAD_STEPS = 300
GRAD_RATIO = 10.0
RING_HQ = 0.5
SOONER = 2.0
# 3. MLP vs DCGAN on Fashion-MNIST: "recognisable" = >= 7 of 10 classes by the FID classifier and FID below
# FASHION_FID (see the constant's comment), looked at every IMAGE_EVERY steps on 1,000 fakes.
DCGAN = "fashion-dcgan"
FASHION_CLASSES = 7
FASHION_FID = 30.0
IMAGE_EVERY = 250
# 4. Tricks: the learning rate is multiplied by LR_FACTOR at step LR_AT; the loss curves of the LR_WINDOW steps
# after it are compared with those of the same run without the change and with NOISE_SEEDS other seeds.
KNOBS, WGAN = "ring8-lr-knobs", "ring8-wgan-gp"
LR_AT, LR_WINDOW, LR_FACTOR = 500, 200, 10.0
NOISE_SEEDS = 3
LR_STAT = "loss_d_std"
NOISE_MARGIN = 2.0
QUALITY_EVERY = 100
RHO_WGAN = 0.6                # Spearman of the critic's W estimate with the grid JS over a run, at least
RHO_PLAIN = 0.3               # |Spearman| of the plain D loss with the grid JS, at most
# 5. Collapse and cure: >= 3 of 8 modes lost and the collapse alarm fired; the cure covers 8 of 8 with at least
# half the samples high quality.
COLLAPSE = "ring8-collapse"
MODES_LOST = 3


def _r(v: float, nd: int = 4) -> float:
    return round(float(v), nd)


def _cfg(name: str, seed: int, **overrides: Any) -> TrainConfig:
    return load_preset(name).replace(seed=seed, device="cpu", threads=1, **overrides)


def _contrast(name: str) -> str:
    other = preset_contrast(name)
    if other is None:
        raise ValueError(f"preset={name!r} names no contrast preset; lessons 2, 3 and 5 compare two presets")
    return other


def _sample_fn(trainer: Trainer) -> Callable[[int], torch.Tensor]:
    return lambda n: trainer.sample(n)


def spearman(a: Any, b: Any) -> float:
    """Spearman's rank correlation of two equally long sequences (ties get their mean rank); NaN when either
    is constant or shorter than 3."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 3:
        return float("nan")

    def ranks(v: np.ndarray) -> np.ndarray:
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=np.float64)
        for value in np.unique(v):       # ties: the mean of their ranks
            tied = v == value
            r[tied] = r[tied].mean()
        return r

    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _ring_target(r: dict[str, Any]) -> bool:
    return r.get("modes_covered") == 8 and r.get("hq_fraction", 0.0) >= RING_HQ


def _on_ring(r: dict[str, Any]) -> bool:
    return r.get("hq_fraction", 0.0) >= RING_HQ


# ---- 1. what a GAN learns -----------------------------------------------------------------------------------
def judge_curve(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 1 (``quadratic-classic``): the fakes are on the curve (grid JS to the real curve below CURVE_JS
    bits, 2,000 fakes, looked at every JS_EVERY steps) within LESSON_SECONDS[1] CPU seconds; and early in the
    run (UPDATE_LOOKS, steps 50-450) one G update on a private copy (``features.update_effect``) leaves every
    real sample's D features exactly where they were at every look and moves the fake feature centroid closer
    to the real one at UPDATE_SHARE of the looks at least. ``fast`` changes nothing (the lesson takes seconds).
    """
    trainer = Trainer(_cfg(CURVE, seed))
    ev = Evaluator(trainer.data, seed=seed)
    clock, looks, js, shown = TrainingClock(time.thread_time), [], [], None
    limit = LESSON_SECONDS[1]
    while clock.cpu < limit and (shown is None or trainer.step_count < UPDATE_LOOKS[-1]):
        with clock:
            trainer.step(sync=False)
        step = trainer.step_count
        if step in UPDATE_LOOKS:
            u = update_effect(trainer, "g", 1, seed=seed)
            looks.append({"step": step, "gap_before": _r(u.gap_before), "gap_after": _r(u.gap_after),
                          "fake_moved": _r(u.fake_moved, 6), "real_moved": float(u.real_moved)})
        if step % JS_EVERY == 0 and shown is None:
            r = ev.evaluate(_sample_fn(trainer), step)
            js.append((step, _r(r["js"])))
            if r["js"] < CURVE_JS:
                shown = {"step": step, "cpu_seconds": _r(clock.cpu, 2), "js": _r(r["js"])}
    closer = sum(lk["gap_after"] < lk["gap_before"] for lk in looks)
    real_still = bool(looks) and all(lk["real_moved"] == 0.0 for lk in looks)
    enough = len(looks) == len(UPDATE_LOOKS) and closer >= UPDATE_SHARE * len(looks)
    on_curve = shown is not None and shown["cpu_seconds"] <= limit
    passed = on_curve and real_still and enough
    when = (f"JS {shown['js']:.3f} bits at step {shown['step']} ({shown['cpu_seconds']:.1f} s)" if shown else
            f"JS never below {CURVE_JS:g} bits in {limit:g} s (last {js[-1][1] if js else float('nan'):.3f})")
    return {"passed": passed, "seconds": shown["cpu_seconds"] if shown else None,
            "effect": (f"fakes on the curve: {when}; one G update (steps {UPDATE_LOOKS[0]}-{UPDATE_LOOKS[-1]}) "
                       f"brings the fake centroid closer in {closer}/{len(looks)} looks, real features moved: "
                       f"{'never' if real_still else 'YES'}; time = {CLOCK}"),
            "details": {"on_curve": shown, "js_curve": js, "update_looks": looks, "closer": closer,
                        "real_never_moved": real_still, "share_needed": _r(UPDATE_SHARE), "js_limit": CURVE_JS,
                        "lesson_seconds": limit, "train_seconds_cpu": _r(clock.cpu, 2),
                        "train_seconds_wall": _r(clock.wall, 2), "clock": CLOCK}}


# ---- 2. the minimax game -----------------------------------------------------------------------------------
def _ring_run(cfg: TrainConfig, limit: float, max_steps: int, grad_steps: int = 0) -> dict[str, Any]:
    """Train ``cfg`` on the ring until the quality target (``_on_ring``, looked at every ``cfg.eval_every``
    steps as the Train page does), ``max_steps`` or ``limit`` CPU seconds; G's gradient norm of each of the
    first ``grad_steps`` steps."""
    trainer = Trainer(cfg)
    ev = Evaluator(trainer.data, seed=cfg.seed)
    clock, grads, evals, hit = TrainingClock(time.thread_time), [], [], None
    while clock.cpu < limit and trainer.step_count < max_steps and hit is None:
        with clock:
            m = trainer.step(sync=trainer.step_count < grad_steps)
        if m:
            grads.append(m["grad_norm_g"])
        if trainer.step_count % cfg.eval_every == 0:
            r = ev.evaluate(_sample_fn(trainer), trainer.step_count)
            evals.append({"step": trainer.step_count, "cpu_seconds": _r(clock.cpu, 2),
                          "modes_covered": r["modes_covered"], "hq_fraction": _r(r["hq_fraction"], 3)})
            if _on_ring(r):
                hit = evals[-1]
    return {"grads": grads, "evals": evals, "hit": hit, "steps": trainer.step_count, "cpu": clock.cpu,
            "wall": clock.wall}


def judge_saturating(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 2 (``minimax-saturating`` and its contrast, the same preset with the non-saturating loss, same
    seed): over the first GRAD_STEPS steps the median of G's gradient norm with the saturating loss is at least
    GRAD_RATIO times smaller than with the non-saturating one, and the non-saturating run reaches the quality
    target (at least RING_HQ of the fakes within 3 std of a mode) within LESSON_SECONDS[2] CPU seconds in at
    most 1 / SOONER of the steps the saturating run needs (which runs that many steps; not reaching the target
    by then counts as later). ``fast``: only the gradient norms."""
    sat_name = SATURATING
    ns_name = _contrast(sat_name)
    limit = LESSON_SECONDS[2] / (4 if fast else 1)
    ns = _ring_run(_cfg(ns_name, seed), limit, 10**9 if not fast else GRAD_STEPS, GRAD_STEPS)
    hit = ns["hit"]
    sat_steps = GRAD_STEPS if fast or hit is None else max(GRAD_STEPS, math.ceil(SOONER * hit["step"]))
    sat = _ring_run(_cfg(sat_name, seed), math.inf, sat_steps, GRAD_STEPS)
    g_sat, g_ns = statistics.median(sat["grads"]), statistics.median(ns["grads"])
    ratio = g_ns / g_sat if g_sat > 0 else math.inf
    sat_hit = sat["hit"]
    sooner = hit is not None and (sat_hit is None or sat_hit["step"] >= SOONER * hit["step"])
    grad_ok = ratio >= GRAD_RATIO
    passed = grad_ok and (fast or (sooner and hit["cpu_seconds"] <= LESSON_SECONDS[2]))
    if fast:
        race = "quality race not run (fast)"
    elif hit is None:
        race = f"non-saturating never had {RING_HQ:.0%} of its fakes on the ring in {limit:g} s"
    else:
        later = f"step {sat_hit['step']}" if sat_hit else f"not by step {sat['steps']}"
        race = (f"{RING_HQ:.0%} of the fakes on the ring: non-saturating at step {hit['step']} "
                f"({hit['cpu_seconds']:.1f} s), saturating {later}")
    return {"passed": passed, "seconds": None if fast or hit is None else hit["cpu_seconds"],
            "effect": (f"median |grad G| over the first {GRAD_STEPS} steps: saturating {g_sat:.3g} vs "
                       f"non-saturating {g_ns:.3g} ({ratio:.1f}x, need {GRAD_RATIO:g}x); {race}; time = {CLOCK}"),
            "details": {"contrast": ns_name, "grad_norm_saturating": _r(g_sat, 6), "grad_norm_nonsaturating":
                        _r(g_ns, 6), "grad_ratio": _r(ratio, 2), "grad_ok": grad_ok, "sooner": sooner,
                        "nonsaturating_hit": hit, "saturating_hit": sat_hit, "saturating_steps": sat["steps"],
                        "nonsaturating_evals": ns["evals"], "saturating_evals": sat["evals"],
                        "lesson_seconds": LESSON_SECONDS[2], "clock": CLOCK,
                        "train_seconds_wall": _r(ns["wall"] + sat["wall"], 2)}}


# ---- 3. MLP vs DCGAN ---------------------------------------------------------------------------------------
def _image_run(cfg: TrainConfig, limit: float, max_steps: int, classifier: torch.nn.Module,
               stop: Callable[[dict[str, Any]], bool] | None = None, save_png: bool = False) -> dict[str, Any]:
    """Train ``cfg`` for ``max_steps`` steps or ``limit`` CPU seconds, evaluating (FID, classes by the FID
    classifier, 1,000 fakes) every IMAGE_EVERY steps; stop early at the first evaluation ``stop`` accepts."""
    trainer = Trainer(cfg)
    ev = Evaluator(trainer.data, classifier=classifier, seed=cfg.seed)
    clock, evals, hit = TrainingClock(time.thread_time), [], None
    while clock.cpu < limit and trainer.step_count < max_steps:
        with clock:
            for _ in range(IMAGE_EVERY):
                trainer.step(sync=False)
        r = ev.evaluate(_sample_fn(trainer), trainer.step_count)
        evals.append({"step": trainer.step_count, "cpu_seconds": _r(clock.cpu, 2), "fid": _r(r["fid"], 2),
                      "classes_covered": int(r["classes_covered"]), "class_entropy": _r(r["class_entropy"], 3)})
        if stop is not None and stop(r):
            hit = evals[-1]
            break
    png = trainer.view().png if save_png else None
    return {"evals": evals, "hit": hit, "steps": trainer.step_count, "cpu": clock.cpu, "wall": clock.wall,
            "png": png}


def _garments(r: dict[str, Any]) -> bool:
    return r["classes_covered"] >= FASHION_CLASSES and r["fid"] < FASHION_FID


def judge_dcgan(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 3 (``fashion-dcgan`` and its contrast, the classic MLP GAN on Fashion-MNIST, same seed): the
    DCGAN draws recognisable garments (at least FASHION_CLASSES of the 10 classes by the FID classifier and FID
    below FASHION_FID, 1,000 fakes, looked at every IMAGE_EVERY steps) within LESSON_SECONDS[3] CPU seconds,
    and at that step the MLP GAN's FID is higher (equal steps). ``fast``: both runs for 2 x IMAGE_EVERY steps;
    the DCGAN's FID must be the lower one at every evaluation (the garments are not asked for)."""
    from gan_core.classifiers import get_classifier

    mlp_name = _contrast(DCGAN)
    dc_cfg, mlp_cfg = _cfg(DCGAN, seed), _cfg(mlp_name, seed)
    classifier, clf_acc = get_classifier(dc_cfg.dataset, dc_cfg.data_root, device="cpu")
    limit = LESSON_SECONDS[3]
    if fast:
        dc = _image_run(dc_cfg, math.inf, 2 * IMAGE_EVERY, classifier)
    else:
        dc = _image_run(dc_cfg, limit, 10**9, classifier, stop=_garments)
    steps = dc["hit"]["step"] if dc["hit"] else dc["steps"]
    mlp = _image_run(mlp_cfg, math.inf, steps, classifier)
    mlp_fid = {e["step"]: e["fid"] for e in mlp["evals"]}
    pairs = [(e["step"], e["fid"], mlp_fid[e["step"]]) for e in dc["evals"] if e["step"] in mlp_fid]
    lower_at_end = bool(pairs) and pairs[-1][1] < pairs[-1][2]
    if fast:
        passed = bool(pairs) and all(d < m for _, d, m in pairs)
        seconds = None
    else:
        passed = dc["hit"] is not None and dc["hit"]["cpu_seconds"] <= limit and lower_at_end
        seconds = dc["hit"]["cpu_seconds"] if dc["hit"] else None
    last = dc["hit"] or (dc["evals"][-1] if dc["evals"] else {})
    shown = (f"at step {last.get('step')} ({last.get('cpu_seconds', float('nan')):.0f} s)" if dc["hit"] else
             f"not within {limit:g} s (best FID {min((e['fid'] for e in dc['evals']), default=float('nan')):.1f})")
    return {"passed": passed, "seconds": seconds,
            "effect": (f"Fashion-MNIST, garments = >= {FASHION_CLASSES} classes and FID < {FASHION_FID:g}: DCGAN "
                       f"{shown}, FID {last.get('fid', float('nan')):.1f}, {last.get('classes_covered')} classes; "
                       f"MLP GAN at the same step FID {pairs[-1][2] if pairs else float('nan'):.1f}; "
                       f"time = {CLOCK}"),
            "details": {"contrast": mlp_name, "dcgan_hit": dc["hit"], "dcgan_evals": dc["evals"],
                        "mlp_evals": mlp["evals"], "fid_pairs": pairs, "dcgan_lower_at_equal_steps": lower_at_end,
                        "classifier_test_acc": _r(clf_acc), "fid_limit": FASHION_FID,
                        "classes_needed": FASHION_CLASSES, "lesson_seconds": limit, "clock": CLOCK,
                        "dcgan_seconds_cpu": _r(dc["cpu"], 2), "mlp_seconds_cpu": _r(mlp["cpu"], 2),
                        "train_seconds_wall": _r(dc["wall"] + mlp["wall"], 2)}}


# ---- 4. training is hard: a knob mid-run, WGAN's critic loss -------------------------------------------------
def _loss_curve(cfg: TrainConfig, steps: int, change: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """``loss_d`` and ``loss_g`` of every step of a run of ``steps`` steps; ``change`` applied at LR_AT."""
    trainer = Trainer(cfg)
    out: dict[str, list[float]] = {"loss_d": [], "loss_g": []}
    while trainer.step_count < steps:
        if change and trainer.step_count == LR_AT:
            trainer.apply_changes(**change)
        m = trainer.step()
        for key in out:
            out[key].append(m[key])
    return {k: np.asarray(v) for k, v in out.items()}


def _window_stats(curves: dict[str, np.ndarray]) -> dict[str, float]:
    w = slice(LR_AT, LR_AT + LR_WINDOW)
    return {f"{k}_{s}": float(getattr(np, s)(v[w])) for k, v in curves.items() for s in ("mean", "std")}


def _quality_track(cfg: TrainConfig, limit: float, every: int, max_steps: float = math.inf) -> dict[str, Any]:
    """A run of ``limit`` CPU seconds (or ``max_steps`` steps): grid JS every ``every`` steps and, since the
    previous evaluation, the mean of D's logged loss and of its W estimate ``d_real - d_fake`` (read every
    ``cfg.log_every`` steps, as the Train page's curves)."""
    trainer = Trainer(cfg)
    ev = Evaluator(trainer.data, seed=cfg.seed)
    clock, js = TrainingClock(time.thread_time), []
    out: dict[str, list[float]] = {"loss_d": [], "w_estimate": []}
    logged: dict[str, list[float]] = {k: [] for k in out}
    while clock.cpu < limit and trainer.step_count < max_steps:
        with clock:
            m = trainer.step(sync=(trainer.step_count + 1) % cfg.log_every == 0)
        if m:
            logged["loss_d"].append(m["loss_d"])
            logged["w_estimate"].append(m["d_real"] - m["d_fake"])
        if trainer.step_count % every == 0:
            js.append(ev.evaluate(_sample_fn(trainer), trainer.step_count)["js"])
            for k, v in logged.items():
                out[k].append(float(np.mean(v)) if v else float("nan"))
                v.clear()
    return {"js": js, **out, "steps": trainer.step_count, "cpu": clock.cpu, "wall": clock.wall}


def lr_change_effect(seed: int) -> dict[str, Any]:
    """Lesson 4's knob part: LR_STAT of the LR_WINDOW steps after both learning rates are multiplied by LR_FACTOR
    at step LR_AT, against the same run unchanged and NOISE_SEEDS other seeds unchanged (the seed noise)."""
    steps = LR_AT + LR_WINDOW
    base_cfg = _cfg(KNOBS, seed)
    change = {"lr_g": base_cfg.lr_g * LR_FACTOR, "lr_d": base_cfg.lr_d * LR_FACTOR}
    clock = TrainingClock(time.thread_time)
    with clock:
        base = _window_stats(_loss_curve(base_cfg, steps))
        changed = _window_stats(_loss_curve(base_cfg, steps, change))
        others = [_window_stats(_loss_curve(_cfg(KNOBS, seed + 1000 * (j + 1)), steps)) for j in range(NOISE_SEEDS)]
    effect = abs(changed[LR_STAT] - base[LR_STAT])
    noise = max(abs(o[LR_STAT] - base[LR_STAT]) for o in others)
    return {"base": base, "changed": changed, "others": others, "clock": clock, "effect": effect, "noise": noise,
            "visible": effect > NOISE_MARGIN * noise}


def judge_tricks(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 4. (a) ``ring8-lr-knobs``: multiplying both learning rates by LR_FACTOR at step LR_AT changes the
    LR_STAT of the next LR_WINDOW steps, compared with the same run (same seed) without the change, by more
    than NOISE_MARGIN times the seed noise: the largest difference between that run and the unchanged runs of
    NOISE_SEEDS other seeds. (b) Over LESSON_SECONDS[4] / 2 CPU seconds each, looked at every QUALITY_EVERY
    steps: the Spearman correlation of the WGAN-GP critic's W estimate (mean critic score of real minus fake
    points; its logged loss adds gp_weight times the penalty, which is not part of the estimate) with the grid
    JS is at least RHO_WGAN (``ring8-wgan-gp``), that of the plain GAN's D loss at most RHO_PLAIN in magnitude
    (``ring8-lr-knobs``). ``fast``: the knob part and a quarter of the time for (b)."""
    base_cfg = _cfg(KNOBS, seed)
    knob = lr_change_effect(seed)
    base, changed, others, clock = knob["base"], knob["changed"], knob["others"], knob["clock"]
    effect, noise, visible = knob["effect"], knob["noise"], knob["visible"]
    limit = LESSON_SECONDS[4] / (8 if fast else 2)
    wgan = _quality_track(_cfg(WGAN, seed), limit, QUALITY_EVERY)
    plain = _quality_track(base_cfg, limit, QUALITY_EVERY)
    rho_w = spearman(wgan["w_estimate"], wgan["js"])
    rho_p = spearman(plain["loss_d"], plain["js"])
    tracks = math.isfinite(rho_w) and rho_w >= RHO_WGAN
    plain_not = not math.isfinite(rho_p) or abs(rho_p) <= RHO_PLAIN
    passed = visible and tracks and plain_not
    return {"passed": passed, "seconds": None,
            "effect": (f"lr x{LR_FACTOR:g} at step {LR_AT}: {LR_STAT} of the next {LR_WINDOW} steps "
                       f"{base[LR_STAT]:.3f} -> {changed[LR_STAT]:.3f} (change {effect:.3f}, seed noise "
                       f"{noise:.3f}); Spearman with grid JS over {len(wgan['js'])} looks: WGAN-GP W estimate "
                       f"{rho_w:+.2f} (need >= {RHO_WGAN:g}), plain D loss {rho_p:+.2f} over {len(plain['js'])} "
                       f"(need |rho| <= {RHO_PLAIN:g}); time = {CLOCK}"),
            "details": {"window_unchanged": {k: _r(v) for k, v in base.items()},
                        "window_changed": {k: _r(v) for k, v in changed.items()},
                        "window_other_seeds": [{k: _r(v) for k, v in o.items()} for o in others],
                        "stat": LR_STAT, "lr_effect": _r(effect), "seed_noise": _r(noise), "visible": visible,
                        "rho_wgan": _r(rho_w, 3), "rho_plain": _r(rho_p, 3), "wgan_tracks": tracks,
                        "plain_does_not": plain_not, "wgan_js": [_r(v) for v in wgan["js"]],
                        "wgan_w_estimate": [_r(v) for v in wgan["w_estimate"]],
                        "wgan_critic_loss": [_r(v) for v in wgan["loss_d"]],
                        "plain_js": [_r(v) for v in plain["js"]], "plain_loss_d": [_r(v) for v in plain["loss_d"]],
                        "wgan_steps": wgan["steps"], "plain_steps": plain["steps"], "quality_every": QUALITY_EVERY,
                        "lesson_seconds": LESSON_SECONDS[4], "clock": CLOCK, "knob_runs_seconds_cpu": _r(clock.cpu, 2),
                        "quality_runs_seconds_cpu": _r(wgan["cpu"] + plain["cpu"], 2)}}


# ---- 5. mode collapse and its cure --------------------------------------------------------------------------
def _collapse_run(cfg: TrainConfig, limit: float) -> dict[str, Any]:
    """A run of ``limit`` CPU seconds evaluated every ``cfg.eval_every`` steps (the Train page's cadence) with
    the session's collapse alarm over those evaluations."""
    trainer = Trainer(cfg)
    ev = Evaluator(trainer.data, seed=cfg.seed)
    clock, evals, alarm = TrainingClock(time.thread_time), [], None
    while clock.cpu < limit:
        with clock:
            for _ in range(cfg.eval_every):
                trainer.step(sync=False)
        r = ev.evaluate(_sample_fn(trainer), trainer.step_count)
        evals.append({"step": trainer.step_count, "cpu_seconds": _r(clock.cpu, 2),
                      "modes_covered": r["modes_covered"], "hq_fraction": _r(r["hq_fraction"], 3)})
        if alarm is None and ev.alarm() is not None:
            alarm = {**ev.alarm(), "cpu_seconds": _r(clock.cpu, 2)}
    return {"evals": evals, "alarm": alarm, "steps": trainer.step_count, "cpu": clock.cpu, "wall": clock.wall}


def judge_collapse(seed: int, fast: bool = False) -> dict[str, Any]:
    """Lesson 5 (``ring8-collapse`` and its contrast, the cure): within LESSON_SECONDS[5] CPU seconds each,
    evaluated every ``eval_every`` steps as on the Train page, the collapse run covers at most 8 - MODES_LOST
    modes over the second half of the minute (the median of those evaluations: not the empty start, not one
    dip) and the collapse alarm (``metrics.collapse_alarm``) fires; the cure run covers 8 of
    8 with at least RING_HQ of the samples high quality at some evaluation and at its last. ``fast``: half the
    time."""
    cure_name = _contrast(COLLAPSE)
    limit = LESSON_SECONDS[5] / (2 if fast else 1)
    col = _collapse_run(_cfg(COLLAPSE, seed), limit)
    cure = _collapse_run(_cfg(cure_name, seed), limit)
    late = col["evals"][len(col["evals"]) // 2:]
    late_modes = statistics.median(e["modes_covered"] for e in late)
    fewest = min(late, key=lambda e: e["modes_covered"])
    lost = late_modes <= 8 - MODES_LOST
    alarm = col["alarm"]
    cured = next((e for e in cure["evals"] if _ring_target(e)), None)
    holds = bool(cure["evals"]) and _ring_target(cure["evals"][-1])
    passed = lost and alarm is not None and cured is not None and holds
    shown = [e["cpu_seconds"] for e in (alarm, cured) if e]
    last = cure["evals"][-1]
    return {"passed": passed, "seconds": max(shown) if passed else None,
            "effect": (f"collapse: median {late_modes:g}/8 modes over the second half (need <= "
                       f"{8 - MODES_LOST}), alarm "
                       f"{'at step ' + str(alarm['step']) if alarm else 'never'}; cure ({cure_name}): 8/8 with hq >= "
                       f"{RING_HQ:g} {'at step ' + str(cured['step']) if cured else 'never'}, last look "
                       f"{last['modes_covered']}/8 hq {last['hq_fraction']:.2f}; time = {CLOCK}"),
            "details": {"contrast": cure_name, "late_median_modes": late_modes, "fewest_late": fewest,
                        "modes_lost_needed": MODES_LOST, "alarm": alarm,
                        "cured": cured, "cure_holds": holds, "collapse_evals": col["evals"],
                        "cure_evals": cure["evals"], "lesson_seconds": LESSON_SECONDS[5], "clock": CLOCK,
                        "train_seconds_wall": _r(col["wall"] + cure["wall"], 2)}}


JUDGES_GAN: dict[int, Callable[[int, bool], dict[str, Any]]] = {
    1: judge_curve, 2: judge_saturating, 3: judge_dcgan, 4: judge_tricks, 5: judge_collapse}
