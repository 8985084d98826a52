"""Logging: what gan_core writes to the standard ``logging`` module, and the one setup the two programs share.

The library only logs, through ``logging.getLogger(__name__)`` in each module, and configures nothing on
import (no handler, no level): an application that imports gan_core decides where its lines go. The two
programs of this project, the dashboard (``app.py``) and the command line (``gan_core.cli``), call
``configure()``: one line a record on stderr for the loggers ``gan_core`` and ``ui``, at ``$GAN_LOG_LEVEL``
(or ``--log-level``; default INFO). Lines are short and greppable, one per event: ``run <id> started (...)``,
``stopped``, ``finished``, ``diverged``, ``failed: <message>``, ``waiting in the memory queue``, ``refused``.
"""
from __future__ import annotations

import logging
import os
import reprlib
import sys
from typing import Any, TextIO

LEVEL_ENV = "GAN_LOG_LEVEL"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOGGERS = ("gan_core", "ui")   # the project's own loggers; every other library keeps its own settings
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxtuple, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxset = 2, 6, 6, 6, 6
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 60, 60, 40


def short(value: Any) -> str:
    """``repr(value)`` cut for a log line: at most about 60 characters (a browser may send anything)."""
    return _SHORT.repr(value)


def parse_level(value: str, source: str = LEVEL_ENV) -> int:
    """``value`` (any case) as a logging level; ValueError naming ``source``, the value and the allowed ones."""
    name = value.strip().upper() if isinstance(value, str) else ""
    if name not in LEVELS:
        raise ValueError(f"{source}={short(value)} is not allowed; choose one of: {', '.join(LEVELS)} "
                         f"(any case)")
    return getattr(logging, name)


def level_from_env(default: str = "INFO") -> int:
    """The level ``$GAN_LOG_LEVEL`` names (``default`` when unset or empty); ValueError for a bad one."""
    value = os.environ.get(LEVEL_ENV, "")
    return parse_level(value) if value.strip() else parse_level(default)


def configure(level: int | str | None = None, stream: TextIO | None = None) -> int:
    """Send the project's log lines to ``stream`` (default: stderr, looked up at each line) at ``level`` (default:
    ``level_from_env()``). Returns the level; ValueError for a bad one.

    For the programs, never the library. Called again (Streamlit runs app.py on every interaction) it only sets
    the level, so each line is written once. When the application has given the root logger a handler (its own
    ``logging.basicConfig``) the lines go there instead, through propagation, and no handler is added.
    """
    if level is None:
        level = level_from_env()
    elif isinstance(level, str):
        level = parse_level(level, "--log-level")
    own_root = bool(logging.getLogger().handlers)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        ours = [h for h in logger.handlers if isinstance(h, _Handler)]
        if ours:
            ours[0].target = stream
        elif not own_root:
            logger.addHandler(_Handler(stream))
    return level


class _Handler(logging.StreamHandler):
    """A StreamHandler on ``target``, or on whatever ``sys.stderr`` is when a line is written (a test's capture,
    a redirected stream), never a stream closed since."""

    def __init__(self, target: TextIO | None = None):
        super().__init__()
        self.target = target
        self.setFormatter(logging.Formatter(FORMAT))

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self.target or sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:   # StreamHandler.__init__ sets it; the property decides
        pass


def refusal(exc: BaseException) -> str:
    """A refused value for a log line: ``key=<key> value=<value>: <message>`` when the error (or one it was raised
    from) names its key (``gan_core.checks.ConfigError``), else the message; one line, bounded."""
    found, seen = exc, 0
    while found is not None and not hasattr(found, "key") and seen < 10:
        found, seen = found.__cause__ or found.__context__, seen + 1
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text if len(text) <= 240 else text[:239] + "…"
    if found is not None and hasattr(found, "key"):
        return f"key={found.key} value={short(found.value)}: {text}"
    return text
