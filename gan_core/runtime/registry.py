"""RunRegistry: every live TrainingSession of the process, a cap on how many train at once, stop_all at exit."""
from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from typing import Any

from gan_core.paths import runs_root
from gan_core.runtime import store
from gan_core.runtime.session import TrainingSession
from gan_core.runtime.snapshot import ENDED


def default_cap() -> int:
    """How many runs may train at once: ``$GAN_MAX_RUNNING`` if set, else one per two CPU cores (at least 1),
    or 4 on a GPU. Runs past the cap wait in a queue and show their position."""
    import torch

    if os.environ.get("GAN_MAX_RUNNING"):
        value = os.environ["GAN_MAX_RUNNING"]
        if not value.isdigit() or not 1 <= int(value) <= 256:
            raise ValueError(f"GAN_MAX_RUNNING={value!r} is not allowed; give an integer from 1 to 256")
        return int(value)

    if torch.cuda.is_available():
        return 4
    return max(1, (os.cpu_count() or 2) // 2)


class _Gate:
    """A fair slot gate: sessions past the cap wait in order and see their queue position."""

    def __init__(self, cap: int):
        self.cap = cap
        self._cond = threading.Condition()
        self._holders: set[str] = set()
        self._waiting: list[TrainingSession] = []

    def acquire(self, session: TrainingSession) -> bool:
        with self._cond:
            self._waiting.append(session)
            try:
                while len(self._holders) >= self.cap or self._waiting[0] is not session:
                    self._positions()
                    self._cond.wait(0.5)
                    if session.stop_requested:
                        return False
                self._holders.add(session.run_id)
                return True
            finally:
                self._waiting.remove(session)
                self._positions()

    def release(self, session: TrainingSession) -> None:
        with self._cond:
            self._holders.discard(session.run_id)
            self._cond.notify_all()

    def _positions(self) -> None:
        for i, waiting in enumerate(self._waiting):
            waiting.set_queue_position(i + 1)


class RunRegistry:
    """All sessions of this process; thread-safe. A Streamlit app keeps one in ``st.cache_resource``."""

    def __init__(self, max_running: int | None = None, root: Path | str | None = None,
                 share_slots_with: RunRegistry | None = None):
        """``share_slots_with``: another registry whose cap and queue this one's runs share (lesson runs)."""
        self.root = Path(root) if root else runs_root()
        self.gate = share_slots_with.gate if share_slots_with else _Gate(max_running or default_cap())
        self._sessions: dict[str, TrainingSession] = {}
        self._lock = threading.Lock()
        self.idle_pause_s = float(os.environ.get("GAN_IDLE_PAUSE_S", 15 * 60))
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="idle-reaper", daemon=True)
        self._reaper.start()
        atexit.register(self.stop_all)

    @property
    def max_running(self) -> int:
        return self.gate.cap

    def create(self, config: Any, owner: str = "", **kwargs: Any) -> TrainingSession:
        """A new (not yet started) session under this registry's runs folder."""
        config.validate()
        run_dir = store.new_run_dir(getattr(config, "dataset", "run"), self.root)
        session = TrainingSession(config, run_dir=run_dir, owner=owner, gate=self.gate, **kwargs)
        with self._lock:
            self._sessions[session.run_id] = session
        return session

    def resume(self, run_id: str, owner: str = "", **kwargs: Any) -> TrainingSession:
        """Continue a run from disk (its last checkpoint) in a new session with the same folder."""
        from gan_core.config import TrainConfig

        run_dir = store.safe_run_dir(run_id, self.root)
        with self._lock:
            live = self._sessions.get(run_id)
            if live is not None and live.snapshot().state not in ENDED:
                raise ValueError(f"run {run_id!r} is still live; pause or stop it first")
        if not (run_dir / "checkpoints" / "latest.pt").exists():
            raise ValueError(f"run {run_id!r} has no checkpoint to resume from")
        config = TrainConfig.from_json((run_dir / "config.json").read_text(encoding="utf-8"))
        session = TrainingSession(config, run_dir=run_dir, owner=owner, gate=self.gate, resume=True, **kwargs)
        with self._lock:
            self._sessions[run_id] = session
        return session

    def get(self, run_id: str) -> TrainingSession | None:
        with self._lock:
            return self._sessions.get(run_id)

    def sessions(self) -> list[TrainingSession]:
        with self._lock:
            return list(self._sessions.values())

    def running(self) -> list[TrainingSession]:
        return [s for s in self.sessions() if s.snapshot().state in ("running", "starting", "queued", "paused")]

    def pause_idle(self, now: float | None = None) -> list[str]:
        """Pause running runs whose owner has not looked at them for ``idle_pause_s``; return their ids."""
        now = time.time() if now is None else now
        paused = []
        for s in self.sessions():
            if s.owner and s.snapshot().state == "running" and now - s.last_seen > self.idle_pause_s:
                s.pause()
                s.note("idle_pause", {"idle_seconds": round(now - s.last_seen)})
                paused.append(s.run_id)
        return paused

    def _reap_loop(self) -> None:
        while not self._closed.wait(min(30.0, max(1.0, self.idle_pause_s / 4))):
            self.pause_idle()

    def stop_all(self, timeout: float = 10.0) -> None:
        """Stop every session and join its thread (called at interpreter exit)."""
        self._closed.set()
        sessions = self.sessions()
        for s in sessions:
            s.stop(wait=False)
        for s in sessions:
            s.wait(timeout)
