"""TrainingSession: one background thread, a command queue and a state machine around a trainer.

Pages and the command line only send commands (they take effect at the next step boundary; a Stop also between
two updates inside a step) and read immutable ``Snapshot`` objects; nothing here ever waits for a training step.
The thread never touches a UI. What the session needs of its trainer is ``gan_core/runtime/protocol.py``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import math
import queue
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gan_core.config import TrainConfig, live_change
from gan_core.logs import refusal, short
from gan_core.runtime import store
from gan_core.runtime.protocol import RunConfig, SessionTrainer, SlotGate, check_trainer
from gan_core.runtime.series import SeriesBuffer
from gan_core.runtime.snapshot import ENDED, Snapshot, cpu_copy, divergence_hint

MAX_VIEWS = 120  # snapshot history kept for the scrub slider (older ones thinned)
EARLY = 10           # the first EARLY * snapshot_every steps keep a view 4x as often: the fast first moments
                     # (on the quadratic curve the fakes are on it by step ~800) replay on the history slider
CHECKPOINT_S = 30.0  # besides every ``checkpoint_every`` steps: a crash loses at most this much training
log = logging.getLogger(__name__)


@dataclass
class _Loop:
    """What the training loop carries from one pass to the next."""

    t_start: float
    paused: bool = False
    pending: int = 0          # iterations a Step asked for; the run pauses after them
    part: str = "both"        # what those iterations update: both, d or g
    first: bool = True        # the first iteration always reports: a page shows its first point at once
    last_flush: float = 0.0
    rate_t: float = 0.0
    rate_step: int = 0
    images_per_second: float = 0.0
    steps_per_second: float = 0.0
    written: tuple = ()       # the (state, step) status.json holds
    saved_at: float = 0.0     # when the last checkpoint was written
    end: tuple = ()           # (state, error, hint) the run ends with, once the loop is left
    ended: bool = False

    @property
    def idle(self) -> bool:
        """Paused with no Step left to run: the thread waits for a command and holds no training slot."""
        return self.paused and self.pending == 0

    @property
    def state(self) -> str:
        return "paused" if self.idle else "running"


class TrainingSession:
    """A run in a background thread. ``start/pause/resume/step/stop/update`` are safe from any thread."""

    def __init__(self, config: RunConfig, *, run_dir: Path | str | None = None, owner: str = "",
                 trainer_factory: Callable[[Any], SessionTrainer] | None = None, resume: bool = False,
                 gate: SlotGate | None = None, evaluator_factory: Callable[[Any], Any] | None = None):
        config.validate()
        if trainer_factory is None:
            _check_gan_size(config)  # before anything is written: a refused run leaves no folder
        self.run_dir = Path(run_dir) if run_dir else store.new_run_dir(config.dataset)
        self.run_id = self.run_dir.name
        self.owner = owner
        self.last_seen = time.time()  # pages call touch() while someone watches; idle owned runs get paused
        self._factory = trainer_factory or _gan_trainer
        if evaluator_factory is None and trainer_factory is None:
            from gan_core.runtime.evaluation import evaluator_for as evaluator_factory
        self._evaluator_factory = evaluator_factory
        self._resume = resume
        self._gate = gate
        self._holding = False  # holds one of the gate's training slots (only while it trains, never paused)
        self._queued_since: float | None = None  # when it began to wait in the memory queue (for the log)
        self._commands: queue.Queue = queue.Queue()
        self._stopping = threading.Event()  # set by stop(): the trainer looks at it between two updates
        self._lock = threading.Lock()
        self._config_lock = threading.Lock()  # update(): validate, write and queue as one
        self._publish_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._series = SeriesBuffer()
        self._events: list[dict] = []
        self._views: list[Any] = []
        self.store = store.RunStore(self.run_dir, None if resume else config.to_dict())
        self._snap = Snapshot(self.run_id, "idle", 0)
        self.config: Any = None
        self._set_config(config)
        self.trainer: SessionTrainer | None = None
        self.evaluator: Any = None
        self._last_good: dict | None = None
        self._first_step, self._train_t0 = 0, time.time()  # where and when this session's training began
        self._step_lock = threading.Lock()  # held around one step, so checkpoint() sees a consistent state
        if not resume:
            self.store.set_status("idle", 0)

    # ---- commands (any thread) --------------------------------------------------------------
    def start(self) -> TrainingSession:
        """Start training in the background (queued first when the registry's cap is reached)."""
        with self._lock:
            if self._thread is None and self._snap.state not in ENDED:
                self._publish(state="starting")
                self._thread = threading.Thread(target=self._run, name=f"train-{self.run_id}", daemon=True)
                self._thread.start()
        return self

    def pause(self) -> None:
        """Pause at the next step boundary; the run gives its training slot to the next one in the queue."""
        self._commands.put(("pause",))

    def resume(self) -> None:
        """Continue (waiting in the queue first when every training slot is taken)."""
        if self._thread is None:
            self.start()
        self._commands.put(("resume",))

    def step(self, n: int = 1, part: str = "both") -> None:
        """Run exactly ``n`` more iterations (``part``: both, d or g), then pause."""
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100_000:
            raise ValueError(f"n={n!r} is out of range; allowed: an integer from 1 to 100000")
        if part not in ("both", "d", "g"):
            raise ValueError(f"part={part!r} is not allowed; choose one of: both, d, g")
        if self._thread is None:
            self._commands.put(("pause",))
            self.start()
        self._commands.put(("step", n, part))

    def stop(self, wait: bool = True, timeout: float = 30.0) -> None:
        """End the run: between two updates of the step in progress (within a second), or at once when queued."""
        with self._lock:
            never_started = self._thread is None
            end_here = never_started and self._snap.state not in ENDED
            if end_here:  # nothing to tell a thread: ended now, under the lock start() takes, so it cannot start
                self._publish(state="stopped")
            elif not never_started:
                self._stopping.set()
                self._commands.put(("stop",))
        if end_here:
            self._end("stopped", None)  # the event and status.json (outside the lock: _record takes it)
        if never_started:
            return
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def update(self, **changes: Any) -> dict:
        """Change live knobs at the next step; ValueError (and nothing applied) for a bad or frozen key.

        The one validation of a live change: the training thread merges the validated values into the trainer's
        config (``_apply_update``). Returns the new values.
        """
        with self._config_lock:
            try:
                new, _ = live_change(self.config, changes, self.live_keys)
            except ValueError as exc:
                log.warning("run %s: live change refused (owner=%s): %s", self.run_id, self._who, refusal(exc))
                raise
            values = {k: getattr(new, k) for k in changes}
            self._set_config(new)
            self._commands.put(("update", values))
        return values

    @property
    def live_keys(self) -> frozenset[str]:
        """The knobs ``update`` accepts: those of this run's config class."""
        return self.config.LIVE_KEYS

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread ends; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def note(self, kind: str, detail: dict) -> None:
        """Record an event on the run from outside the training thread (e.g. an idle pause)."""
        self._record(kind, detail)

    def touch(self, viewer: str | None = None) -> None:
        """Mark the run as watched by its owner (a page polled it); the registry pauses owned runs their owner
        left. ``viewer``: who polled; a classmate watching through the run's link does not keep it alive."""
        if viewer is None or not self.owner or viewer == self.owner:
            self.last_seen = time.time()

    def owner_left(self) -> bool:
        """Paused because its owner left (an idle pause): another browser may take it over."""
        return self.snapshot().state == "paused" and any(e["kind"] == "idle_pause" for e in self.events()[-5:])

    def set_queue_position(self, position: int) -> None:
        """The scheduler's call while the run waits for a place (1: next in line)."""
        if position > 0 and self._queued_since is None:
            self._queued_since = time.monotonic()
            log.info("run %s waiting in the memory queue (position %d, owner=%s)", self.run_id, position, self._who)
        self._publish(queue_position=position, **({"state": "queued"} if position > 0 else {}))

    @property
    def _who(self) -> str:
        return self.owner or "cli"

    # ---- reads (any thread, never blocking on training) --------------------------------------
    def snapshot(self) -> Snapshot:
        return self._snap

    def series(self, keys: list[str] | None = None, max_points: int = 2000,
               steps: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        return self._series.get(keys, max_points, steps)

    def events(self) -> list[dict]:
        with self._lock:
            return list(self._events)

    def view_steps(self) -> list[int]:
        with self._lock:
            return [v.step for v in self._views]

    def view_at(self, index: int) -> Any:
        with self._lock:
            return self._views[index] if self._views else None

    @contextlib.contextmanager
    def between_steps(self) -> Iterator[Any]:
        """The trainer, held between two steps: the training thread waits while the block runs (keep it short).

        Raises ValueError when the run has no trainer yet (it has not started).
        """
        with self._step_lock:
            if self.trainer is None:
                raise ValueError("this run has no model yet (it has not started)")
            yield self.trainer

    @property
    def stop_requested(self) -> bool:
        """A Stop was asked for (a queued run leaves the queue for it; a step in progress ends early)."""
        return self._stopping.is_set()

    def checkpoint(self) -> Path:
        """Save now (from the caller's thread, with the trainer's state copied under the step lock)."""
        with self._step_lock:
            return self._save_checkpoint()

    # ---- the thread: its steps in order ------------------------------------------------------
    def _run(self) -> None:
        now = time.time()
        loop = _Loop(t_start=now, last_flush=now, rate_t=now, saved_at=now)
        try:
            if not self._take_slot(give_up=lambda: self.stop_requested):
                self._end("stopped", None)
                return
            self._build(loop)
            while not loop.ended:
                self._write_status(loop)
                cmd = self._next_command(block=loop.idle)
                if cmd is not None:
                    self._handle(cmd, loop)
                elif loop.idle:
                    self._give_slot()  # paused: another run may train meanwhile
                elif self._take_slot(give_up=lambda: self.stop_requested or self._queued("pause")):
                    self._train_slice(loop)
            self._end(*loop.end)   # out of any turn: the last checkpoint and evaluation hold up no other run
        except Exception as exc:
            self._fail(exc)
        finally:
            self._give_slot()

    def _take_slot(self, give_up: Callable[[], bool]) -> bool:
        """Hold a training slot: at once when one is free, else queued (position shown) until one is, or until
        ``give_up()`` (a Stop, or a Pause while waiting to resume): False, and the loop takes that command."""
        if self._gate is None or self._holding:
            return True
        self._holding = self._gate.acquire(self, give_up)   # "queued" is shown only while it waits (the
                                                            # scheduler's set_queue_position)
        if self._queued_since is not None:
            waited, self._queued_since = time.monotonic() - self._queued_since, None
            log.info("run %s %s after %.1f s in the memory queue", self.run_id,
                     "got its place" if self._holding else "left the queue", waited)
        if self._holding and self.trainer is not None:
            self._publish(state="running", queue_position=0)
        return self._holding

    def _train_slice(self, loop: _Loop) -> None:
        """Iterations for one turn of the scheduler: ``slice_s`` seconds (at least one iteration), or until a
        command arrives; every active run takes its turn in order. Alone (no gate): one iteration."""
        if self._gate is None:
            self._iterate(loop)
            return
        with self._gate.turn(give_up=lambda: self.stop_requested or self._queued("pause"), first=loop.first) as got:
            end = time.perf_counter() + (0.0 if loop.first else self._gate.slice_s)   # the first: one iteration
            while got:
                self._iterate(loop)
                got = not (loop.ended or loop.idle or self._commands.qsize() or time.perf_counter() >= end)

    def _give_slot(self) -> None:
        if self._gate is not None and self._holding:
            self._holding = False
            self._gate.release(self)

    def _build(self, loop: _Loop) -> None:
        """Build the trainer (from the checkpoint when resuming) and the evaluator; the run is running."""
        trainer = check_trainer(self._factory(self.config))
        trainer.should_stop = self._stopping.is_set
        self.trainer = trainer
        if self._resume:
            trainer.load_state_dict(store.load_checkpoint(self.run_dir / "checkpoints" / "latest.pt"))
            self._set_config(trainer.config)  # with the live changes it was saved with
            lost = self.store.drop_metrics_after(trainer.step_count)   # trained again from here: drawn once
            if lost:
                self._record("rewound", {"to_step": trainer.step_count, "metric_rows_dropped": lost})
            self._series.extend(store.read_metrics(self.run_dir))
        self.evaluator = self._evaluator_factory(trainer) if self._evaluator_factory else None
        self._record("start", {"resumed": bool(self._resume)})
        log.info("run %s %s (owner=%s, %s)", self.run_id, "resumed" if self._resume else "started", self._who,
                 ", ".join(f"{k}={v}" for k, v in _logged_knobs(self.config)))
        loop.rate_step, loop.rate_t = trainer.step_count, time.time()
        self._first_step, self._train_t0 = loop.rate_step, loop.rate_t
        self._publish(state="running", view=self._view(), queue_position=0)

    def _write_status(self, loop: _Loop) -> None:
        """Every half second, also while paused: buffered metrics and events, then status.json when it changed."""
        if time.time() - loop.last_flush < 0.5:
            return
        self.store.flush()  # nothing buffered: no write
        status = (self._snap.state, self.trainer.step_count)
        if status != loop.written:  # a paused run writes its status once, not every half second
            self.store.set_status(*status)
            loop.written = status
        loop.last_flush = time.time()

    def _next_command(self, block: bool):
        try:
            return self._commands.get(timeout=0.2) if block else self._commands.get_nowait()
        except queue.Empty:
            return None

    def _queued(self, kind: str) -> bool:
        """A command of ``kind`` waits in the queue."""
        with self._commands.mutex:
            return any(cmd[0] == kind for cmd in self._commands.queue)

    def _handle(self, cmd: tuple, loop: _Loop) -> None:
        kind = cmd[0]
        if kind == "stop":
            self._finish(loop, "stopped")
            return
        if kind == "pause" and not loop.paused:
            loop.paused = True
            self._record("pause", {})
        elif kind == "resume" and loop.paused:
            loop.paused, loop.pending = False, 0
            self._record("resume", {})
        elif kind == "step":
            loop.paused, loop.pending, loop.part = True, loop.pending + cmd[1], cmd[2]
        elif kind == "update":
            self._apply_update(cmd[1])
        if loop.idle:
            self._give_slot()
        if loop.state != self._snap.state and (loop.idle or self._gate is None or self._holding):
            self._publish(state=loop.state)

    def _apply_update(self, values: dict) -> None:
        """Values ``update()`` validated, merged into the trainer's config (not validated again) and applied."""
        old = self.trainer.config
        new = dataclasses.replace(old, **values)
        self.trainer.apply_config(new)
        self._set_config(new)
        diff = {k: {"old": getattr(old, k), "new": v} for k, v in values.items() if getattr(old, k) != v}
        if diff:
            self._record("update", diff)

    def _set_config(self, config: Any) -> None:
        """The one place ``self.config`` changes (at construction, update() and the training thread); pages see
        the new values at once."""
        self.config = config
        self._publish(config=config.to_dict())

    def _iterate(self, loop: _Loop) -> None:
        """One training iteration, then what follows it: rates, the divergence check, the metrics, evaluations,
        views, checkpoints, the snapshot, the budget."""
        tr, cfg = self.trainer, self.config
        before = tr.step_count
        sync = loop.first or (before + 1) % cfg.log_every == 0 or loop.pending == 1
        loop.first = False
        with self._step_lock:
            metrics = tr.step(loop.part if loop.pending else "both", sync=sync)
        if tr.step_count == before:
            return  # a Stop ended the step between two updates: the loop takes it next
        if loop.pending:
            loop.pending -= 1
        now = time.time()
        self._measure_rate(loop, now)
        if metrics:
            bad = [k for k, v in metrics.items() if not math.isfinite(v)]
            if bad:
                self._finish(loop, "diverged", f"{bad[0]} became {metrics[bad[0]]} at step {tr.step_count}.",
                             divergence_hint(cfg))
                return
            self._log(tr.step_count, metrics, now - loop.t_start)
        extra = self._after_step(loop)
        self._publish(step=tr.step_count, images_per_second=loop.images_per_second,
                      steps_per_second=loop.steps_per_second, elapsed=now - loop.t_start,
                      progress=self._progress(now - loop.t_start), state=loop.state,
                      **({"metrics": metrics} if metrics else {}), **extra)
        if (cfg.max_steps and tr.step_count >= cfg.max_steps
                or cfg.max_seconds and now - loop.t_start >= cfg.max_seconds):
            self._finish(loop, "finished")

    def _measure_rate(self, loop: _Loop, now: float) -> None:
        if now - loop.rate_t >= 0.5:
            loop.steps_per_second = (self.trainer.step_count - loop.rate_step) / (now - loop.rate_t)
            loop.images_per_second = loop.steps_per_second * self.trainer.images_per_step
            loop.rate_t, loop.rate_step = now, self.trainer.step_count

    def _after_step(self, loop: _Loop) -> dict:
        """Evaluations submitted and collected, a view every ``snapshot_every`` (and when a Step is done), a
        checkpoint every ``checkpoint_every``; returns what the snapshot gains."""
        step, cfg = self.trainer.step_count, self.config
        extra: dict = {}
        if self.evaluator is not None:
            if step % cfg.eval_every == 0:
                self.evaluator.submit(self.trainer)
            extra.update(self._collect_evaluations())
        every = cfg.snapshot_every if step > EARLY * cfg.snapshot_every else max(1, cfg.snapshot_every // 4)
        if step % every == 0 or loop.idle:
            extra["view"] = self._view()
        now = time.time()
        if step % cfg.checkpoint_every == 0 or now - loop.saved_at >= CHECKPOINT_S:
            self._save_checkpoint()
            loop.saved_at = now
        return extra

    def _finish(self, loop: _Loop, state: str, error: str | None = None, hint: str | None = None) -> None:
        """The loop ends here; ``_run`` ends the run (``_end``) once it is out of the scheduler's turn."""
        loop.end = (state, error, hint)
        loop.ended = True

    def _fail(self, exc: Exception) -> None:
        """An exception ended the run: ``failed``, with its message (out of memory: which batch size to try)."""
        message = f"{type(exc).__name__}: {exc}"
        hint = "Check the settings named in the message; other runs are unaffected."
        self._store_event(self._snap.step, "error", {"message": message, "traceback": traceback.format_exc(limit=8)})
        log.debug("run %s: the exception that ended it", self.run_id, exc_info=exc)
        if _disk_full(exc):
            message = "the disk where runs are written is full, so this run could not save its progress"
            hint = ("Ask the teacher to free disk space on the server, then Resume the run from its last "
                    "checkpoint; other runs stop too when they next save.")
        elif _out_of_memory(exc):
            size = self.config.batch_size
            message = (f"batch_size={size} does not fit in the memory of this device "
                       f"({str(exc).splitlines()[0][:200]})") if size else message
            hint = (f"Try batch_size={max(2, size // 2)} or a smaller model; other runs are unaffected."
                    if size else hint)
        self._end("failed", message, hint)

    def _view(self) -> Any:
        view = self.trainer.view()
        if view is None:
            return self._snap.view
        if view.png is not None:
            self.store.save_samples(view.png, view.step)
        with self._lock:
            self._views.append(view)
            if len(self._views) > MAX_VIEWS:
                del self._views[1:MAX_VIEWS:2]  # thin the history, keep the first and the newest
        self._last_good = {k: cpu_copy(v) for k, v in self.trainer.state_dict().items()}
        return view

    def _collect_evaluations(self) -> dict:
        from gan_core.runtime.evaluation import scalars

        latest: dict = {}
        for result in self.evaluator.results():
            if "error" in result:
                self._record("evaluation_error", {"message": result["error"]})
                continue
            self._log(result["step"], {k: v for k, v in scalars(result).items() if k != "step"}, 0.0)
            alarm = self.evaluator.alarm()
            if alarm and (self._snap.alarm or {}).get("lost") != alarm.get("lost"):
                self._record("collapse", {k: v for k, v in alarm.items() if k != "message"})
            latest = {"evaluation": result, "alarm": alarm}
        return latest

    def _log(self, step: int, metrics: dict, elapsed: float) -> None:
        row = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
        self._series.append(step, row)
        self.store.log_metrics(step, row)

    def _record(self, kind: str, detail: dict) -> None:
        step = self.trainer.step_count if self.trainer is not None else 0
        event = {"step": step, "time": time.time(), "kind": kind, "detail": detail}
        with self._lock:
            self._events.append(event)
        self._store_event(step, kind, detail)

    def _store_event(self, step: int, kind: str, detail: dict) -> None:
        if not self.store.closed:  # an ended run's folder is closed: its events stay in memory only
            self.store.log_event(step, kind, detail)

    def _save_checkpoint(self, state: dict | None = None) -> Path:
        return self.store.save_checkpoint(state if state is not None else self.trainer.state_dict(), "latest")

    def _progress(self, elapsed: float) -> float | None:
        cfg = self.config
        if cfg.max_steps:
            return min(1.0, self.trainer.step_count / cfg.max_steps)
        if cfg.max_seconds:
            return min(1.0, elapsed / cfg.max_seconds)
        return None

    def _end(self, state: str, error: str | None, hint: str | None = None) -> None:
        """The last checkpoint, view and evaluation; the final event and status; the run folder closed (its
        database handles freed) and the copies kept for a divergence dropped."""
        step = self.trainer.step_count if self.trainer is not None else 0
        try:
            if self.trainer is not None:
                if state == "diverged":
                    if self._last_good is not None:
                        self._save_checkpoint(self._last_good)
                elif state != "failed":
                    self._save_checkpoint()
                    self._publish(view=self._view())
            if self.evaluator is not None:
                self.evaluator.wait_idle(10.0)  # let an evaluation in flight land in the run's metrics
                self._publish(**self._collect_evaluations())
                self.evaluator.close()
        finally:
            self._record(state, {"message": error} if error else {})
            # the run's files may not take any more (a full disk): the run still ends here, and says so
            unwritten = []
            for write in ((lambda: None) if self.store.closed else self.store.flush,
                          lambda: self.store.set_status(state, step, error or ""), self.store.close):
                try:
                    write()
                except (OSError, sqlite3.Error) as exc:
                    unwritten.append(refusal(exc))
            if unwritten:
                log.warning("run %s: could not write its end to its folder: %s", self.run_id, unwritten[0])
            self._last_good = None
            rate = {}
            if self.trainer is not None and not self._snap.images_per_second and step > self._first_step:
                # a run shorter than one rate window (0.5 s): its average rate
                seconds = max(time.time() - self._train_t0, 1e-6)
                rate = {"steps_per_second": (step - self._first_step) / seconds}
                rate["images_per_second"] = rate["steps_per_second"] * self.trainer.images_per_step
            self._publish(state=state, error=error, hint=hint, step=step, **rate)
            _log_end(self.run_id, state, step, error)

    def _publish(self, **changes: Any) -> None:
        # a new frozen Snapshot replaces the old one in one assignment: readers never see a half-update
        with self._publish_lock:
            self._snap = Snapshot(**{**self._snap.__dict__, **changes})


_LOGGED_KEYS = ("dataset", "model", "loss", "method", "batch_size", "max_steps", "max_seconds", "device")


def _logged_knobs(config: Any) -> list[tuple[str, str]]:
    """The knobs a run's start line names (those its config has; a budget only when set), values cut short."""
    out = []
    for key in _LOGGED_KEYS:
        value = getattr(config, key, None)
        if value is None or key.startswith("max_") and not value:
            continue
        out.append((key, value[:40] if isinstance(value, str) else short(value)))
    return out
_END_LEVELS = {"failed": logging.ERROR, "diverged": logging.WARNING}


def _log_end(run_id: str, state: str, step: int, error: str | None) -> None:
    """One line: ``run <id> finished|stopped at step N``, or ``failed|diverged at step N: <message>``."""
    message = f": {error.splitlines()[0][:300]}" if error else ""
    log.log(_END_LEVELS.get(state, logging.INFO), "run %s %s at step %d%s", run_id, state, step, message)


def _disk_full(exc: BaseException) -> bool:
    """No space left where the run's files are written (SQLite says it its own way)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def _out_of_memory(exc: BaseException) -> bool:
    """CUDA/MPS out of memory, or the CPU allocator refusing a tensor."""
    if isinstance(exc, torch.OutOfMemoryError):
        if torch.cuda.is_available():
            torch.cuda.empty_cache()  # give the failed run's blocks back to the other runs
        return True
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text


def _check_gan_size(config: TrainConfig) -> None:
    """Refuse, in the caller's thread, a GAN whose step is too large for its device (``check_step_cost``), for
    the data sets whose item shape is known without loading them; the Trainer checks every data set again."""
    from gan_core.config import POINT_DATASETS
    from gan_core.device import resolve_device
    from gan_core.models import check_step_cost

    shapes = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
    shape = (2,) if config.dataset in POINT_DATASETS else shapes.get(config.dataset)
    if shape is not None:
        classes = 10 if config.conditional and len(shape) == 3 else 0
        check_step_cost(config, shape, classes, resolve_device(config.device))


def _gan_trainer(config: TrainConfig) -> SessionTrainer:
    from gan_core.trainer import Trainer
    return Trainer(config)
