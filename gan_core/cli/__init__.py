"""Command line: ``python -m gan_core train|sample|evaluate|bench|presets|robustness ...``.

Every command prints its result as the last stdout line, one JSON object. Bad input: exit status 2 and one
line naming the key, the bad value and what is allowed; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gan_core.cli import data, export, lessons
from gan_core.config import TrainConfig, coerce, list_presets, load_preset
from gan_core.logs import LEVEL_ENV, LEVELS, configure


class UsageError(Exception):
    """Bad input on the command line: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's default prints the usage too)
        raise UsageError(f"{self.prog}: {message}")


def build_config(preset: str | None, config_file: str | None, sets: list[str], steps: int | None,
                 seconds: float | None, device: str | None) -> TrainConfig:
    """Preset or config file, then ``--set`` values; ``--set dataset=X`` alone gives X's tuned defaults."""
    overrides: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise ValueError(f"--set {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        overrides[key.strip()] = coerce(key.strip(), value)
    if steps is not None:
        overrides["max_steps"] = coerce("max_steps", steps)
    if seconds is not None:
        overrides["max_seconds"] = coerce("max_seconds", seconds)
    if device is not None:
        overrides["device"] = device
    if config_file:
        try:
            text = Path(config_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"--config {config_file!r} cannot be read: {exc.strerror}") from None
        cfg = TrainConfig.from_json(text)
        return cfg.replace(**overrides).validate()
    if preset:
        base = load_preset(preset).to_dict()
        if "dataset" in overrides and overrides["dataset"] != base["dataset"]:
            # another dataset: its tuned defaults, then the preset's own values (its model, loss, optimiser...)
            own = {k: v for k, v in list_presets()[preset]["config"].items() if k != "dataset"}
            return TrainConfig.for_dataset(overrides.pop("dataset"), **{**own, **overrides}).validate()
        return TrainConfig.from_dict({**base, **overrides}).validate()
    return TrainConfig.for_dataset(overrides.pop("dataset", "ring8"), **overrides).validate()


def _progress(done: float, text: str) -> None:
    if sys.stderr.isatty():
        bar = "#" * int(30 * done)
        sys.stderr.write(f"\r[{bar:<30}] {100 * done:5.1f}% {text}   ")
        sys.stderr.flush()


def cmd_train(args: argparse.Namespace) -> dict:
    import torch

    from gan_core.device import default_threads
    from gan_core.runtime.evaluation import evaluator_for
    from gan_core.runtime.session import TrainingSession
    from gan_core.trainer import Trainer

    cfg = build_config(args.preset, args.config, args.set, args.steps, args.seconds, args.device)
    if not cfg.max_steps and not cfg.max_seconds:
        cfg = cfg.replace(max_steps=2000)
    torch.set_num_threads(cfg.threads or default_threads(serving=False))
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"--out {str(out)!r} exists and is not an empty folder; choose a new folder")
    # the data and the device are checked here, before a run folder exists: bad input leaves nothing behind
    trainer = Trainer(cfg)
    session = TrainingSession(cfg, run_dir=out, trainer_factory=lambda _cfg: trainer,
                              evaluator_factory=evaluator_for).start()
    try:
        while not session.wait(0.25):
            snap = session.snapshot()
            done = snap.progress or 0.0
            _progress(done, f"step {snap.step}  {snap.images_per_second:,.0f} img/s  "
                            f"loss_d {snap.metrics.get('loss_d', float('nan')):.3f}")
    except KeyboardInterrupt:
        session.stop()
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    snap = session.snapshot()
    result = {"run_dir": str(session.run_dir), "status": snap.state, "steps": snap.step,
              "images_per_second": round(snap.images_per_second, 1), "seconds": round(snap.elapsed, 2),
              "metrics": dict(snap.metrics)}
    if snap.evaluation:
        result["metrics"].update({k: v for k, v in snap.evaluation.items() if k != "step"})
    if snap.alarm:
        result["alarm"] = snap.alarm  # a read-only mapping: _json_default writes it as an object
    if snap.error:
        result["error"] = snap.error
        result["hint"] = snap.hint
    return result


