"""Quality over training time: train a preset for a time budget with evaluation on, then print its quality
metrics (FID, KID, class entropy, precision, recall) against elapsed seconds.

    python bench/fid_curve.py --preset fashion-dcgan --seconds 300 --eval-every 300
    python bench/fid_curve.py --preset mnist-mlp-classic --set dataset=fashion_mnist --seconds 300 --eval-every 1000
    python bench/fid_curve.py --run runs/<id>          # only print the table of an existing run

Training goes through ``python -m gan_core train`` (its own process, its default thread count unless
``--threads``); the table comes from the run's metrics store. The last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_core.runtime import store  # noqa: E402

KEYS = ("fid", "kid", "class_entropy", "classes_covered", "precision", "recall")


def table(run_dir: Path) -> list[dict]:
    m = store.read_metrics(run_dir)
    if "fid" not in m:
        return []
    t0 = float(m["time"][0]) if len(m["time"]) else 0.0
    # an evaluation row is logged when its (background) evaluation ends: time it by its step's training row
    trained = {int(s): float(t) for s, t, loss in zip(m["step"], m["time"], m.get("loss_d", m["time"]), strict=True)
               if loss == loss}
    rows = []
    for i in range(len(m["step"])):
        if m["fid"][i] == m["fid"][i]:   # not NaN: an evaluation row
            step = int(m["step"][i])
            when = trained.get(step, float(m["time"][i]))
            rows.append({"seconds": round(when - t0, 1), "step": step,
                         **{k: round(float(m[k][i]), 4) for k in KEYS if k in m}})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="fashion-dcgan")
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--eval-every", type=int, default=300)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--run", help="an existing run folder: print its table, train nothing")
    args = ap.parse_args()
    if args.run:
        run_dir = Path(args.run)
    else:
        cmd = [sys.executable, "-m", "gan_core", "train", "--preset", args.preset, "--seconds", str(args.seconds),
               "--set", f"eval_every={args.eval_every}"]
        for item in args.set:
            cmd += ["--set", item]
        if args.threads:
            cmd += ["--set", f"threads={args.threads}"]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), check=False)
        if out.returncode != 0:
            sys.exit(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"train exited {out.returncode}")
        run_dir = Path(json.loads(out.stdout.strip().splitlines()[-1])["run_dir"])
    rows = table(run_dir)
    for r in rows:
        print("  ".join(f"{k} {v}" for k, v in r.items()), flush=True)
    print(json.dumps({"run_dir": str(run_dir), "preset": args.preset, "rows": rows}))


if __name__ == "__main__":
    main()
