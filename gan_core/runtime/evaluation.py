"""Quality evaluation beside training: the training thread only draws the fakes; a worker thread scores them.

On a CPU an image evaluation costs about a second (classifier features, FID, KID, precision/recall); run in
the training thread every ``eval_every`` steps it would stall training and the live curves. Here the trainer
hands over a batch of samples and goes on; results come back through ``results()`` tagged with their step.
"""
from __future__ import annotations

import queue
import threading
from typing import Any

from gan_core.metrics import Evaluator, scalars


class BackgroundEvaluator:
    """One worker thread per run; at most one evaluation waits, later requests are dropped while it is busy."""

    def __init__(self, trainer: Any):
        self._data, self._device = trainer.data, trainer.device
        self._data_root = getattr(trainer.config, "data_root", "")
        self.n_samples = 2000 if trainer.data.kind == "points" else 1000
        self._inbox: queue.Queue = queue.Queue(maxsize=1)
        self._results: queue.Queue = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self.evaluator: Evaluator | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._work, name="evaluate", daemon=True)
        self._thread.start()

    def submit(self, trainer: Any) -> bool:
        """Queue an evaluation of the trainer's current generator; False when one is still pending."""
        if not self._inbox.empty() or self.error is not None:
            return False
        fakes = trainer.sample(self.n_samples).detach()
        self._idle.clear()
        self._inbox.put((trainer.step_count, fakes))
        return True

    def results(self) -> list[dict]:
        """Finished evaluations since the last call (each with ``step``)."""
        out = []
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    def alarm(self) -> dict | None:
        return self.evaluator.alarm() if self.evaluator is not None else None

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._inbox.put(None)

    def _work(self) -> None:
        while True:
            item = self._inbox.get()
            if item is None:
                return
            step, fakes = item
            try:
                if self.evaluator is None:
                    self.evaluator = Evaluator(self._data, device=self._device, data_root=self._data_root)
                cursor = [0]

                def sample(n: int, cursor=cursor, fakes=fakes):
                    start = cursor[0]
                    cursor[0] += n
                    return fakes[start:start + n]

                self._results.put(self.evaluator.evaluate(sample, step=step))
            except (ValueError, RuntimeError, OSError) as exc:
                # e.g. no classifier can be trained for an unlabelled folder: evaluation stops, training goes on
                self.error = f"evaluation unavailable: {exc}"
                self._results.put({"step": step, "error": self.error})
            finally:
                self._idle.set()


def evaluator_for(trainer: Any) -> BackgroundEvaluator:
    """The session's default evaluator factory."""
    return BackgroundEvaluator(trainer)


def evaluate_now(trainer: Any) -> dict:
    """One synchronous evaluation (the ``evaluate`` command): floats and lists, JSON-ready."""
    ev = Evaluator(trainer.data, device=trainer.device, data_root=getattr(trainer.config, "data_root", ""))
    result = ev.evaluate(lambda n: trainer.sample(n), step=trainer.step_count)
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in result.items()}


__all__ = ["BackgroundEvaluator", "evaluator_for", "evaluate_now", "scalars"]