def cmd_sample(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch

    if not 1 <= args.n <= 100_000:
        raise ValueError(f"--n {args.n} is out of range; allowed: 1 to 100000")
    if not Path(args.out).parent.is_dir():
        raise ValueError(f"--out {args.out!r}: its folder does not exist; allowed: a file path in an existing folder")
    from gan_core.runtime.runs import load_trainer

    trainer = load_trainer(args.run_dir)
    labels = None
    if args.label is not None:
        if not trainer.num_classes:
            raise ValueError(f"--label {args.label}: this run's generator is not conditional")
        if not 0 <= args.label < trainer.num_classes:
            raise ValueError(f"--label {args.label} is out of range; allowed: 0 to {trainer.num_classes - 1}")
        labels = torch.full((args.n,), args.label, dtype=torch.long)
    x = trainer.sample(args.n, seed=args.seed, labels=labels).cpu()
    if x.dim() == 4:
        x = (x.clamp(-1, 1) + 1) / 2
    array = x.numpy().astype(np.float32)
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp.npy")
    np.save(tmp, array)
    tmp.replace(out)
    return {"out": str(out), "shape": list(array.shape), "step": trainer.step_count}


def cmd_evaluate(args: argparse.Namespace) -> dict:
    from gan_core.runtime.store import read_metrics, read_status

    folder = Path(args.run_dir)
    if not (folder / "config.json").is_file():
        raise ValueError(f"RUN_DIR={args.run_dir!r} is not a run folder (no config.json)")
    columns = read_metrics(folder)
    latest = {}
    for key, values in columns.items():
        finite = values[~(values != values)] if key not in ("step",) else values
        if len(finite):
            latest[key] = float(finite[-1])
    result = {"run_dir": str(folder), "status": read_status(folder).get("status"), "latest": latest}
    if (folder / "checkpoints" / "latest.pt").is_file():
        from gan_core.runtime.evaluation import evaluate_now
        from gan_core.runtime.runs import load_trainer

        result.update(evaluate_now(load_trainer(args.run_dir)))
    return result


def cmd_presets(args: argparse.Namespace) -> dict:
    presets = list_presets()
    for name, preset in presets.items():
        print(f"{name:22s} {preset.get('description', '')}")
    return {"presets": list(presets)}


MAX_BENCH_SECONDS = 3600.0


def cmd_bench(args: argparse.Namespace) -> dict:
    from gan_core.cli.bench import run_bench
    from gan_core.config import MAX_BATCH

    if not math.isfinite(args.seconds) or not 0 < args.seconds <= MAX_BENCH_SECONDS:   # nan never ended
        raise ValueError(f"--seconds {args.seconds:g} is out of range; allowed: a number above 0, at most "
                         f"{MAX_BENCH_SECONDS:g}")
    if not 2 <= args.batch_size <= MAX_BATCH:
        raise ValueError(f"--batch-size {args.batch_size} is out of range; allowed: 2 to {MAX_BATCH}")
    if not 0 <= args.threads <= 256:
        raise ValueError(f"--threads {args.threads} is out of range; allowed: 0 (chosen for you) to 256")
    return run_bench(seconds=args.seconds, batch_size=args.batch_size, threads=args.threads, model=args.model)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m gan_core", description="GAN Classroom's engine, headless.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("train", help="train a GAN headless and write its run folder")
    p.add_argument("--preset")
    p.add_argument("--config")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--steps", type=int)
    p.add_argument("--seconds", type=float)
    p.add_argument("--out")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"))
    p = sub.add_parser("sample", help="generated samples of a run as .npy")
    p.add_argument("run_dir")
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--out", required=True)
    p.add_argument("--label", type=int)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("evaluate", help="quality metrics of a run")
    p.add_argument("run_dir")
    p = sub.add_parser("bench", help="classic training loop vs ours, and the matmul bound")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--model", choices=("mlp", "dcgan", "both"), default="both")
    sub.add_parser("presets", help="list the lesson presets")
    commands = {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "bench": cmd_bench,
                "presets": cmd_presets}
    commands.update(lessons.register(sub))
    commands.update(data.register(sub))
    commands.update(export.register(sub))
    log_help = (f"the log on stderr: {', '.join(LEVELS)} (any case); default ${LEVEL_ENV}, else INFO")
    parser.add_argument("--log-level", metavar="LEVEL", help=log_help)
    for command in sub.choices.values():   # after the command too: gan-core train --log-level debug
        command.add_argument("--log-level", metavar="LEVEL", default=argparse.SUPPRESS, help=log_help)
    try:
        args = parser.parse_args(argv)
        configure(args.log_level)
        result = commands[args.command](args)
    except (UsageError, ValueError) as exc:
        print(f"error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except OSError as exc:  # a path that cannot be written or read: name it, no traceback
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}".replace("\n", " "), file=sys.stderr)
        return 2
    print(json.dumps(result, default=_json_default))
    return 1 if result.get("status") == "failed" else 0


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):  # a Snapshot's read-only mappings
        return dict(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
