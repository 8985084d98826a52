"""Runs on a Ray cluster: one named, detached actor per run, and a registry of proxies the pages use as sessions.

When a lab's class outgrows one server, ``GAN_RAY_ADDRESS`` (``auto``, ``ray://head:10001``) makes the dashboard
keep its runs in a Ray cluster instead of in its own process. Each run is a ``SessionActor``: a
``TrainingSession`` in a worker process, named ``run-<run id>`` in the ``gan-classroom`` namespace and detached,
so it outlives the front end that started it and any front end attaches to it by run id. An actor holds
``num_cpus`` (``GAN_RAY_CPUS_PER_RUN``, default 1) and, for a CUDA run, a fraction of a GPU
(``GAN_RAY_GPUS_PER_RUN``, default 0.25): Ray's scheduler is the class's queue across machines, and a run
waiting for resources shows as queued. Pages read a run only through ``poll()`` (a plain snapshot and its
series); the run folder is written on the worker's node (``GAN_RUNS_DIR`` there).

Ray is an optional extra (``pip install "gan-classroom[ray]"``); nothing here imports it before it is used.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gan_core.paths import runs_root
from gan_core.runtime import store
from gan_core.runtime.registry import IdleRuns, default_per_owner
from gan_core.runtime.snapshot import ENDED, Snapshot

NAMESPACE = "gan-classroom"
POLL_S = 0.25        # a proxy asks its actor at most this often; pages in between read the last answer
LOST = ("the worker that trained this run was lost (its machine stopped, or the actor was killed); the run "
        "folder keeps what it saved: resume it from there")


def connect(address: str | None = None) -> None:
    """Join the Ray cluster at ``address`` (default ``$GAN_RAY_ADDRESS``) once per process, in our namespace."""
    import ray

    if not ray.is_initialized():
        ray.init(address=address or os.environ.get("GAN_RAY_ADDRESS") or "auto", namespace=NAMESPACE,
                 log_to_driver=False)


def _plain(snap: Snapshot) -> dict[str, Any]:
    """A snapshot as a plain dict (its read-only mappings copied: they do not pickle), for another process."""
    values = {f.name: getattr(snap, f.name) for f in dataclasses.fields(snap)}
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in values.items()}


class _SessionActor:
    """A ``TrainingSession`` in a Ray worker: its commands, and one ``poll()`` for everything a page reads."""

    def __init__(self, config: dict[str, Any], run_dir: str, owner: str, resume: bool) -> None:
        from gan_core.config import TrainConfig
        from gan_core.runtime.session import TrainingSession

        self.session = TrainingSession(TrainConfig.from_dict(config), run_dir=run_dir, owner=owner, resume=resume)

    def start(self) -> None:
        self.session.start()

    def pause(self) -> None:
        self.session.pause()

    def resume(self) -> None:
        self.session.resume()

    def step(self, n: int = 1, part: str = "both") -> None:
        self.session.step(n, part)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        return self.session.update(**changes)

    def stop(self) -> None:
        self.session.stop()

    def checkpoint(self) -> str:
        return str(self.session.checkpoint())

    def note(self, kind: str, detail: dict[str, Any]) -> None:
        self.session.note(kind, detail)

    def poll(self, keys: list[str] | None = None, max_points: int = 2000) -> dict[str, Any]:
        s = self.session
        return {"snapshot": _plain(s.snapshot()), "series": s.series(keys, max_points), "events": s.events(),
                "owner": s.owner, "config": s.config.to_dict()}


_ACTOR: Any = None


def _actor_class() -> Any:
    global _ACTOR
    if _ACTOR is None:
        import ray

        _ACTOR = ray.remote(_SessionActor)
    return _ACTOR


class RemoteSession:
    """What a page uses of a ``TrainingSession``, for a run in a ``SessionActor``: commands go to the actor,
    reads come from its last ``poll()`` (refreshed at most every ``POLL_S``, never waited for by a page)."""

    trainer = None   # the networks live in the actor's process: pages that inspect them say so

    def __init__(self, actor: Any, run_id: str, run_dir: Path, owner: str, config: Any) -> None:
        self._actor, self.run_id, self.run_dir, self.owner, self.config = actor, run_id, run_dir, owner, config
        self.last_seen = time.time()
        self._last: dict[str, Any] | None = None
        self._pending: Any = None
        self._asked = 0.0
        self._lost: str | None = None
        self._lock = threading.Lock()

    # ---- commands ----
    def _call(self, name: str, *args: Any) -> Any:
        """A command, answered within 60 s; ValueError (a message for the page) for a lost or busy worker."""
        import ray

        try:
            return ray.get(getattr(self._actor, name).remote(*args), timeout=60)
        except ray.exceptions.ActorUnavailableError:   # a restart or a network blip: not lost, try again
            raise ValueError(f"run {self.run_id!r}: its worker does not answer just now; try again") from None
        except ray.exceptions.RayActorError:
            self._lost = LOST
            raise ValueError(f"run {self.run_id!r}: {LOST}") from None
        except ray.exceptions.GetTimeoutError:
            raise ValueError(f"run {self.run_id!r}: its worker did not answer within 60 s (it may still be "
                             "waiting for room in the cluster)") from None

    def _send(self, name: str, *args: Any) -> None:
        """A command the page does not wait for: the actor takes its commands in order (starting one can take
        seconds while the cluster makes room); a lost worker shows on the next read."""
        if self._lost:
            raise ValueError(f"run {self.run_id!r}: {LOST}")
        getattr(self._actor, name).remote(*args)

    def start(self) -> RemoteSession:
        self._send("start")
        return self

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step(self, n: int = 1, part: str = "both") -> None:
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100_000:   # as TrainingSession.step
            raise ValueError(f"n={n!r} is out of range; allowed: an integer from 1 to 100000")
        self._send("step", n, part)

    def update(self, **changes: Any) -> dict[str, Any]:
        """Raises ValueError (the actor's own message) for a refused change."""
        values = self._call("update", changes)
        self.config = self.config.replace(**values)
        return values

    def stop(self, wait: bool = True, timeout: float = 30.0) -> None:
        import ray

        try:
            ray.get(self._actor.stop.remote(), timeout=timeout if wait else 5)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            pass
        self.refresh(block=True)

    def checkpoint(self) -> Path:
        return Path(self._call("checkpoint"))

    def note(self, kind: str, detail: dict[str, Any]) -> None:
        self._send("note", kind, detail)

    def touch(self, viewer: str | None = None) -> None:
        if viewer is None or not self.owner or viewer == self.owner:
            self.last_seen = time.time()

    def wait(self, timeout: float | None = None) -> bool:
        end = time.time() + (timeout if timeout is not None else 1e9)
        while time.time() < end:
            if self.refresh(block=True).state in ENDED:
                return True
            time.sleep(0.1)
        return False

    @property
    def live_keys(self) -> frozenset[str]:
        return self.config.LIVE_KEYS

    def owner_left(self) -> bool:
        """Paused because its owner left (an idle pause): another browser may take it over."""
        return self.snapshot().state == "paused" and any(e["kind"] == "idle_pause" for e in self.events()[-5:])

    def between_steps(self) -> Any:
        raise ValueError("this run trains on the Ray cluster, not in this server: its networks cannot be "
                         "inspected from here (train it in this server to use this page)")

    # ---- reads ----
    def refresh(self, block: bool = False) -> Snapshot:
        """``snapshot()``; ``block``: wait for a fresh answer (one asked now, not one already on its way)."""
        self._poll(block)
        return self._shown()

    def _poll(self, block: bool) -> None:
        with self._lock:
            if block and self._pending is not None:
                self._collect(30)                       # an older question first: its answer may be stale
            ended = self._last is not None and self._last["snapshot"]["state"] in ENDED   # it changes no more
            if self._pending is None and (block or time.time() - self._asked >= POLL_S) and not (
                    self._lost or ended):
                self._pending, self._asked = self._actor.poll.remote(), time.time()
            if self._pending is not None:
                self._collect(30 if block else 0)

    def _collect(self, timeout: float) -> None:
        import ray

        ready, _ = ray.wait([self._pending], timeout=timeout)
        if not ready:
            return
        self._pending = None
        try:
            self._last = ray.get(ready[0])
        except ray.exceptions.ActorUnavailableError:
            return                                      # transient: the next poll asks again
        except ray.exceptions.RayActorError:
            self._lost = LOST
            return
        if self._last["snapshot"]["state"] in ENDED:    # the run is over and its last state is here: the actor
            ray.kill(self._actor, no_restart=True)      # gives its CPUs (and GPU share) back to the class

    def snapshot(self) -> Snapshot:
        """The run as its actor last answered (asking again, without waiting, when that is ``POLL_S`` old)."""
        self._poll(block=False)
        return self._shown()

    def _shown(self) -> Snapshot:
        if self._lost:
            status = store.read_status(self.run_dir) if self.run_dir.is_dir() else {"step": 0}
            last = self._last["snapshot"] if self._last else {"run_id": self.run_id, "step": status.get("step", 0)}
            return Snapshot(**{**last, "state": "failed", "error": self._lost, "hint": None})
        if self._last is None:   # the actor has not answered yet: waiting for a worker with room
            return Snapshot(self.run_id, "queued", 0, config=self.config.to_dict())
        return Snapshot(**self._last["snapshot"])

    def series(self, keys: list[str] | None = None, max_points: int = 2000,
               steps: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        self._poll(block=False)
        data = (self._last or {}).get("series") or {}
        out = {k: v for k, v in data.items() if keys is None or k in keys or k == "step"}
        if steps is not None and "step" in out:
            keep = (out["step"] >= steps[0]) & (out["step"] <= steps[1])
            out = {k: v[keep] for k, v in out.items()}
        return out

    def events(self) -> list[dict]:
        return list((self._last or {}).get("events") or [])

    def view_steps(self) -> list[int]:
        view = self.snapshot().view
        return [view.step] if view is not None else []

    def view_at(self, index: int) -> Any:
        return self.snapshot().view


class RayRegistry(IdleRuns):
    """The ``RunRegistry`` interface over a Ray cluster: every run a named, detached ``SessionActor``."""

    def __init__(self, address: str | None = None, root: Path | str | None = None,
                 per_owner: int | None = None) -> None:
        connect(address)
        self.root = Path(root) if root else runs_root()
        self.per_owner = per_owner or default_per_owner()
        self.cpus = float(os.environ.get("GAN_RAY_CPUS_PER_RUN", "1"))
        self.gpus = float(os.environ.get("GAN_RAY_GPUS_PER_RUN", "0.25"))
        self._sessions: dict[str, RemoteSession] = {}
        self._absent: dict[str, float] = {}   # run ids with no actor, and when that was looked up
        self._lock = threading.Lock()
        self.idle_pause_s = float(os.environ.get("GAN_IDLE_PAUSE_S", 15 * 60))
        self._closed = threading.Event()
        threading.Thread(target=self._reap_loop, name="ray-idle-reaper", daemon=True).start()

    def _spawn(self, config: Any, run_dir: Path, owner: str, resume: bool) -> RemoteSession:
        gpus = self.gpus if str(config.device).startswith("cuda") else 0
        actor = _actor_class().options(name=f"run-{run_dir.name}", namespace=NAMESPACE, lifetime="detached",
                                       num_cpus=self.cpus, num_gpus=gpus, max_restarts=0).remote(
            config.to_dict(), str(run_dir), owner, resume)
        session = RemoteSession(actor, run_dir.name, run_dir, owner, config)
        with self._lock:
            self._sessions[session.run_id] = session
        return session

    def create(self, config: Any, owner: str = "") -> RemoteSession:
        """A new run's actor (it trains once started). ValueError for a bad config or a browser with too many
        unfinished runs."""
        config.validate()
        self._check_owner(owner)
        return self._spawn(config, store.new_run_dir(config.dataset, self.root), owner, resume=False)

    def resume(self, run_id: str, owner: str = "") -> RemoteSession:
        from gan_core.config import TrainConfig

        run_dir = store.safe_run_dir(run_id, self.root)
        live = self.get(run_id)
        if live is not None and live.snapshot().state not in ENDED:
            raise ValueError(f"run {run_id!r} is still live; pause or stop it first")
        self._check_owner(owner)
        config = TrainConfig.from_json((run_dir / "config.json").read_text(encoding="utf-8"))
        self._forget(run_id)
        return self._spawn(config, run_dir, owner, resume=True)

    def attach(self, run_id: str) -> RemoteSession | None:
        """The session of a run another front end started (by its actor's name), or None."""
        import ray

        from gan_core.config import TrainConfig

        store.safe_run_dir(run_id, self.root)    # a run id, not a path
        if time.time() - self._absent.get(run_id, -1e9) < 5.0:   # a run on disk: looked up again every 5 s
            return None
        try:
            actor = ray.get_actor(f"run-{run_id}", namespace=NAMESPACE)
        except ValueError:
            self._absent[run_id] = time.time()
            return None
        try:
            info = ray.get(actor.poll.remote([], 1), timeout=10)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            return None                                 # gone, or still waiting for room: not attachable now
        session = RemoteSession(actor, run_id, self.root / run_id, info["owner"],
                                TrainConfig.from_dict(info["config"]))
        session._last = info
        with self._lock:
            self._sessions[run_id] = session
        return session

    def _check_owner(self, owner: str) -> None:
        if not owner:
            return
        mine = [s.run_id for s in self.sessions() if s.owner == owner and s.snapshot().state not in ENDED]
        if len(mine) >= self.per_owner:
            raise ValueError(f"this browser already has {len(mine)} runs that have not ended ({', '.join(mine)}); "
                             f"allowed: at most {self.per_owner} per browser: stop one of them first")

    def _forget(self, run_id: str) -> None:
        import ray

        with self._lock:
            old = self._sessions.pop(run_id, None)
        if old is not None:
            ray.kill(old._actor, no_restart=True)

    def get(self, run_id: str) -> RemoteSession | None:
        with self._lock:
            found = self._sessions.get(run_id)
        return found if found is not None else self.attach(run_id) if _is_run_id(run_id) else None

    def sessions(self) -> list[RemoteSession]:
        with self._lock:
            found = list(self._sessions.values())
        for s in found:
            s.refresh()
        return found

    def _reap_loop(self) -> None:
        while not self._closed.wait(min(30.0, max(1.0, self.idle_pause_s / 4))):
            self.pause_idle()

    def stop_all(self, timeout: float = 10.0) -> None:
        """Stop every run this registry knows and end its actor (its run folder stays)."""
        import ray

        self._closed.set()
        for s in self.sessions():
            s.stop(wait=True, timeout=timeout)
            ray.kill(s._actor, no_restart=True)


def _is_run_id(run_id: str) -> bool:
    try:
        store.safe_run_dir(run_id)
    except ValueError:
        return False
    return True
