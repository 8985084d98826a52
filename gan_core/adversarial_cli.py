"""``python -m gan_core robustness --dataset D --eps E --seconds S``: standard vs PGD-trained classifier.

Registered by ``cli.py`` (``_extra_commands``); prints one JSON object as the last stdout line
(``{"standard": {"clean_acc", "fgsm_acc", "pgd_acc"}, "adversarial": {...}}``), exit 2 on bad input.
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any


def cmd_robustness(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from .adversarial import robustness
    from .trainer import default_threads

    if not math.isfinite(args.eps) or not 0 <= args.eps <= 1:
        raise ValueError(f"--eps {args.eps:g} is out of range; allowed: 0 to 1 (inputs are in [0, 1])")
    if not math.isfinite(args.seconds) or not 0 < args.seconds <= 86_400:
        raise ValueError(f"--seconds {args.seconds:g} is out of range; allowed: above 0, at most 86400")
    if args.threads < 0:
        raise ValueError(f"--threads {args.threads} is out of range; allowed: 0 (chosen for you) or more")
    torch.set_num_threads(args.threads or default_threads(serving=False))
    return robustness(args.dataset, args.eps, args.seconds, data_root=args.data_root, seed=args.seed,
                      kind=args.kind, device=args.device, clock=args.clock)


def register(sub: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], dict]]:
    p = sub.add_parser("robustness", help="standard vs adversarially trained classifier under FGSM/PGD")
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--eps", type=float, default=0.1)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kind", choices=("cnn", "mlp"), default="cnn")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    p.add_argument("--threads", type=int, default=0)
    return {"robustness": cmd_robustness}
