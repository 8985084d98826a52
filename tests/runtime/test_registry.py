import threading
import time

import pytest
from waiting import wait_for

from gan_core.config import TrainConfig
from gan_core.runtime import store
from gan_core.runtime.registry import RunRegistry


def cfg(**kw):
    return TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=200, batch_size=16,
                                   loss="nonsaturating", d_steps=1, **kw)


def test_cap_queues_extra_runs_in_order(runs_dir):
    reg = RunRegistry(max_running=1)
    a = reg.create(cfg()).start()
    assert wait_for(lambda: a.snapshot().state == "running")
    b = reg.create(cfg()).start()
    assert wait_for(lambda: b.snapshot().state == "queued" and b.snapshot().queue_position == 1)
    a.stop()
    assert wait_for(lambda: b.snapshot().state == "running")
    reg.stop_all()
    assert all(s.snapshot().state == "stopped" for s in reg.sessions())


def test_stop_while_queued(runs_dir):
    reg = RunRegistry(max_running=1)
    a = reg.create(cfg()).start()
    b = reg.create(cfg()).start()
    assert wait_for(lambda: b.snapshot().state == "queued")
    b.stop()
    assert b.snapshot().state == "stopped"
    a.stop()


def test_no_threads_left_after_stop_all(runs_dir):
    before = threading.active_count()
    reg = RunRegistry(max_running=4)
    made = [reg.create(cfg()) for _ in range(6)]
    for sess in made:
        sess.start()
    assert wait_for(lambda: sum(s.snapshot().state == "running" for s in made) == 4)   # two wait in the queue
    reg.stop_all()
    assert wait_for(lambda: threading.active_count() <= before)
    assert all(s.snapshot().state == "stopped" for s in made)                # queued ones too, none left behind
    assert all(store.read_status(s.run_dir)["status"] == "stopped" for s in made)
    assert reg.running() == [] and reg.get("no-such-run") is None


def test_idle_owned_runs_pause_and_cli_runs_do_not(runs_dir):
    reg = RunRegistry(max_running=4)
    owned = reg.create(cfg(), owner="browser-1").start()
    headless = reg.create(cfg()).start()
    assert wait_for(lambda: owned.snapshot().state == "running" and headless.snapshot().state == "running")
    owned.touch()
    assert reg.pause_idle(now=owned.last_seen + 10) == []
    assert reg.pause_idle(now=owned.last_seen + reg.idle_pause_s + 1) == [owned.run_id]
    assert wait_for(lambda: owned.snapshot().state == "paused")
    assert headless.snapshot().state == "running"
    assert any(e["kind"] == "idle_pause" for e in owned.events())
    reg.stop_all()


def test_cap_from_environment(monkeypatch):
    from gan_core.runtime.scheduler import default_cap

    monkeypatch.setenv("GAN_MAX_RUNNING", "3")
    assert default_cap() == 3
    monkeypatch.setenv("GAN_MAX_RUNNING", "lots")
    import pytest

    with pytest.raises(ValueError, match="GAN_MAX_RUNNING='lots'"):
        default_cap()


