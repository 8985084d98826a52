import threading
import time

from waiting import wait_for

from gan_core.config import TrainConfig
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
    for _ in range(6):
        reg.create(cfg()).start()
    time.sleep(0.5)
    reg.stop_all()
    assert wait_for(lambda: threading.active_count() <= before)
    assert reg.get(reg.sessions()[0].run_id) is reg.sessions()[0]


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
    from gan_core.runtime.registry import default_cap

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

    from gan_core.runtime import store

    out = runs_dir / "killed"
    cmd = [sys.executable, "-m", "gan_core", "train", "--set", "dataset=ring8", "--set", "g_hidden=16,16",
           "--set", "d_hidden=16,16", "--set", "n_points=500", "--set", "batch_size=32", "--set", "threads=1",
           "--set", "checkpoint_every=50", "--set", "eval_every=1000000", "--steps", "1000000", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, GAN_RUNS_DIR=str(runs_dir)))
    try:
        ckpt = out / "checkpoints" / "latest.pt"
        assert wait_for(lambda: ckpt.is_file() and store.read_status(out).get("step", 0) >= 150, timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    listed = {r["run_id"]: r for r in store.list_runs(runs_dir)}
    assert listed["killed"]["status"] == "interrupted"
    saved = int(store.load_checkpoint(ckpt)["step"])
    # the history survives (metrics are flushed every second: the last rows may trail the checkpoint a little)
    assert saved >= 50 and store.read_metrics(out)["step"][-1] >= 100
    low_before = int((store.read_metrics(out)["step"] <= saved).sum())
    reg = RunRegistry(max_running=1)
    sess = reg.resume("killed").start()
    try:
        assert wait_for(lambda: sess.snapshot().state == "running" and sess.snapshot().step > saved + 20, timeout=30)
    finally:
        reg.stop_all()
    assert store.read_status(out)["status"] == "stopped" and store.read_status(out)["step"] > saved + 20
    # had it restarted from step 0, it would have logged steps at or below the checkpoint's again
    assert int((store.read_metrics(out)["step"] <= saved).sum()) == low_before


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
