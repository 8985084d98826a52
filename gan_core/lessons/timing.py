"""The lesson check's clock: how long a lesson's training took, in CPU and wall seconds."""
from __future__ import annotations

import time
from collections.abc import Callable


class TrainingClock:
    """Wall and CPU seconds of the training only, summed over ``with clock:`` blocks (evaluations between them
    are left out). ``cpu_clock``: ``time.process_time`` (the whole process) or ``time.thread_time`` (the one
    thread that trains: what one laptop core spends, whatever else the machine runs)."""

    def __init__(self, cpu_clock: Callable[[], float] = time.process_time) -> None:
        self.cpu = self.wall = 0.0
        self._cpu_clock = cpu_clock
        self._start: tuple[float, float] | None = None

    def __enter__(self) -> TrainingClock:
        self._start = (self._cpu_clock(), time.perf_counter())
        return self

    def __exit__(self, *exc: object) -> None:
        cpu, wall = self._start
        self.cpu += self._cpu_clock() - cpu
        self.wall += time.perf_counter() - wall