def test_a_killed_run_is_listed_interrupted_and_resumes_from_its_checkpoint(runs_dir):
    """kill -9 of a training process (a laptop lid, an OOM kill): the run stays listed as interrupted, with its
    metrics, and resumes from its last checkpoint in a new session, not from step 0."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    out = runs_dir / "killed"
    cmd = [sys.executable, "-m", "gan_core", "train", "--set", "dataset=ring8", "--set", "g_hidden=16,16",
           "--set", "d_hidden=16,16", "--set", "n_points=500", "--set", "batch_size=32", "--set", "threads=1",
           "--set", "checkpoint_every=400", "--set", "eval_every=1000000", "--steps", "1000000", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[2], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, GAN_RUNS_DIR=str(runs_dir)))
    try:
        ckpt = out / "checkpoints" / "latest.pt"
        def logged_past_checkpoint():   # rows on disk the checkpoint does not cover: what a kill makes lost
            if not ckpt.is_file():
                return False
            return store.read_metrics(out)["step"][-1] > int(store.load_checkpoint(ckpt)["step"]) + 20

        assert wait_for(logged_past_checkpoint, timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    listed = {r["run_id"]: r for r in store.list_runs(runs_dir)}
    assert listed["killed"]["status"] == "interrupted"
    saved = int(store.load_checkpoint(ckpt)["step"])
    # the history survives (metrics are flushed every second: the last rows may trail the checkpoint a little)
    assert saved >= 400 and store.read_metrics(out)["step"][-1] > saved
    low_before = int((store.read_metrics(out)["step"] <= saved).sum())
    assert int((store.read_metrics(out)["step"] > saved).sum()) > 0    # the stretch the kill lost
    reg = RunRegistry(max_running=1)
    sess = reg.resume("killed").start()
    try:
        assert wait_for(lambda: sess.snapshot().state == "running" and sess.snapshot().step > saved + 20, timeout=30)
    finally:
        reg.stop_all()
    assert store.read_status(out)["status"] == "stopped" and store.read_status(out)["step"] > saved + 20
    # had it restarted from step 0, it would have logged steps at or below the checkpoint's again
    steps = store.read_metrics(out)["step"]
    assert int((steps <= saved).sum()) == low_before
    # the stretch the kill lost (after the checkpoint) was trained again and is drawn once, not as a zig-zag
    assert (steps[1:] > steps[:-1]).all()
    assert any(e["kind"] == "rewound" and e["detail"]["to_step"] == saved for e in store.read_events(out))


def test_a_diverging_and_a_failing_run_leave_a_healthy_one_training(runs_dir, monkeypatch):
    reg = RunRegistry(max_running=3)
    healthy, bad, broken = (reg.create(cfg(log_every=1)).start() for _ in range(3))
    assert wait_for(lambda: all(s.trainer is not None and s.snapshot().step > 3 for s in (healthy, bad, broken)))
    step = bad.trainer.step
    monkeypatch.setattr(bad.trainer, "step", lambda *a, **k: {**(step(*a, **k) or {}), "loss_g": float("inf")})

    def boom(*a, **k):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(broken.trainer, "step", boom)
    assert wait_for(lambda: bad.snapshot().state == "diverged" and broken.snapshot().state == "failed")
    assert "loss_g" in bad.snapshot().error and "out of memory" in broken.snapshot().error
    before = healthy.snapshot().step
    assert wait_for(lambda: healthy.snapshot().step > before + 20) and healthy.snapshot().state == "running"
    reg.stop_all()
    assert healthy.snapshot().state == "stopped" and bad.snapshot().state == "diverged"


# ---- nothing one browser does or leaves behind holds the class ------------------------------------------------
def test_a_paused_run_gives_its_slot_away_and_queues_to_resume(runs_dir):
    """The default cap on 2 cores is one run: Start, Pause, leave used to block every other student for ever."""
    reg = RunRegistry(max_running=1)
    a = reg.create(cfg(), owner="student-a").start()
    assert wait_for(lambda: a.snapshot().state == "running")
    a.pause()
    assert wait_for(lambda: a.snapshot().state == "paused")
    b = reg.create(cfg(), owner="student-b").start()
    assert wait_for(lambda: b.snapshot().state == "running" and b.snapshot().step > 3)
    a.resume()   # the slot is b's now: a waits behind it, and does not train meanwhile
    assert wait_for(lambda: a.snapshot().state == "queued" and a.snapshot().queue_position == 1)
    frozen = a.snapshot().step
    b.pause()
    assert wait_for(lambda: a.snapshot().state == "running" and a.snapshot().step > frozen)
    assert wait_for(lambda: b.snapshot().state == "paused") and reg.gate.holders() == 1
    # an idle pause (the owner left) frees the slot too
    assert reg.pause_idle(now=a.last_seen + reg.idle_pause_s + 1) == [a.run_id]
    assert wait_for(lambda: a.snapshot().state == "paused" and reg.gate.holders() == 0)
    b.resume()
    assert wait_for(lambda: b.snapshot().state == "running")
    a.resume()
    assert wait_for(lambda: a.snapshot().state == "queued")
    a.stop()     # leaves the queue at once
    assert a.snapshot().state == "stopped" and b.snapshot().state == "running"
    reg.stop_all()


def test_many_resume_presses_at_once_make_one_session(runs_dir, monkeypatch):
    """Six browsers pressing Resume on one run at once made two sessions, one of them an orphan nobody could stop;
    the check and the insertion are one step now."""
    reg = RunRegistry(max_running=1)
    done = reg.create(cfg()).start()     # a stopped run with steps left: a resumed copy keeps training
    assert wait_for(lambda: done.snapshot().step >= 5)
    done.stop()
    assert done.wait(30) and done.snapshot().state == "stopped"
    opened = store.RunStore

    def slow_store(*a, **k):   # a session takes a while to open its run folder: the window of the race
        time.sleep(0.05)
        return opened(*a, **k)

    monkeypatch.setattr(store, "RunStore", slow_store)
    barrier, made, refused = threading.Barrier(6), [], []

    def press(i):
        barrier.wait()
        try:
            made.append(reg.resume(done.run_id, owner=f"browser-{i}"))
        except ValueError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=press, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(made) == 1 and len(refused) == 5 and all("still live" in m for m in refused)
    assert reg.get(done.run_id) is made[0]
    made[0].start()
    other = reg.create(cfg()).start()      # the cap is one: the new run waits for the resumed one
    assert wait_for(lambda: made[0].snapshot().state == "running" and other.snapshot().state == "queued")
    assert reg.gate.holders() == 1
    made[0].stop()
    assert wait_for(lambda: other.snapshot().state == "running") and reg.gate.holders() == 1
    reg.stop_all()


def test_one_browser_may_keep_only_a_few_unfinished_runs(runs_dir):
    reg = RunRegistry(max_running=1, per_owner=2)
    lesson = RunRegistry(root=runs_dir / "_lessons" / "shift", share_slots_with=reg)   # counted together
    first = reg.create(cfg(), owner="a")
    lesson.create(cfg(), owner="a")
    with pytest.raises(ValueError, match=r"already has 2 runs that have not ended.*at most 2 per browser"):
        reg.create(cfg(), owner="a")
    with pytest.raises(ValueError, match="at most 2 per browser"):
        lesson.create(cfg(), owner="a")
    folders = len(list(runs_dir.iterdir()))
    reg.create(cfg(), owner="b")       # another browser, and the command line, are not held back by a's runs
    reg.create(cfg())
    assert len(list(runs_dir.iterdir())) == folders + 2
    first.stop()                       # an ended run no longer counts
    reg.create(cfg(), owner="a")
    reg.stop_all()
    lesson.stop_all()


def test_ended_runs_close_their_files_and_leave_the_registry(runs_dir):
    """About 300 runs (30 students x 10) used to exhaust 1,024 descriptors: every run kept its database, -wal and
    -shm open, and its trainer in memory, for the life of the server."""
    import os

    def open_files():
        return len(os.listdir("/proc/self/fd"))

    reg = RunRegistry(max_running=2, per_owner=1)
    warm = reg.create(cfg(max_steps=3), owner="warm-up").start()
    assert warm.wait(30)
    before = open_files()
    ids = []
    for i in range(24):
        s = reg.create(cfg(max_steps=3, snapshot_every=1), owner=f"student-{i % 3}").start()
        assert s.wait(30) and s.snapshot().state == "finished"
        ids.append(s.run_id)
    assert open_files() - before <= 2
    # each owner's newest ended run stays for the pages; the others left (and their trainers with them) at the
    # next create, or within 30 s (the reaper) ...
    assert len(reg.sessions()) <= 1 + 3 + 1
    reg.prune()
    assert {s.run_id for s in reg.sessions()} == {warm.run_id, *ids[-3:]}
    # ... and their run folders still show them
    assert all(store.read_status(runs_dir / run_id)["status"] == "finished" for run_id in ids)
    reg.stop_all()
