"""Standard vs PGD adversarial training at an equal time budget: clean, FGSM and PGD accuracy.

    python bench/robustness.py --dataset digits --eps 0.1 --seconds 60 --threads 2
    python bench/robustness.py --dataset fashion_mnist --eps 0.1 --seconds 300 --threads 2
    python bench/robustness.py --threads 1 --clock cpu     # on a machine other jobs share

Evaluation: PGD with alpha = eps / 4, 20 steps (``--eval-steps``), random start, on the test set (at most
1000 fixed items). ``--set key=value`` overrides an ``AdvTrainConfig`` field of the adversarial model.
The last stdout line is one JSON object.

OMP_WAIT_POLICY defaults to PASSIVE here: with OpenMP's default busy-waiting, two torch threads on a CPU that
other jobs share ran adversarial training 10x slower (550 vs 50 ms a step on digits, measured).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch starts OpenMP

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from gan_core.lessons.adversarial import robustness


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--data-root", default="")
    parser.add_argument("--eps", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0 = torch's default)")
    parser.add_argument("--eval-items", type=int, default=1000)
    parser.add_argument("--eval-steps", type=int, default=20)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="budget in wall-clock seconds, or in CPU seconds of this process (shared machines)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set {item!r} is not KEY=VALUE")
        overrides[key.strip()] = value.strip()
    start = time.perf_counter()
    try:
        result = robustness(args.dataset, args.eps, args.seconds, data_root=args.data_root, seed=args.seed,
                            eval_items=args.eval_items, eval_steps=args.eval_steps, clock=args.clock, **overrides)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    result.update(threads=torch.get_num_threads(), omp_wait_policy=os.environ["OMP_WAIT_POLICY"], overrides=overrides,
                  wall_seconds=round(time.perf_counter() - start, 1), torch=torch.__version__)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
