"""The class scheduler: every active run trains in short time slices, in turn; a queue only for memory.

Each run keeps its own thread (its commands, its state machine: ``session.py``), but only ``slots`` of them
compute at any instant. A run asks for a turn, trains for ``SLICE_S`` (at least one step), and hands the turn to
the run that has waited longest: 30 students who press Start together all train at once, each at about 1/30
of the machine, instead of one training and 29 waiting for it to end. A paused, stopped or finished run asks
for no turn and holds no slot. What a waiting thread costs is an ``Event.wait``: no CPU.

Memory is the one thing that queues: at most ``max_active`` runs have their networks and data in memory and
train (``$GAN_MAX_RUNNING``; default: the free memory over ``RUN_MEMORY``, 1 to 64). A run past it waits in
order, its queue position shown; a paused run gives its place up and queues again to resume.
"""
from __future__ import annotations

import collections
import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from gan_core.checks import env_int

SLICE_S = 0.05              # one turn: long beside a thread switch (~0.1 ms), short beside a page refresh (1 s)
RUN_MEMORY = 256 * 2**20    # what one dashboard run may take (a Fashion-MNIST DCGAN with its data, measured in
                            # bench/class_throughput.py); the default cap on active runs leaves room for that many


def default_cap() -> int:
    """How many runs may be active (in memory, training) at once: ``$GAN_MAX_RUNNING`` if set, else as many as
    the free memory holds at ``RUN_MEMORY`` each, from 1 to 64. Runs past it wait in a queue."""
    from gan_core.device import free_memory

    chosen = env_int("GAN_MAX_RUNNING", 1, 256)
    if chosen is not None:
        return chosen
    import torch

    free = free_memory(torch.device("cpu"))
    return 16 if free is None else max(1, min(64, int(free // RUN_MEMORY)))


def default_slots() -> int:
    """How many runs compute at the same instant: ``$GAN_TRAIN_SLOTS`` if set, else 4 on a GPU (small models
    leave it idle between kernel launches), and on the CPU the cores left to the web server over torch's
    threads per run (one slot on a 2-core laptop). More slots than that would only make the runs' threads
    fight for the same cores."""
    import torch

    chosen = env_int("GAN_TRAIN_SLOTS", 1, 256)
    if chosen is not None:
        return chosen
    if torch.cuda.is_available():
        return 4
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, (cores - 1) // max(1, torch.get_num_threads()))


class FairScheduler:
    """Places (memory) for ``max_active`` runs in arrival order, and round-robin turns on ``slots`` slots.

    ``acquire``/``release``: a run's place among the active runs (``SlotGate``). ``turn``: one time slice.
    """

    def __init__(self, max_active: int, slots: int = 1, slice_s: float = SLICE_S):
        self.cap, self.slots, self.slice_s = max_active, slots, slice_s
        self._cond = threading.Condition()
        self._holders: set[Any] = set()
        self._waiting: list[Any] = []
        self._turns = threading.Lock()
        self._busy = 0
        self._turn_queue: collections.deque[threading.Event] = collections.deque()

    # ---- places: the memory queue ------------------------------------------------------------
    def acquire(self, session: Any, give_up: Callable[[], bool]) -> bool:
        """Block until ``session`` has a place (True), or until ``give_up()`` is true (False)."""
        with self._cond:
            if session in self._holders:
                return True
            self._waiting.append(session)
            try:
                while len(self._holders) >= self.cap or self._waiting[0] is not session:
                    self._positions()
                    self._cond.wait(0.2)
                    if give_up():
                        return False
                self._holders.add(session)
                return True
            finally:
                self._waiting.remove(session)
                self._positions()
                self._cond.notify_all()  # the next in line may be first now

    def release(self, session: Any) -> None:
        with self._cond:
            self._holders.discard(session)
            self._cond.notify_all()

    def holders(self) -> int:
        with self._cond:
            return len(self._holders)

    def _positions(self) -> None:
        for i, waiting in enumerate(self._waiting):
            waiting.set_queue_position(i + 1)

    # ---- turns: the CPU ----------------------------------------------------------------------
    @contextlib.contextmanager
    def turn(self, give_up: Callable[[], bool] = lambda: False, first: bool = False) -> Iterator[bool]:
        """One time slice: yields True once this thread holds a slot (at once when one is free, else when the
        runs that asked before it had theirs), or False when ``give_up()`` became true while it waited.
        ``first``: the run's very first turn goes to the front of the line (its first point shows at once)."""
        got = self._enter(give_up, first)
        try:
            yield got
        finally:
            if got:
                self._leave()

    def contended(self) -> bool:
        """Another run waits for a turn."""
        return bool(self._turn_queue)

    def _enter(self, give_up: Callable[[], bool], first: bool = False) -> bool:
        with self._turns:
            if self._busy < self.slots and not self._turn_queue:
                self._busy += 1
                return True
            ready = threading.Event()
            if first:
                self._turn_queue.appendleft(ready)
            else:
                self._turn_queue.append(ready)
        while not ready.wait(0.1):
            if give_up():
                with self._turns:
                    if ready.is_set():   # handed over just now: it is ours to give on
                        break
                    self._turn_queue.remove(ready)
                return False
        return True

    def _leave(self) -> None:
        with self._turns:
            if self._turn_queue:
                self._turn_queue.popleft().set()   # the slot passes straight to the longest waiting run
            else:
                self._busy -= 1
