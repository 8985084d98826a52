"""RunRegistry: every live TrainingSession of the process, the scheduler they share, stop_all at exit."""
from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gan_core.checks import env_int
from gan_core.logs import refusal, short
from gan_core.paths import runs_root
from gan_core.runtime import store, uploads
from gan_core.runtime.scheduler import FairScheduler, default_cap, default_slots
from gan_core.runtime.session import TrainingSession
from gan_core.runtime.snapshot import ENDED

log = logging.getLogger(__name__)


def default_per_owner() -> int:
    """How many unfinished runs (training, queued, paused) one browser may have: ``$GAN_MAX_RUNS_PER_BROWSER`` if
    set, else 3."""
    chosen = env_int("GAN_MAX_RUNS_PER_BROWSER", 1, 1000)
    return 3 if chosen is None else chosen


class IdleRuns:
    """What every registry of the class does with its ``sessions()``, here or on a Ray cluster: list the runs
    not ended, pause the ones their owner left (``idle_pause_s``)."""

    idle_pause_s: float

    def sessions(self) -> list[Any]:
        raise NotImplementedError

    def running(self) -> list[Any]:
        return [s for s in self.sessions() if s.snapshot().state in ("running", "starting", "queued", "paused")]

    def pause_idle(self, now: float | None = None) -> list[str]:
        """Pause running runs whose owner has not looked at them for ``idle_pause_s``; return their ids."""
        now = time.time() if now is None else now
        paused = []
        for s in self.sessions():
            if s.owner and s.snapshot().state == "running" and now - s.last_seen > self.idle_pause_s:
                try:
                    s.pause()
                    s.note("idle_pause", {"idle_seconds": round(now - s.last_seen)})
                except ValueError:   # a Ray run whose worker was lost meanwhile: nothing to pause
                    continue
                log.info("run %s paused: its owner %s has not looked at it for %d s", s.run_id, s.owner,
                         round(now - s.last_seen))
                paused.append(s.run_id)
        return paused


