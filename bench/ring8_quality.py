"""Mode coverage and high-quality share of a 2-D toy set after a budget of training time, over several seeds.

    python bench/ring8_quality.py                                  # the ring8 default, seeds 0-3, 30 s each
    python bench/ring8_quality.py --set loss=wgan_gp --set d_steps=5 --set lr_g=5e-4 --set lr_d=5e-4 \\
        --set beta2=0.9 --set minibatch_std=false --set ema=0       # the former WGAN-GP default

The budget counts only the time inside ``Trainer.step`` (one thread), measured at a third, two thirds and
all of it; metrics (DESIGN.md: a sample is high quality within 3 std of its nearest mode, a mode is covered
with 1% of them) on 2,000 samples. The last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch

from gan_core.config import TrainConfig, coerce
from gan_core.metrics import mode_stats
from gan_core.trainer import Trainer


def run(dataset: str, overrides: dict, seed: int, seconds: float) -> list[dict]:
    tr = Trainer(TrainConfig.for_dataset(dataset, **overrides).replace(seed=seed))
    marks, out, spent = [seconds / 3, 2 * seconds / 3, seconds], [], 0.0
    while marks:
        t0 = time.perf_counter()
        tr.step(sync=False)
        spent += time.perf_counter() - t0
        if spent >= marks[0]:
            marks.pop(0)
            stats = mode_stats(tr.sample(2000, seed=0).numpy(), tr.data.modes.numpy(), tr.data.mode_std)
            out.append({"seconds": round(spent, 1), "step": tr.step_count, "modes_covered": stats["modes_covered"],
                        "hq_fraction": round(stats["hq_fraction"], 3)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="ring8", choices=["ring8", "grid25"])
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    torch.set_num_threads(1)
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = coerce(key, value)
    modes = 8 if args.dataset == "ring8" else 25
    result = {"dataset": args.dataset, "overrides": overrides, "seconds": args.seconds, "seeds": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        marks = run(args.dataset, overrides, seed, args.seconds)
        result["seeds"][seed] = marks
        print(f"seed {seed}: " + "  ".join(f"{m['seconds']:.0f}s/step {m['step']}: {m['modes_covered']} modes, "
                                          f"{m['hq_fraction']:.2f} hq" for m in marks), flush=True)
    last = [m[-1] for m in result["seeds"].values()]
    result["target_met"] = sum(m["modes_covered"] == modes and m["hq_fraction"] >= 0.5 for m in last)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
