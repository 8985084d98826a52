"""TrainingSession: one background thread, a command queue and a state machine around a trainer.

Pages and the command line only send commands (they take effect at the next step boundary) and read
immutable ``Snapshot`` objects; nothing here ever waits for a training step. The thread never touches a UI.
"""
from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gan_core.config import LIVE_KEYS, TrainConfig, live_change
from gan_core.runtime import store
from gan_core.runtime.series import SeriesBuffer
from gan_core.runtime.snapshot import ENDED, Snapshot, cpu_copy, divergence_hint

MAX_VIEWS = 120  # snapshot history kept for the scrub slider (older ones thinned)


class TrainingSession:
    """A run in a background thread. ``start/pause/resume/step/stop/update`` are safe from any thread."""

    def __init__(self, config: TrainConfig, *, run_dir: Path | str | None = None, owner: str = "",
                 trainer_factory: Callable[[Any], Any] | None = None, resume: bool = False,
                 gate: Any = None, evaluator_factory: Callable[[Any], Any] | None = None):
        self.config = config.validate()
        self.run_dir = Path(run_dir) if run_dir else store.new_run_dir(getattr(config, "dataset", "run"))
        self.run_id = self.run_dir.name
        self.owner = owner
        self.last_seen = time.time()  # pages call touch() while someone watches; idle owned runs get paused
        self._factory = trainer_factory or _gan_trainer
        if evaluator_factory is None and trainer_factory is None:
            from gan_core.runtime.evaluation import evaluator_for as evaluator_factory
        self._evaluator_factory = evaluator_factory
        self._resume = resume
        self._gate = gate
        self._commands: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._series = SeriesBuffer()
        self._events: list[dict] = []
        self._views: list[Any] = []
        self.store = store.RunStore(self.run_dir, None if resume else config.to_dict())
        self._snap = Snapshot(self.run_id, "idle", 0, config=config.to_dict())
        self.trainer: Any = None
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
        self._commands.put(("pause",))

    def resume(self) -> None:
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
        with self._lock:
            never_started = self._thread is None
            end_here = never_started and self._snap.state not in ENDED
            if end_here:  # nothing to tell a thread: ended now, under the lock start() takes, so it cannot start
                self._publish(state="stopped")
            elif not never_started:
                self._commands.put(("stop",))
        if end_here:
            self._end("stopped", None)  # the event and status.json (outside the lock: _record takes it)
        if never_started:
            return
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def update(self, **changes: Any) -> dict:
        """Change live knobs at the next step; ValueError (and nothing applied) for a bad or frozen key."""
        new, _ = live_change(self.config, changes, self.live_keys)
        self.config = new
        self._commands.put(("update", dict(changes)))
        if self._thread is None:
            self._publish(config=new.to_dict())
        return {k: getattr(new, k) for k in changes}

    @property
    def live_keys(self) -> frozenset:
        return getattr(self.config, "LIVE_KEYS", LIVE_KEYS)

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
        self._publish(queue_position=position)

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
        """A Stop is waiting in the command queue (a queued run leaves the queue for it)."""
        with self._commands.mutex:
            return any(cmd[0] == "stop" for cmd in self._commands.queue)

    def checkpoint(self) -> Path:
        """Save now (from the caller's thread, with the trainer's state copied under the step lock)."""
        with self._step_lock:
            return self._save_checkpoint()

    # ---- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        paused, pending, part, t_start = False, 0, "both", time.time()
        first = True  # the first iteration always reports: a page shows its first point at once, not at log_every
        last_flush = last_rate_t = time.time()
        last_rate_step, ips, sps = 0, 0.0, 0.0
        written: tuple = ()  # the (state, step) status.json holds
        try:
            if self._gate is not None:
                self._publish(state="queued")
                if not self._gate.acquire(self):
                    self._end("stopped", None)
                    return
            self.trainer = self._factory(self.config)
            if self._resume:
                self.trainer.load_state_dict(store.load_checkpoint(self.run_dir / "checkpoints" / "latest.pt"))
                self.config = getattr(self.trainer, "config", self.config)  # with the live changes it was saved with
                self._series.extend(store.read_metrics(self.run_dir))
            self.evaluator = self._evaluator_factory(self.trainer) if self._evaluator_factory else None
            self._record("start", {"resumed": bool(self._resume)})
            last_rate_step, last_rate_t = self.trainer.step_count, time.time()
            self._first_step, self._train_t0 = last_rate_step, last_rate_t
            self._publish(state="running", view=self._view(), config=self.config.to_dict())
            while True:
                if time.time() - last_flush >= 0.5:  # also while paused: events and status reach the disk
                    self.store.flush()  # nothing buffered: no write
                    status = (self._snap.state, self.trainer.step_count)
                    if status != written:  # a paused run writes its status once, not every half second
                        self.store.set_status(*status)
                        written = status
                    last_flush = time.time()
                block = paused and pending == 0
                cmd = self._next_command(block)
                if cmd is None and block:
                    continue  # paused: keep waiting for a command
                if cmd is not None:
                    kind = cmd[0]
                    if kind == "stop":
                        self._end("stopped", None)
                        return
                    if kind == "pause" and not paused:
                        paused = True
                        self._record("pause", {})
                    elif kind == "resume" and paused:
                        paused, pending = False, 0
                        self._record("resume", {})
                    elif kind == "step":
                        paused, pending, part = True, pending + cmd[1], cmd[2]
                    elif kind == "update":
                        self._apply(cmd[1])
                    state = "paused" if paused and pending == 0 else "running"
                    if state != self._snap.state:
                        self._publish(state=state)
                    continue
                # one training iteration
                tr, cfg = self.trainer, self.config
                step_part = part if pending else "both"
                sync = first or (tr.step_count + 1) % cfg.log_every == 0 or pending == 1
                first = False
                with self._step_lock:
                    metrics = tr.step(step_part, sync=sync)
                if pending:
                    pending -= 1
                now = time.time()
                if now - last_rate_t >= 0.5:
                    sps = (tr.step_count - last_rate_step) / (now - last_rate_t)
                    ips = sps * tr.images_per_step
                    last_rate_t, last_rate_step = now, tr.step_count
                if metrics:
                    bad = [k for k, v in metrics.items() if not math.isfinite(v)]
                    if bad:
                        self._end("diverged", f"{bad[0]} became {metrics[bad[0]]} at step {tr.step_count}.",
                                  divergence_hint(cfg))
                        return
                    self._log(tr.step_count, metrics, now - t_start)
                extra: dict = {}
                if self.evaluator is not None:
                    if tr.step_count % cfg.eval_every == 0:
                        self.evaluator.submit(tr)
                    extra.update(self._collect_evaluations())
                if tr.step_count % cfg.snapshot_every == 0 or pending == 0 and paused:
                    extra["view"] = self._view()
                if tr.step_count % cfg.checkpoint_every == 0:
                    self._save_checkpoint()
                self._publish(step=tr.step_count, images_per_second=ips, steps_per_second=sps,
                              elapsed=now - t_start, progress=self._progress(now - t_start),
                              state="paused" if paused and pending == 0 else "running",
                              **({"metrics": metrics} if metrics else {}), **extra)
                if (cfg.max_steps and tr.step_count >= cfg.max_steps
                        or cfg.max_seconds and now - t_start >= cfg.max_seconds):
                    self._end("finished", None)
                    return
        except Exception as exc:  # noqa: BLE001 - any failure of a run must end only that run, with its message
            message = f"{type(exc).__name__}: {exc}"
            hint = "Check the settings named in the message; other runs are unaffected."
            self.store.log_event(self._snap.step, "error", {"message": message,
                                                             "traceback": traceback.format_exc(limit=8)})
            if _out_of_memory(exc):
                size = getattr(self.config, "batch_size", None)
                message = (f"batch_size={size} does not fit in the memory of this device "
                           f"({str(exc).splitlines()[0][:200]})") if size else message
                hint = (f"Try batch_size={max(2, size // 2)} or a smaller model; other runs are unaffected."
                        if size else hint)
            self._end("failed", message, hint)
        finally:
            if self._gate is not None:
                self._gate.release(self)

    def _next_command(self, block: bool):
        try:
            return self._commands.get(timeout=0.2) if block else self._commands.get_nowait()
        except queue.Empty:
            return None

    def _apply(self, changes: dict) -> None:
        diff = self.trainer.apply_changes(**changes)
        self.config = self.trainer.config
        if diff:
            self._record("update", {k: {"old": o, "new": n} for k, (o, n) in diff.items()})
        self._publish(config=self.config.to_dict())

    def _view(self) -> Any:
        make = getattr(self.trainer, "view", None)
        view = make() if make else None
        if view is None:
            return self._snap.view
        if getattr(view, "png", None) is not None:
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
            self.store.flush()
            self.store.set_status(state, step, error or "")
            rate = {}
            if self.trainer is not None and not self._snap.images_per_second and step > self._first_step:
                # a run shorter than one rate window (0.5 s): its average rate
                seconds = max(time.time() - self._train_t0, 1e-6)
                rate = {"steps_per_second": (step - self._first_step) / seconds}
                rate["images_per_second"] = rate["steps_per_second"] * self.trainer.images_per_step
            self._publish(state=state, error=error, hint=hint, step=step, **rate)

    def _publish(self, **changes: Any) -> None:
        # a new frozen Snapshot replaces the old one in one assignment: readers never see a half-update
        with self._publish_lock:
            self._snap = Snapshot(**{**self._snap.__dict__, **changes})


def _out_of_memory(exc: BaseException) -> bool:
    """CUDA/MPS out of memory, or the CPU allocator refusing a tensor."""
    if isinstance(exc, torch.OutOfMemoryError):
        if torch.cuda.is_available():
            torch.cuda.empty_cache()  # give the failed run's blocks back to the other runs
        return True
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text


def _gan_trainer(config: TrainConfig):
    from gan_core.trainer import Trainer
    return Trainer(config)
