"""Command-line experiments of lessons 8 and 9, registered by ``cli.py`` (``_extra_commands``):

``python -m gan_core shift --dataset D --shift S [--strength X] --seconds T [--steps N]`` and
``python -m gan_core augment --dataset D --labels-per-class K --seconds T``. Each prints one JSON object as the
last stdout line; a bad value raises ValueError (exit status 2, one line naming it).
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from .shift import SHIFTS


def _threads(value: int) -> None:
    import torch

    from .trainer import default_threads

    if value < 0:
        raise ValueError(f"--threads {value} is out of range; allowed: 0 (chosen for you) or more")
    torch.set_num_threads(value or default_threads(serving=False))


def _seconds(value: float) -> float:
    if not math.isfinite(value) or not 0 < value <= 86_400:
        raise ValueError(f"--seconds {value:g} is out of range; allowed: a number above 0, at most 86400")
    return value


def cmd_shift(args: argparse.Namespace) -> dict[str, Any]:
    from .dann import run_shift_experiment

    if not 0 <= args.strength <= 1:
        raise ValueError(f"--strength {args.strength:g} is out of range; allowed: 0 to 1")
    _threads(args.threads)
    if args.steps < 0:
        raise ValueError(f"--steps {args.steps} is out of range; allowed: 0 (time only) or more")
    return run_shift_experiment(args.dataset, args.shift, args.strength, _seconds(args.seconds), steps=args.steps,
                                data_root=args.data_root, seed=args.seed, device=args.device, kind=args.kind)


def cmd_augment(args: argparse.Namespace) -> dict[str, Any]:
    from .augment import run_augment

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
    """Add the ``shift`` and ``augment`` sub-commands; return ``{name: handler}``."""
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
    return {"shift": cmd_shift, "augment": cmd_augment}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-root", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kind", choices=("cnn", "mlp"), default="cnn")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
