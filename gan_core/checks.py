"""The validators every config shares, in one wording: ``choice``, ``int_range``, ``float_range``, the run keys
every session-driven config has (``run_keys``), the one string coercion (``coerce_value``) and the ``DictConfig``
mixin (dict round trips) of every config class. Each raises ``ValueError`` naming the key, the bad value and
what is allowed."""
from __future__ import annotations

import dataclasses
import math
import os
import re
import reprlib
from dataclasses import fields
from typing import Any

_ABS_PATH = re.compile(r"(?<![\w.~/:])(?:~|[A-Za-z]:)?(?:[/\\][^\s'\"/\\,;:()<>\[\]]*)+")
DEVICES = ("auto", "cpu", "cuda", "mps")  # "cuda:N" is allowed too: see check_device
MAX_SECONDS = 7 * 24 * 3600.0
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
_SHORT = reprlib.Repr()   # Python 3.11's Repr takes no arguments
_SHORT.maxlevel, _SHORT.maxtuple, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxset = 3, 8, 8, 8, 8
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 120, 120, 60


class ConfigError(ValueError):
    """A refused config value. The message names it for a person; ``key`` and ``value`` say which for a program
    (the log line of a refusal, ``gan_core.logs.refusal``); ``code`` and ``params`` say what kind of refusal it is
    and with which figures, for a front end that says it in the student's language (``ui.i18n.refusal``; the
    message is its English)."""

    def __init__(self, message: str, key: str | None = None, value: Any = None, code: str | None = None,
                 **params: Any):
        super().__init__(message)
        self.key, self.value, self.code, self.params = key, value, code, params


def shown(value: Any) -> str:
    """``repr(value)`` for a message: the same for a plain value, bounded for a long or deeply nested one (a
    config nested 3,000 deep makes ``repr`` itself fail with RecursionError)."""
    return _SHORT.repr(value)


def choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{key}={shown(value)} is not allowed; choose one of: {', '.join(allowed)}", key, value,
                          "choice", allowed=", ".join(allowed))


def int_range(key: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{key}={shown(value)} is out of range; allowed: an integer from {low} to {high}", key,
                          value, "int_range", low=low, high=high)


def float_range(key: str, value: Any, low: float, high: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high:
        raise ConfigError(f"{key}={shown(value)} is out of range; allowed: a finite number from {low:g} to "
                          f"{high:g}", key, value, "float_range", low=f"{low:g}", high=f"{high:g}")


def check_device(key: str, value: Any) -> None:
    """``auto``, ``cpu``, ``cuda``, ``cuda:N`` (one GPU of a lab server with several) or ``mps``."""
    if isinstance(value, str) and re.fullmatch(r"cuda:\d{1,2}", value):
        return
    if value not in DEVICES:
        raise ConfigError(f"{key}={shown(value)} is not allowed; choose one of: {', '.join(DEVICES)}, cuda:N", key,
                          value, "choice", allowed=f"{', '.join(DEVICES)}, cuda:N")


def run_keys(cfg: Any) -> None:
    """Validate the keys every session-driven config has: seed, device, the budgets and the ``*_every``."""
    int_range("seed", cfg.seed, 0, 2**31 - 1)
    check_device("device", cfg.device)
    int_range("max_steps", cfg.max_steps, 0, 10**9)
    float_range("max_seconds", cfg.max_seconds, 0.0, MAX_SECONDS)
    for key in ("eval_every", "log_every", "snapshot_every", "checkpoint_every"):
        int_range(key, getattr(cfg, key), 1, 10**7)


def public_text(text: object, limit: int = 300) -> str:
    """A message for a browser: its first line, at most ``limit`` characters, every absolute path (``/a/b/c``,
    ``~/a``, ``C:\\a``) reduced to its last part, so a message from any library never shows the server's folders."""
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    short = _ABS_PATH.sub(lambda m: re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1] or "/", first)
    return short if len(short) <= limit else short[:limit - 1] + "…"


def coerce_value(key: str, value: Any, default: Any) -> Any:
    """``value`` (maybe a string from a command line, a URL or a form) as the type of ``default``.

    Raises ValueError naming the key for a value of the wrong type; ranges are left to ``validate()``.
    """
    convert = next((fn for kind, fn in _COERCERS if isinstance(default, kind)), None)
    if convert is None:
        return value
    try:
        return convert(value)
    except _NotFinite:
        raise ConfigError(f"{key}={shown(value)} is not a finite number", key, value, "not_finite") from None
    except (ValueError, TypeError, OverflowError):
        raise ConfigError(f"{key}={shown(value)} is not a valid {_type_name(default)}", key, value, "not_type",
                          kind=type(default).__name__) from None


class _NotFinite(Exception):
    """A float that is nan or infinite: its own message, not "not a valid number"."""


def _as_bool(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    raise TypeError


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise TypeError
    return int(value.strip()) if isinstance(value, str) else int(value)


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError
    out = float(value)
    if not math.isfinite(out):
        raise _NotFinite
    return out


def _as_int_list(value: Any) -> list[int]:
    if isinstance(value, str):
        return [int(p) for p in value.replace("[", "").replace("]", "").replace(" ", "").split(",") if p]
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool)
                                               or isinstance(v, float) and v.is_integer() for v in value):
        return [int(v) for v in value]
    raise TypeError


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value.strip()


# bool before int: a bool is an int to isinstance
_COERCERS = ((bool, _as_bool), (int, _as_int), (float, _as_float), (list, _as_int_list), (str, _as_str))


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "boolean (true/false)"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    if isinstance(default, list):
        return "list of integers such as 128,128"
    return "string"


class DictConfig:
    """Mixin for a ``@dataclass`` config: ``to_dict``, ``from_dict`` (unknown keys and wrong types raise
    ValueError) and ``replace``; the dataclass brings its fields and ``validate()``."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, values: dict[str, Any]):
        """Build from a dict; unknown keys raise ValueError, strings become the fields' types."""
        known = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        unknown = sorted(set(values) - set(known), key=str)
        if unknown:
            raise ConfigError(f"unknown config key {shown(unknown[0])}; allowed keys: {', '.join(known)}",
                              str(unknown[0])[:60], values[unknown[0]], "unknown_key", allowed=", ".join(known))
        cfg = cls()
        for key, value in values.items():
            setattr(cfg, key, coerce_value(key, value, getattr(cfg, key)))
        return cfg

    def replace(self, **changes: Any):
        return type(self).from_dict({**self.to_dict(), **changes})


def env_int(name: str, low: int, high: int) -> int | None:
    """``$name`` as an integer from ``low`` to ``high``, None when unset; ValueError naming it otherwise."""
    value = os.environ.get(name)
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(f"{name}={value!r} is not allowed; give an integer from {low} to {high}")
    return int(value)
