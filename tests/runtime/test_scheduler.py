"""The class scheduler (gan_core/runtime/scheduler.py): every active run trains at once in turns, nobody waits
for a whole run to end, and a run is the same alone or beside others (its randomness is its own)."""
import threading
import time

import torch
from waiting import wait_for

from gan_core.config import TrainConfig
from gan_core.runtime.registry import RunRegistry
from gan_core.runtime.scheduler import FairScheduler
from gan_core.trainer import Trainer


def cfg(**kw):
    return TrainConfig.for_dataset("ring8", g_hidden=[16], d_hidden=[16], n_points=500, batch_size=32,
                                   eval_every=10**6, **kw)


def test_turns_go_round_in_order_on_one_slot():
    sched = FairScheduler(max_active=8, slots=1, slice_s=0.01)
    order, lock = [], threading.Lock()
    inside = []

    def worker(name):
        for _ in range(5):
            with sched.turn() as got:
                assert got
                with lock:
                    inside.append(name)
                    assert len(inside) == 1           # one slot: never two in a turn at once
                    order.append(name)
                time.sleep(0.005)
                with lock:
                    inside.remove(name)

    threads = [threading.Thread(target=worker, args=(n,)) for n in "abc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(order) == sorted("abc" * 5)
    # round-robin: after the first turns, nobody gets a second turn before the others had theirs
    tail = order[3:12]
    assert all(sorted(tail[i:i + 3]) == list("abc") for i in range(0, 9, 3)), order


def test_a_waiting_turn_gives_up_and_leaves_the_queue():
    sched = FairScheduler(max_active=2, slots=1)
    with sched.turn() as got:
        assert got
        stop = threading.Event()
        result = []
        t = threading.Thread(target=lambda: result.append(sched.turn(stop.is_set).__enter__()))
        t.start()
        assert wait_for(sched.contended)
        stop.set()
        t.join(5)
        assert result == [False] and not sched.contended()
    with sched.turn() as got:   # the slot is free again: nobody left holding it
        assert got


def test_a_whole_class_trains_at_once_on_one_slot(runs_dir):
    """Thirty students pressing Start used to mean one trains and 29 wait for it to end; now every run trains,
    a paused one asks for no turn, and the others go on."""
    reg = RunRegistry(max_running=12, slots=1, per_owner=1)
    runs = [reg.create(cfg(), owner=f"student-{i}").start() for i in range(6)]
    try:
        assert wait_for(lambda: all(s.snapshot().state == "running" and s.snapshot().step >= 5 for s in runs),
                        timeout=60)
        runs[0].pause()
        assert wait_for(lambda: runs[0].snapshot().state == "paused")
        frozen = runs[0].snapshot().step
        before = [s.snapshot().step for s in runs[1:]]
        others = list(zip(runs[1:], before, strict=True))
        assert wait_for(lambda: all(s.snapshot().step > b + 20 for s, b in others), timeout=60)
        assert runs[0].snapshot().step == frozen and reg.gate.holders() == 5
    finally:
        reg.stop_all()
    assert all(s.snapshot().state == "stopped" for s in runs)


def _weights(trainer):
    return torch.cat([p.detach().flatten() for p in
                      (*trainer.generator.parameters(), *trainer.discriminator.parameters())])


def test_a_run_is_the_same_alone_or_beside_others():
    """Dropout masks, gradient-penalty interpolates and instance noise used to come from torch's global
    generator: two runs with one seed training at once ended with other weights than either alone."""
    noisy = cfg(dropout_d=0.3, loss="wgan_gp", instance_noise=0.05, seed=3)
    torch.set_num_threads(1)

    def train(config, steps=60):
        tr = Trainer(config)
        for _ in range(steps):
            tr.step()
        return _weights(tr)

    alone = train(noisy)
    assert torch.equal(alone, train(noisy))
    out: dict = {}
    start = threading.Barrier(3)

    def beside(key, config):
        start.wait()
        out[key] = train(config)

    threads = [threading.Thread(target=beside, args=(k, c)) for k, c in
               (("a", noisy), ("b", noisy), ("other", noisy.replace(seed=4)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert torch.equal(out["a"], alone) and torch.equal(out["b"], alone)
    assert not torch.equal(out["other"], alone)


def test_sessions_in_turns_match_a_session_alone(runs_dir):
    noisy = cfg(dropout_d=0.3, max_steps=80, seed=5, snapshot_every=10**6, checkpoint_every=10**6)
    solo = RunRegistry(max_running=4, slots=1)
    alone = solo.create(noisy).start()
    assert alone.wait(60) and alone.snapshot().state == "finished"
    reg = RunRegistry(max_running=4, slots=1)
    pair = [reg.create(noisy).start() for _ in range(3)]
    assert all(s.wait(120) for s in pair)
    for s in pair:
        assert s.snapshot().state == "finished" and torch.equal(_weights(s.trainer), _weights(alone.trainer))
