import math
import time

import pytest
import torch
from waiting import wait_for

from gan_core.config import TrainConfig
from gan_core.runtime import store
from gan_core.runtime.session import TrainingSession


def cfg(**kw):
    base = dict(g_hidden=[16], d_hidden=[16], n_points=500, batch_size=32, log_every=1, snapshot_every=5,
                loss="nonsaturating", d_steps=1, lr_g=1e-3, lr_d=1e-3)
    return TrainConfig.for_dataset("ring8", **{**base, **kw})


def test_start_pause_step_resume_stop(runs_dir):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.snapshot().step > 5)
    s.pause()
    assert wait_for(lambda: s.snapshot().state == "paused")
    frozen = s.snapshot().step
    time.sleep(0.3)
    assert s.snapshot().step == frozen
    s.step(3)
    assert wait_for(lambda: s.snapshot().step == frozen + 3 and s.snapshot().state == "paused")
    time.sleep(0.2)
    assert s.snapshot().step == frozen + 3
    s.resume()
    assert wait_for(lambda: s.snapshot().step > frozen + 10)
    s.stop()
    snap = s.snapshot()
    assert snap.state == "stopped" and not s._thread.is_alive()
    assert store.read_status(s.run_dir)["status"] == "stopped"
    assert (s.run_dir / "checkpoints" / "latest.pt").exists()


def test_step_parts_and_step_before_start(runs_dir):
    s = TrainingSession(cfg())
    s.step(2, part="d")
    assert wait_for(lambda: s.snapshot().step == 2 and s.snapshot().state == "paused")
    assert "loss_g" not in s.snapshot().metrics  # only D was updated
    with pytest.raises(ValueError, match="part='x'"):
        s.step(1, part="x")
    s.stop()


def test_update_reaches_the_optimiser_and_is_recorded(runs_dir):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.snapshot().step > 2)
    s.update(lr_d=2e-4, d_steps=2)
    assert wait_for(lambda: any(e["kind"] == "update" for e in s.events()))
    assert s.trainer.opt_d.param_groups[0]["lr"] == 2e-4
    assert s.snapshot().config["d_steps"] == 2
    with pytest.raises(ValueError, match="latent_dim cannot change"):
        s.update(latent_dim=3)
    with pytest.raises(ValueError, match="lr_g"):
        s.update(lr_g=float("nan"))
    s.stop()
    kinds = [e["kind"] for e in store.read_events(s.run_dir)]
    assert "update" in kinds and "stopped" in kinds


def test_exception_in_a_step_becomes_failed(runs_dir, monkeypatch):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.trainer is not None and s.snapshot().step > 1)

    def boom(*a, **k):
        raise RuntimeError("the GPU caught fire")

    monkeypatch.setattr(s.trainer, "step", boom)
    assert wait_for(lambda: s.snapshot().state == "failed")
    assert "the GPU caught fire" in s.snapshot().error


def test_nan_becomes_diverged_and_keeps_a_checkpoint(runs_dir):
    s = TrainingSession(cfg(lr_d=10.0, lr_g=10.0, optimizer_d="sgd", optimizer_g="sgd", snapshot_every=1)).start()
    assert wait_for(lambda: s.snapshot().state in ("diverged", "finished", "stopped"), timeout=30)
    if s.snapshot().state != "diverged":  # poison the weights directly if the lr alone did not blow up
        pytest.skip("did not diverge")
    snap = s.snapshot()
    assert "learning rate" in snap.hint and snap.error
    assert (s.run_dir / "checkpoints" / "latest.pt").exists()
    state = store.load_checkpoint(s.run_dir / "checkpoints" / "latest.pt")
    assert all(math.isfinite(float(v.abs().max())) for v in state["generator"].values())


def test_forced_nan_diverges(runs_dir, monkeypatch):
    s = TrainingSession(cfg(snapshot_every=1)).start()
    assert wait_for(lambda: s.trainer is not None and s.snapshot().step > 3)
    original = s.trainer.step

    def nan_step(*a, **k):
        out = original(*a, **k)
        return {**out, "loss_d": float("nan")} if out else out

    monkeypatch.setattr(s.trainer, "step", nan_step)
    assert wait_for(lambda: s.snapshot().state == "diverged")
    assert "loss_d" in s.snapshot().error


def test_budget_finishes_and_series_downsamples(runs_dir):
    s = TrainingSession(cfg(max_steps=60)).start()
    assert s.wait(30)
    snap = s.snapshot()
    assert snap.state == "finished" and snap.step == 60 and snap.progress == 1.0
    series = s.series(["loss_d"], max_points=10)
    assert len(series["step"]) <= 11 and series["step"][-1] == 60
    assert len(s.view_steps()) >= 2 and s.view_at(-1).step == 60
    on_disk = store.read_metrics(s.run_dir)
    assert on_disk["step"][-1] == 60


