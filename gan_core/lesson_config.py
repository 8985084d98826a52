"""What the lesson configs (``dann.ShiftConfig``, ``augment.AugmentConfig``) share: dict/JSON round trips, typed
copies and string coercion, so a page form, a ``--set``-style string or a checkpoint can build one."""
from __future__ import annotations

import dataclasses
from dataclasses import fields
from typing import Any

from .config import _choice, _float_range, _int_range  # noqa: F401 - re-exported for the lesson configs


class LessonConfig:
    """Mixin for a ``@dataclass`` config: ``to_dict``, ``from_dict`` (unknown keys raise ValueError) and
    ``replace``; the dataclass brings its fields and ``validate()``."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, values: dict[str, Any]):
        """Build from a dict; unknown keys raise ValueError, numeric strings become numbers."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config key {unknown[0]!r}; allowed keys: {', '.join(sorted(known))}")
        cfg = cls()
        for key, value in values.items():
            setattr(cfg, key, coerce_field(key, value, getattr(cfg, key)))
        return cfg

    def replace(self, **changes: Any):
        return type(self).from_dict({**self.to_dict(), **changes})


def coerce_field(key: str, value: Any, default: Any) -> Any:
    """A string from a command line or form becomes the field's type; other values are left to validate()."""
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, str) or isinstance(default, str):
        return value.strip() if isinstance(value, str) else value
    try:
        return int(value) if isinstance(default, int) else float(value)
    except ValueError:
        raise ValueError(f"{key}={value!r} is not a valid {type(default).__name__}") from None


def run_keys(cfg: Any) -> None:
    """Validate the keys every session-driven config has (``max_steps``, ``max_seconds``, the ``*_every``)."""
    _int_range("seed", cfg.seed, 0, 2**31 - 1)
    _int_range("max_steps", cfg.max_steps, 0, 10**9)
    _float_range("max_seconds", cfg.max_seconds, 0.0, 7 * 24 * 3600.0)
    _choice("device", cfg.device, ("auto", "cpu", "cuda", "mps"))
    for key in ("eval_every", "log_every", "snapshot_every", "checkpoint_every"):
        _int_range(key, getattr(cfg, key), 1, 10**7)
