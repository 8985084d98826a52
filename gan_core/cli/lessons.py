"""The lesson check (``lessons check``) and the command-line experiments of lessons 7-9: ``robustness``
(standard vs PGD-trained classifier), ``shift``
(source-only vs DANN) and ``augment`` (real vs real + GAN-made data). Each prints one JSON object as the last
stdout line; a bad value raises ValueError (exit status 2, one line naming it).

``python -m gan_core robustness --dataset D --eps E --seconds S``
``python -m gan_core shift --dataset D --shift S [--strength X] --seconds T [--steps N]``
``python -m gan_core augment --dataset D --labels-per-class K --seconds T``
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from gan_core.lessons.shift import SHIFTS


def _threads(value: int) -> None:
    import torch

    from gan_core.device import default_threads

    if value < 0:
        raise ValueError(f"--threads {value} is out of range; allowed: 0 (chosen for you) or more")
    torch.set_num_threads(value or default_threads(serving=False))


def _seconds(value: float) -> float:
    if not math.isfinite(value) or not 0 < value <= 86_400:
        raise ValueError(f"--seconds {value:g} is out of range; allowed: a number above 0, at most 86400")
    return value


def cmd_robustness(args: argparse.Namespace) -> dict[str, Any]:
    from gan_core.lessons.adversarial import robustness

    if not math.isfinite(args.eps) or not 0 <= args.eps <= 1:
        raise ValueError(f"--eps {args.eps:g} is out of range; allowed: 0 to 1 (inputs are in [0, 1])")
    _threads(args.threads)
    return robustness(args.dataset, args.eps, _seconds(args.seconds), data_root=args.data_root, seed=args.seed,
                      kind=args.kind, device=args.device, clock=args.clock)


def cmd_lessons(args: argparse.Namespace) -> dict[str, Any]:
    import sys

    from gan_core.lessons import check

    table = check.judges()
    lessons = sorted(table) if args.lesson is None else [args.lesson]
    if lessons[0] not in table:
        raise ValueError(f"--lesson {args.lesson} has no judge; allowed: {', '.join(map(str, table))}")
    _threads(args.threads)
    rows = check.run_check(lessons, check.parse_seeds(args.seeds), fast=args.fast,
                           progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(check.format_table(rows))
    return {"status": "finished" if all(r["ok"] for r in rows) else "failed", "lessons": rows}


def cmd_shift(args: argparse.Namespace) -> dict[str, Any]:
    from gan_core.lessons.dann import run_shift_experiment

    if not 0 <= args.strength <= 1:
        raise ValueError(f"--strength {args.strength:g} is out of range; allowed: 0 to 1")
    _threads(args.threads)
    if args.steps < 0:
        raise ValueError(f"--steps {args.steps} is out of range; allowed: 0 (time only) or more")
    return run_shift_experiment(args.dataset, args.shift, args.strength, _seconds(args.seconds), steps=args.steps,
                                data_root=args.data_root, seed=args.seed, device=args.device, kind=args.kind)


def cmd_augment(args: argparse.Namespace) -> dict[str, Any]:
    from gan_core.lessons.augment import run_augment

    if not 1 <= args.labels_per_class <= 10_000:
        raise ValueError(f"--labels-per-class {args.labels_per_class} is out of range; allowed: 1 to 10000")
    if not 1 <= args.seeds <= 20:
        raise ValueError(f"--seeds {args.seeds} is out of range; allowed: 1 to 20")
    if not 1 <= args.gen_per_class <= 10_000:
        raise ValueError(f"--gen-per-class {args.gen_per_class} is out of range; allowed: 1 to 10000")
    _threads(args.threads)
    return run_augment(args.dataset, args.labels_per_class, _seconds(args.seconds), seeds=args.seeds,
                       data_root=args.data_root, seed=args.seed, device=args.device, kind=args.kind,
                       gen_per_class=args.gen_per_class)


def register(subparsers: Any) -> dict[str, Callable[[argparse.Namespace], dict[str, Any]]]:
    """Add the ``robustness``, ``shift`` and ``augment`` sub-commands; return ``{name: handler}``."""
    p = subparsers.add_parser("robustness", help="standard vs adversarially trained classifier under FGSM/PGD")
    p.add_argument("--dataset", default="digits")
    p.add_argument("--eps", type=float, default=0.1)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    _common(p)
    p = subparsers.add_parser("shift", help="distribution shift: source-only classifier vs DANN, domain AUC")
    p.add_argument("--dataset", default="digits")
    p.add_argument("--shift", choices=SHIFTS, default="rotate")
    p.add_argument("--strength", type=float, default=0.5, help="0 = no shift, 1 = the strongest")
    p.add_argument("--seconds", type=float, default=60.0, help="wall-clock budget of the whole experiment")
    p.add_argument("--steps", type=int, default=0, help="stop after this many updates if sooner (0 = time only)")
    _common(p)
    p = subparsers.add_parser("augment", help="conditional-GAN data augmentation: real only vs real + generated")
    p.add_argument("--dataset", default="digits")
    p.add_argument("--labels-per-class", type=int, default=10)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--gen-per-class", type=int, default=100)
    p.add_argument("--seconds", type=float, default=60.0, help="wall-clock budget of all seeds together")
    _common(p)
    p = subparsers.add_parser("lessons", help="does each lesson show its effect on most seeds? (lesson check)")
    lsub = p.add_subparsers(dest="lessons_command", required=True, parser_class=type(p))
    c = lsub.add_parser("check", help="run the lesson judges on several seeds")
    c.add_argument("--lesson", type=int)
    c.add_argument("--seeds", default="0-9")
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--fast", action="store_true", help="shorter budgets, the same judgements (the tests use it)")
    return {"lessons": cmd_lessons, "robustness": cmd_robustness, "shift": cmd_shift, "augment": cmd_augment}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-root", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kind", choices=("cnn", "mlp"), default="cnn")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