def test_snapshot_never_waits_for_a_step(runs_dir):
    s = TrainingSession(cfg(g_hidden=[256, 256], d_hidden=[256, 256], batch_size=512)).start()
    assert wait_for(lambda: s.snapshot().step > 0)
    t0 = time.perf_counter()
    for _ in range(1000):
        s.snapshot()
    assert time.perf_counter() - t0 < 0.5
    s.stop()


def test_resume_from_checkpoint_continues_the_history(runs_dir):
    from gan_core.runtime.registry import RunRegistry

    reg = RunRegistry()
    s = reg.create(cfg(max_steps=30)).start()
    assert s.wait(30)
    again = reg.resume(s.run_id)
    again.update(max_steps=50)
    again.start()
    assert again.wait(30)
    assert again.snapshot().step == 50
    steps = store.read_metrics(s.run_dir)["step"]
    assert steps[0] == 1 and steps[-1] == 50


def test_stop_before_start_ends_the_run_and_a_later_start_does_nothing(runs_dir):
    s = TrainingSession(cfg())
    s.stop()
    assert s.snapshot().state == "stopped" and store.read_status(s.run_dir)["status"] == "stopped"
    s.start()
    time.sleep(0.3)
    assert s.snapshot().state == "stopped" and s.snapshot().step == 0


def test_a_paused_run_reaches_the_disk(runs_dir):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.snapshot().step > 2)
    s.pause()
    assert wait_for(lambda: s.snapshot().state == "paused")
    s.update(lr_d=3e-4)
    # within about a second, without another step: the status file and the events table say so
    assert wait_for(lambda: store.read_status(s.run_dir)["status"] == "paused", timeout=3)
    assert wait_for(lambda: {"pause", "update"} <= {e["kind"] for e in store.read_events(s.run_dir)}, timeout=3)
    s.stop()


def test_snapshot_cannot_be_changed_by_a_reader(runs_dir):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.snapshot().metrics)
    snap = s.snapshot()
    with pytest.raises(TypeError):
        snap.metrics["loss_d"] = 123.0
    with pytest.raises(TypeError):
        snap.config["lr_d"] = 1.0
    s.stop()


def test_resume_keeps_the_changes_made_while_training(runs_dir):
    from gan_core.runtime.registry import RunRegistry

    reg = RunRegistry()
    s = reg.create(cfg(max_steps=40)).start()
    assert wait_for(lambda: s.snapshot().step > 2)
    s.update(lr_g=4e-4)
    assert s.wait(30)
    again = reg.resume(s.run_id).start()  # config.json still holds lr_g 1e-3; the checkpoint holds 4e-4
    assert wait_for(lambda: again.trainer is not None and again.snapshot().state in ("running", "finished"))
    assert again.config.lr_g == 4e-4 and again.trainer.opt_g.param_groups[0]["lr"] == 4e-4
    again.stop()


def test_out_of_memory_names_the_batch_size(runs_dir, monkeypatch):
    s = TrainingSession(cfg(batch_size=64)).start()
    assert wait_for(lambda: s.trainer is not None and s.snapshot().step > 1)

    def too_big(*a, **k):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(s.trainer, "step", too_big)
    assert wait_for(lambda: s.snapshot().state == "failed")
    assert "batch_size=64" in s.snapshot().error and "batch_size=32" in s.snapshot().hint


# ---- a Stop lands inside a step; a step too large for the device is refused before anything is built -------
BIG = dict(g_hidden=[4096] * 8, d_hidden=[4096] * 8, latent_dim=1024, batch_size=1024, d_steps=100, device="cpu")


def test_stop_lands_between_two_updates_of_a_long_step(runs_dir):
    """d_steps=100: Stop used to wait for the whole iteration (a minute on a large model); now it waits for one
    D update at most, whatever a step costs."""
    s = TrainingSession(cfg(d_steps=100)).start()
    assert wait_for(lambda: s.snapshot().step >= 1)
    updates, after_stop = [], []
    with s.between_steps() as trainer:
        original = trainer.d_update

        def d_update(*a, **k):
            updates.append(1)
            if len(updates) == 10:
                s.stop(wait=False)     # a student presses Stop while the step is in its 10th D update
            elif s.stop_requested:
                after_stop.append(1)
            return original(*a, **k)

        trainer.d_update = d_update
    assert s.wait(30) and s.snapshot().state == "stopped"
    assert after_stop == []            # not one more D update after the Stop
    assert store.read_status(s.run_dir)["status"] == "stopped"
    assert (s.run_dir / "checkpoints" / "latest.pt").exists()


