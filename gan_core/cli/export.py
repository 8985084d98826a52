"""``python -m gan_core export RUN [RUN ...] --tensorboard DIR``: runs as TensorBoard event files.

Each run becomes the TensorBoard run ``DIR/<run folder name>``, so a teacher exports a whole class into one
folder and overlays it with ``tensorboard --logdir DIR``. Written with ``torch.utils.tensorboard`` (the
``tensorboard`` package itself is optional: without it the command says how to install it, exit status 2):

- scalars: every metric of ``metrics.sqlite`` at its step and wall time, grouped by the name's first word
  (``loss/loss_d``, ``d/d_real``, ``grad/grad_norm_g``, ``lr/lr_d``; evaluation figures the same way);
- events (knob changes, pauses, errors, collapse alarms): one text entry each, under ``events``;
- sample grids: ``samples/step_*.png`` as the image series ``samples``;
- hyperparameters: ``config.json`` in the HParams tab, with each metric's last value as ``hparam/<name>``.
"""
from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

INSTALL_HINT = "install it with `pip install tensorboard`"


def export_tensorboard(run_dir: str | Path, logdir: str | Path) -> dict[str, Any]:
    """Write one run folder as TensorBoard events into ``logdir/<run folder name>``.

    Returns:
        ``{"run_dir", "logdir", "scalars", "images", "events"}``: where it went and how many of each.
    Raises:
        ValueError: not a run folder, tensorboard missing, or the target holds files other than event files.
    """
    from PIL import Image

    from gan_core.runtime.store import read_events, read_metrics

    folder = Path(run_dir)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(f"RUN={str(run_dir)!r} is not a run folder (no readable config.json)") from None
    writer_class = _summary_writer()
    target = Path(logdir) / folder.resolve().name
    _clear_old_export(target)
    metrics = read_metrics(folder)
    counts = {"scalars": 0, "images": 0, "events": 0}
    last: dict[str, float] = {}
    writer = writer_class(log_dir=str(target))
    try:
        steps, times = metrics.pop("step"), metrics.pop("time")
        for key, values in metrics.items():
            tag = f"{key.split('_')[0]}/{key}"
            for step, when, value in zip(steps, times, values, strict=True):
                if math.isfinite(value):
                    writer.add_scalar(tag, float(value), int(step), walltime=float(when))
                    counts["scalars"] += 1
                    last[key] = float(value)
        for event in read_events(folder):
            detail = json.dumps(event["detail"], ensure_ascii=False)
            writer.add_text("events", f"**{event['kind']}** at step {event['step']}: `{detail}`", event["step"],
                            walltime=event["time"])
            counts["events"] += 1
        for png in sorted((folder / "samples").glob("step_*.png")):
            with Image.open(png) as image:
                pixels = np.asarray(image.convert("RGB"))  # (H, W, 3) uint8
            writer.add_image("samples", pixels, int(png.stem.split("_")[1]), dataformats="HWC",
                             walltime=png.stat().st_mtime)
            counts["images"] += 1
        _write_hparams(writer, config, last)
    finally:
        writer.close()
    return {"run_dir": str(folder), "logdir": str(target), **counts}


def _summary_writer() -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:  # torch.utils.tensorboard needs the tensorboard package (not a requirement)
        raise ValueError(f"--tensorboard needs the tensorboard package, which is not installed ({exc}); "
                         f"{INSTALL_HINT}") from None
    return SummaryWriter


def _clear_old_export(target: Path) -> None:
    """An earlier export of the same run is replaced (its points would show twice); anything else is refused."""
    if not target.exists():
        return
    if not target.is_dir():
        raise ValueError(f"--tensorboard: {str(target)!r} exists and is not a folder; choose another --tensorboard")
    others = [p.name for p in target.iterdir() if not p.name.startswith("events.out.tfevents.")]
    if others:
        raise ValueError(f"--tensorboard: {str(target)!r} holds files that are not TensorBoard events "
                         f"({', '.join(sorted(others)[:3])}); choose another --tensorboard")
    for old in target.iterdir():
        old.unlink()


def _write_hparams(writer: Any, config: dict[str, Any], last: dict[str, float]) -> None:
    """The HParams tab: the config's plain values (lists as text), each metric's last value as its result."""
    from torch.utils.tensorboard.summary import hparams

    plain = {k: (v if isinstance(v, (bool, int, float, str)) else json.dumps(v)) for k, v in config.items()
             if v is not None}
    results = {f"hparam/{k}": v for k, v in last.items()}
    for summary in hparams(plain, results):  # the experiment, its session start and end, as add_hparams writes
        writer.file_writer.add_summary(summary)
    for tag, value in results.items():
        writer.add_scalar(tag, value)


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    if not args.tensorboard:
        raise ValueError("export needs a format; allowed: --tensorboard DIR")
    runs = [export_tensorboard(run, args.tensorboard) for run in args.run_dir]
    return {"status": "finished", "tensorboard": str(Path(args.tensorboard)), "runs": runs}


def register(subparsers: Any) -> dict[str, Callable[[argparse.Namespace], dict[str, Any]]]:
    """Add the ``export`` command to ``python -m gan_core``; returns its handler by command name."""
    p = subparsers.add_parser("export", help="write runs as TensorBoard event files (tensorboard --logdir DIR)")
    p.add_argument("run_dir", nargs="+", metavar="RUN", help="run folders (several: one TensorBoard run each)")
    p.add_argument("--tensorboard", metavar="DIR", help="the TensorBoard log folder; each run goes to DIR/<run>")
    return {"export": cmd_export}