class RunRegistry(IdleRuns):
    """All sessions of this process; thread-safe. A Streamlit app keeps one in ``st.cache_resource``.

    Limits, so nothing one browser does or leaves behind holds the class: every active run trains, in time
    slices on ``slots`` compute slots (``scheduler.py``); at most ``max_running`` runs are active at once (memory;
    paused runs hold no place), at most ``per_owner`` unfinished runs per browser (counted over every
    registry that shares the slots), one live session per run id, and an ended run leaves the registry (its
    trainer with it) once its owner has a newer ended one or more than ``KEEP_ENDED`` ended runs are held: its
    run folder on disk still shows it.
    """

    KEEP_ENDED = 16

    def __init__(self, max_running: int | None = None, root: Path | str | None = None,
                 share_slots_with: RunRegistry | None = None, per_owner: int | None = None,
                 slots: int | None = None):
        """``share_slots_with``: another registry whose scheduler (places, queue, slots) and per-browser count
        this one's runs share (lesson runs)."""
        self.root = Path(root) if root else runs_root()
        if share_slots_with:
            family = share_slots_with._family
        else:  # the class's registry, made once when the server starts: what a dead server's uploads left goes
            uploads.sweep_stale(self.root)
            gate = FairScheduler(max_running or default_cap(), slots or default_slots())
            family = _Family(gate, per_owner or default_per_owner())
        self._family = family
        family.members.append(self)
        self.gate = family.gate
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

    @property
    def per_owner(self) -> int:
        return self._family.per_owner

    def create(self, config: Any, owner: str = "", **kwargs: Any) -> TrainingSession:
        """A new (not yet started) session under this registry's runs folder.

        Raises ValueError for a bad config, for a GAN whose step is too large for this device, and when
        ``owner`` already has ``per_owner`` unfinished runs; no run folder is left behind then.
        """
        with self._family.lock, _logged("run refused", owner):
            self._check_owner(owner)
            run_dir = store.new_run_dir(config.dataset, self.root)
            try:
                session = TrainingSession(config, run_dir=run_dir, owner=owner, gate=self.gate, **kwargs)
            except ValueError:
                run_dir.rmdir()  # the session refused the config before writing anything
                raise
            self._insert(session)
        return session

    def resume(self, run_id: str, owner: str = "", **kwargs: Any) -> TrainingSession:
        """Continue a run from disk (its last checkpoint) in a new session with the same folder.

        The check that the run is not live and the insertion of its new session happen under one lock: many
        browsers pressing Resume at once make one session, the others get ValueError.
        """
        from gan_core.config import TrainConfig

        with self._family.lock, _logged(f"resume of run {short(run_id)} refused", owner):
            run_dir = store.safe_run_dir(run_id, self.root)
            live = self.get(run_id)
            if live is not None and live.snapshot().state not in ENDED:
                raise ValueError(f"run {run_id!r} is still live; pause or stop it first")
            if not (run_dir / "checkpoints" / "latest.pt").exists():
                raise ValueError(f"run {run_id!r} has no checkpoint to resume from")
            self._check_owner(owner)
            config = TrainConfig.from_json((run_dir / "config.json").read_text(encoding="utf-8"))
            session = TrainingSession(config, run_dir=run_dir, owner=owner, gate=self.gate, resume=True, **kwargs)
            self._insert(session)
        return session

    def _check_owner(self, owner: str) -> None:
        """ValueError when ``owner`` (a browser; "" is the command line, never capped) has too many runs."""
        if not owner:
            return
        mine = [s.run_id for r in self._family.members for s in r.sessions()
                if s.owner == owner and s.snapshot().state not in ENDED]
        if len(mine) >= self.per_owner:
            raise ValueError(f"this browser already has {len(mine)} runs that have not ended ({', '.join(mine)}); "
                             f"allowed: at most {self.per_owner} per browser: stop one of them first")

    def _insert(self, session: TrainingSession) -> None:
        with self._lock:
            self._sessions.pop(session.run_id, None)  # a resumed run moves to the end: the newest
            self._sessions[session.run_id] = session
        self.prune()

    def prune(self) -> list[str]:
        """Drop ended sessions (and their trainers) but each owner's newest and the ``KEEP_ENDED`` newest; their
        run folders still show them. Returns the run ids dropped."""
        with self._lock:
            ended = [s for s in self._sessions.values() if s.snapshot().state in ENDED]
            newest = {s.owner: s for s in ended}   # insertion order: the last one of each owner wins
            keep = {id(s) for s in newest.values()} & {id(s) for s in ended[-self.KEEP_ENDED:]}
            dropped = [s.run_id for s in ended if id(s) not in keep]
            for run_id in dropped:
                del self._sessions[run_id]
        return dropped

    def get(self, run_id: str) -> TrainingSession | None:
        with self._lock:
            return self._sessions.get(run_id)

    def sessions(self) -> list[TrainingSession]:
        with self._lock:
            return list(self._sessions.values())

    def _reap_loop(self) -> None:
        while not self._closed.wait(min(30.0, max(1.0, self.idle_pause_s / 4))):
            self.pause_idle()
            self.prune()

    def stop_all(self, timeout: float = 10.0) -> None:
        """Stop every session and join its thread (called at interpreter exit)."""
        self._closed.set()
        sessions = self.sessions()
        for s in sessions:
            s.stop(wait=False)
        for s in sessions:
            s.wait(timeout)


@contextlib.contextmanager
def _logged(what: str, owner: str) -> Iterator[None]:
    """A ValueError raised inside (a refused config, a browser over its cap) logged as one line, then re-raised."""
    try:
        yield
    except ValueError as exc:
        log.warning("%s (owner=%s): %s", what, owner or "cli", refusal(exc))
        raise


class _Family:
    """What registries sharing slots share: the gate, the per-browser cap, the lock that admits runs."""

    def __init__(self, gate: FairScheduler, per_owner: int):
        self.gate, self.per_owner = gate, per_owner
        self.lock = threading.RLock()
        self.members: list[RunRegistry] = []