def test_a_model_too_large_for_the_device_is_refused_before_it_is_built(runs_dir, monkeypatch):
    import gan_core.trainer as trainer_module
    from gan_core.models import estimate_cost
    from gan_core.runtime.registry import RunRegistry
    from gan_core.trainer import Trainer

    def never(*a, **k):
        raise AssertionError("the networks were built")

    monkeypatch.setattr(trainer_module, "build_generator", never)
    big = cfg(**BIG)
    with pytest.raises(ValueError, match=r"too large.*g_hidden=\[4096.*batch_size=1024, d_steps=100"):
        Trainer(big)
    with pytest.raises(ValueError, match="one training step would take about"):
        TrainingSession(big)
    reg = RunRegistry(max_running=1)
    with pytest.raises(ValueError, match="too large for this machine"):
        reg.create(big, owner="student")
    assert list(runs_dir.iterdir()) == [] and reg.sessions() == []   # no run folder, no session left behind
    # the estimate counts the networks exactly (weights and biases): z 1024 -> 8 x 4096 -> 2 and 2 -> 8 x 4096 -> 1
    w = 4096
    g = (1024 * w + w) + 7 * (w * w + w) + (w * 2 + 2)
    d = (2 * w + w) + 7 * (w * w + w) + (w + 1 + 1)   # + 1: the minibatch-std feature ring8 uses
    assert estimate_cost(big, (2,))["params"] == g + d


def test_every_preset_and_every_data_set_default_fits(runs_dir):
    from gan_core.config import DATASETS, list_presets, load_preset

    configs = {name: load_preset(name) for name in list_presets()}
    configs.update({d: TrainConfig.for_dataset(d) for d in DATASETS if d not in ("folder", "points")})
    for name, config in configs.items():
        TrainingSession(config.replace(device="cpu"), run_dir=runs_dir / name).stop()   # the session's check


def test_a_run_checkpoints_by_time_as_well_as_by_steps(runs_dir, monkeypatch):
    """A checkpoint only every 2,000 steps lost 1,053 steps of a run in a crash; now also every CHECKPOINT_S."""
    from gan_core.runtime import session as session_module

    monkeypatch.setattr(session_module, "CHECKPOINT_S", 0.3)
    sess = TrainingSession(cfg(checkpoint_every=10**6, log_every=1), run_dir=runs_dir / "timed").start()
    try:
        ckpt = runs_dir / "timed" / "checkpoints" / "latest.pt"
        assert wait_for(lambda: ckpt.is_file() and sess.snapshot().state == "running", timeout=30)
        first = int(store.load_checkpoint(ckpt)["step"])
        assert wait_for(lambda: int(store.load_checkpoint(ckpt)["step"]) > first, timeout=30)
    finally:
        sess.stop()


def test_the_first_steps_keep_views_densely(runs_dir):
    """The first moments matter (the quadratic curve is learnt by step ~800): the history slider has a view
    every snapshot_every / 4 steps over the first 10 snapshot intervals, then every snapshot_every."""
    from gan_core.runtime.session import EARLY

    sess = TrainingSession(cfg(snapshot_every=40, max_steps=EARLY * 40 + 200, checkpoint_every=10**6),
                           run_dir=runs_dir / "dense").start()
    assert sess.wait(120) and sess.snapshot().state == "finished"
    steps = sess.view_steps()
    early = [s for s in steps if 0 < s <= EARLY * 40]
    late = [s for s in steps if EARLY * 40 < s < EARLY * 40 + 200]
    assert early == list(range(10, EARLY * 40 + 1, 10))
    assert late == list(range(EARLY * 40 + 40, EARLY * 40 + 200, 40))


def test_a_full_disk_ends_the_run_as_failed_with_a_message_and_frees_its_folder(runs_dir, monkeypatch):
    """The disk fills while a run trains (bench/faults.py: a tmpfs filled up): the run ends 'failed' and says the
    disk is full and what to do, instead of its thread dying in a second exception while it saved its end (the
    run then looked alive, and its folder stayed locked)."""
    import sqlite3
    import threading

    sess = TrainingSession(cfg(max_steps=0, log_every=5))
    sess.start()
    assert wait_for(lambda: sess.snapshot().step > 20, 30)
    died = []
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(args.exc_value))

    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(sess.store, "flush", full)
    assert wait_for(lambda: sess.snapshot().state == "failed", 30), sess.snapshot()
    assert sess.wait(10) and not died
    snap = sess.snapshot()
    assert "disk where runs are written is full" in snap.error and "free disk space" in snap.hint
    assert sess.store.closed
    store.RunStore(sess.run_dir).close()     # the folder takes a new writer (a Resume once there is room)
