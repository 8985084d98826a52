import threading
import time

from waiting import wait_for

from gan_core.config import TrainConfig
from gan_core.registry import RunRegistry


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
    from gan_core.registry import default_cap

    monkeypatch.setenv("GAN_MAX_RUNNING", "3")
    assert default_cap() == 3
    monkeypatch.setenv("GAN_MAX_RUNNING", "lots")
    import pytest

    with pytest.raises(ValueError, match="GAN_MAX_RUNNING='lots'"):
        default_cap()
