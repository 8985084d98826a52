"""``python -m gan_core lessons check``: run each lesson's judge on several seeds and say whether the lesson
shows what it promises (issue 12's bar: on at least 9 of 10 seeds, within the lesson's time).

A judge is ``judge(seed, fast) -> {"passed", "seconds", "effect", "details"}`` (``check_gan`` for lessons 1-5,
``check_classifiers`` for 6-9).
``run_check`` returns one row per lesson; ``format_table`` prints them. The bar for ``n`` seeds is
``ceil(0.9 * n)`` passes (all of 2 or 3).
"""
from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable
from typing import Any

Judge = Callable[[int, bool], dict[str, Any]]


def judges() -> dict[int, Judge]:
    """Every lesson that has a judge, by lesson number."""
    from gan_core.lessons.check_classifiers import JUDGES_CLASSIFIERS
    from gan_core.lessons.check_gan import JUDGES_GAN

    return dict(sorted({**JUDGES_GAN, **JUDGES_CLASSIFIERS}.items()))


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"3"`` or ``"0,2,5"`` -> the seeds. Raises ValueError naming the text."""
    text = str(text).strip()
    m = re.fullmatch(r"(\d{1,6})-(\d{1,6})", text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo <= hi and hi - lo < 100:
            return list(range(lo, hi + 1))
    elif re.fullmatch(r"\d{1,6}(,\d{1,6}){0,99}", text):
        return sorted(set(int(s) for s in text.split(",")))
    raise ValueError(f"--seeds {text!r} is not allowed; give a range such as 0-9 (at most 100 seeds) or a list "
                     "such as 0,1,2")


def needed(n_seeds: int) -> int:
    """Passes a lesson needs on ``n_seeds`` seeds: 9 of 10, rounded up."""
    return math.ceil(0.9 * n_seeds)


def run_check(lessons: list[int], seeds: list[int], fast: bool = False,
              progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """One row per lesson: ``lesson``, ``effect``, ``passed`` (seeds), ``seeds``, ``ok``, ``median_seconds``,
    ``runs`` (each seed's result)."""
    table = judges()
    rows = []
    for lesson in lessons:
        runs = []
        for seed in seeds:
            result = dict(table[lesson](seed, fast))
            result["seed"] = seed
            runs.append(result)
            if progress:
                progress(f"lesson {lesson} seed {seed}: {'pass' if result['passed'] else 'FAIL'}")
        passed = sum(bool(r["passed"]) for r in runs)
        times = [r["seconds"] for r in runs if r["passed"] and r.get("seconds") is not None]
        rows.append({"lesson": lesson, "effect": runs[0]["effect"] if runs else "", "passed": passed,
                     "seeds": len(seeds), "ok": passed >= needed(len(seeds)),
                     "median_seconds": round(statistics.median(times), 1) if times else None, "runs": runs})
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table: lesson, seeds passed, median seconds to the effect, the effect."""
    lines = [f"{'lesson':<7}{'passed':<9}{'median s':<10}effect"]
    for r in rows:
        med = "-" if r["median_seconds"] is None else f"{r['median_seconds']:g}"
        mark = "" if r["ok"] else "  << below the bar"
        lines.append(f"{r['lesson']:<7}{r['passed']}/{r['seeds']:<7}{med:<10}{r['effect']}{mark}")
    return "\n".join(lines)
