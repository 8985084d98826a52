"""Runs on a Ray cluster (gan_core/runtime/ray_backend.py): a real local cluster, started once for the module.

Ray is an optional extra: without it these tests skip with the reason; ``.ci/run`` installs it, and
``GAN_REQUIRE_RAY=1`` (set there) turns a missing Ray into a failure instead of a skip.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from waiting import wait_for

from gan_core.config import TrainConfig
from gan_core.runtime import ray_backend
from gan_core.runtime.ray_backend import RayRegistry

try:
    import ray
except ImportError:   # the module still collects: `-m "not ray"` (the oldest-versions job) deselects it then
    ray = None

pytestmark = pytest.mark.ray
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if ray is None:
        reason = "Ray is the optional cluster extra: pip install -r requirements-ray.txt"
        if os.environ.get("GAN_REQUIRE_RAY") == "1":
            pytest.fail(reason + " (GAN_REQUIRE_RAY=1 forbids skipping)")
        pytest.skip(reason)
    runs = tmp_path_factory.mktemp("ray-runs")
    before = os.environ.get("GAN_RUNS_DIR")
    os.environ["GAN_RUNS_DIR"] = str(runs)     # before the workers start: they inherit it
    ctx = ray.init(address="local", num_cpus=2, include_dashboard=False, namespace=ray_backend.NAMESPACE,
                   log_to_driver=False,
                   runtime_env={"env_vars": {"GAN_RUNS_DIR": str(runs), "OMP_NUM_THREADS": "1",
                                                "PYTHONPATH": str(REPO)}})
    yield {"runs": runs, "address": ctx.address_info["address"]}
    ray.shutdown()
    if before is None:
        os.environ.pop("GAN_RUNS_DIR", None)
    else:
        os.environ["GAN_RUNS_DIR"] = before


def cfg(**kw):
    return TrainConfig.for_dataset("ring8", g_hidden=[16], d_hidden=[16], n_points=500, batch_size=32,
                                   eval_every=10**6, threads=1, **kw)


def test_the_session_lifecycle_through_an_actor(cluster):
    reg = RayRegistry(root=cluster["runs"])
    s = reg.create(cfg(), owner="student-a").start()
    try:
        assert wait_for(lambda: s.snapshot().state == "running" and s.snapshot().step > 5, timeout=120)
        assert reg.pause_idle(now=time.time() + 10) == []                # watched: not idle
        s.pause()
        assert wait_for(lambda: s.refresh().state == "paused", timeout=30)
        held = s.refresh(block=True).step
        time.sleep(1.0)
        assert s.refresh(block=True).step == held                # a pause holds the step count
        s.step(5)
        assert wait_for(lambda: s.refresh().step == held + 5, timeout=30)
        time.sleep(0.5)
        assert s.refresh(block=True).step == held + 5            # exactly +5, then paused again
        with pytest.raises(ValueError, match="lr_g=") as refused:  # the actor's own message reaches the page
            s.update(lr_g=-1.0)
        assert "allowed" in str(refused.value)
        assert s.update(lr_g=0.002) == {"lr_g": 0.002} and s.config.lr_g == 0.002
        assert len(s.series(["loss_d"])["loss_d"]) > 0
    finally:
        reg.stop_all()
    assert s.refresh(block=True).state == "stopped"


def test_a_second_front_end_attaches_by_run_id(cluster):
    reg = RayRegistry(root=cluster["runs"])
    s = reg.create(cfg(), owner="student-b").start()
    try:
        assert wait_for(lambda: s.refresh().step > 3, timeout=120)
        probe = ("import sys, ray; sys.path.insert(0, sys.argv[1]); from gan_core.runtime.ray_backend import "
                 "RayRegistry; r = RayRegistry(address=sys.argv[2]); s = r.get(sys.argv[3]); "
                 "print(s.owner, s.refresh(block=True).state, s.snapshot().step > 0)")
        out = subprocess.run([sys.executable, "-c", probe, str(REPO), cluster["address"], s.run_id],
                             capture_output=True, text=True, timeout=180,
                             env={**os.environ, "GAN_RUNS_DIR": str(cluster["runs"])})
        assert out.stdout.split()[-3:] == ["student-b", "running", "True"], out.stderr[-2000:]
        assert reg.get("20990101-000000.000-ring8-none") is None      # a run without an actor
    finally:
        reg.stop_all()


def test_the_cluster_is_the_queue_and_a_lost_worker_is_said(cluster):
    """3 runs on 2 CPUs: one waits until another stops; a killed actor's page says so, its neighbour trains."""
    reg = RayRegistry(root=cluster["runs"])
    a, b, c = (reg.create(cfg(seed=i)).start() if i < 2 else reg.create(cfg(seed=i)) for i in range(3))
    try:
        assert wait_for(lambda: a.refresh().state == "running" and b.refresh().state == "running", timeout=120)
        time.sleep(2.0)
        assert c.refresh().state == "queued"            # no CPU left for its actor
        a.stop()                                         # an ended run's actor gives its CPU back
        c.start()
        assert wait_for(lambda: c.refresh().state == "running" and c.snapshot().step > 0, timeout=120)
        ray.kill(b._actor, no_restart=True)              # a worker lost mid-run
        assert wait_for(lambda: b.refresh().state == "failed", timeout=60)
        assert "worker that trained this run was lost" in b.snapshot().error
        before = c.refresh(block=True).step
        assert wait_for(lambda: c.refresh().step > before + 10, timeout=60)   # the neighbour goes on
        with pytest.raises(ValueError, match="was lost"):
            b.pause()
    finally:
        reg.stop_all()


def test_the_train_page_runs_on_the_cluster(cluster, monkeypatch):
    """GAN_RAY_ADDRESS switches the dashboard's registry to the cluster; the Train page starts, shows and stops
    a run whose trainer lives in an actor."""
    sys.path.insert(0, str(REPO / "tests" / "app"))
    from apptest_helpers import click, open_app, poll, tiny

    from ui import server

    monkeypatch.setenv("GAN_RAY_ADDRESS", cluster["address"])
    server.registry_at.clear()
    try:
        at = tiny(open_app())
        click(at, "btn_start")
        reg = server.registry()
        assert isinstance(reg, RayRegistry)
        sess = reg.sessions()[-1]
        # the page's own reads follow the actor (nothing here asks it but the page)
        assert poll(at, lambda: sess.snapshot().state == "running" and sess.snapshot().step > 0, timeout=120)
        at.run()
        assert not at.exception and any(m.label == "Step" for m in at.metric)
        shown = int(str(next(m.value for m in at.metric if m.label == "Step")).replace(",", ""))
        assert shown > 0
        reg.stop_all()
        assert sess.refresh(block=True).state == "stopped"
    finally:
        server.registry_at.clear()
