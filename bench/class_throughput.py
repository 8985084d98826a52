"""A whole class trains at once: N students press Start on the default ring8 within one second, in-process, with
the dashboard's scheduler (``gan_core/runtime/scheduler.py``) and its thread settings. The last stdout line is
one JSON object.

    python bench/class_throughput.py --students 30 --seconds 40
    python bench/class_throughput.py --students 30 --seconds 40 --backend ray   # a local two-node Ray cluster

Measures, against one run training alone on the same cores and settings just before:
- Start to the run's first point (its first logged step), per run: max and median;
- aggregate steps/s of all runs over the last ``--seconds`` minus 10 s, as a fraction of the run alone;
- fairness: over every 10 s window, the fewest steps any run made, as a fraction of its fair share (the
  window's steps of all runs over N);
- a page's reads while the class trains (a thread polling ``snapshot()`` and ``series()`` of a random run every
  0.1 s, as a live panel does): p99 and max;
- resident memory per active run.
The web server's own latency under a class is ``bench/classroom_load.py`` (health endpoint, real sessions).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rates(samples: list[tuple[float, list[int]]], t_class: float) -> tuple[float, float]:
    """Aggregate steps/s after the first 10 s; the fewest steps any run made in any 10 s window (from 2 s on),
    as a fraction of that window's fair share (all runs' steps over N)."""
    window = [(t, st) for t, st in samples if t >= t_class + 10.0]
    (ta, sa), (tb, sb) = window[0], window[-1]
    agg = sum(b - a for a, b in zip(sa, sb, strict=True)) / (tb - ta)
    worst, j = float("inf"), 0
    for ti, si in samples:
        if ti < t_class + 2.0:
            continue
        while j < len(samples) and samples[j][0] < ti + 10.0:
            j += 1
        if j >= len(samples):
            break
        made = [b - a for a, b in zip(si, samples[j][1], strict=True)]
        fair = sum(made) / len(made)
        worst = min(worst, min(made) / fair if fair else 0.0)
    return agg, worst


def _read(s):
    """A run's snapshot as a page reads it (a Ray run's proxy: its actor's last answer, asked again without
    waiting when it is 0.25 s old)."""
    return s.snapshot()


def _ray_registry(students: int):
    """A local Ray cluster of two nodes with room for every student's actor (logical CPUs: the 2 cores are
    shared), and a RayRegistry on it."""
    from ray.cluster_utils import Cluster

    from gan_core.runtime.ray_backend import RayRegistry

    per_node = students // 2 + 1
    env = {"env_vars": {"OMP_NUM_THREADS": "1", "GAN_RUNS_DIR": os.environ["GAN_RUNS_DIR"],
                        "PYTHONPATH": str(ROOT)}}
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": per_node, "include_dashboard": False})
    cluster.add_node(num_cpus=per_node)
    import ray

    ray.init(address=cluster.address, namespace="gan-classroom", runtime_env=env, log_to_driver=False)
    reg = RayRegistry(address=cluster.address)
    reg.cluster = cluster    # shut down with the bench
    return reg


def _solo_rate(reg, base, seconds: float) -> float:
    """Steps/s of one run training alone (after a 5 s warm-up: the build, the first evaluation)."""
    solo = reg.create(base, owner="solo").start()
    end = time.time() + 180
    while _read(solo).step == 0 and time.time() < end:   # a Ray actor takes a while to start
        time.sleep(0.2)
    time.sleep(5.0)
    s0, t0 = _read(solo).step, time.perf_counter()
    time.sleep(seconds - 5.0)
    rate = (_read(solo).step - s0) / (time.perf_counter() - t0)
    solo.stop()
    if hasattr(reg, "prune"):
        reg.prune()
    return rate


def main() -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--seconds", type=float, default=40.0, help="how long the class trains")
    p.add_argument("--solo-seconds", type=float, default=15.0)
    p.add_argument("--slots", type=int, default=0, help="compute slots (0: the dashboard's default)")
    p.add_argument("--backend", choices=("local", "ray"), default="local")
    args = p.parse_args()
    os.environ.setdefault("GAN_RUNS_DIR", tempfile.mkdtemp(prefix="class-bench-"))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    import torch

    from gan_core.config import TrainConfig
    from gan_core.device import default_threads
    from gan_core.runtime.registry import RunRegistry
    from gan_core.runtime.scheduler import default_slots

    torch.set_num_threads(int(os.environ.get("GAN_THREADS") or default_threads(serving=True)))  # as ui/server.py
    slots = args.slots or default_slots()
    base = TrainConfig.for_dataset("ring8")

    if args.backend == "ray":
        reg = _ray_registry(args.students)
    else:
        reg = RunRegistry(max_running=args.students + 1, slots=slots, per_owner=1)
    solo_rate = _solo_rate(reg, base, args.solo_seconds)

    # ---- the class ----
    mem_before = rss_mb()
    runs, started = [], []
    lock = threading.Lock()

    def press(i: int) -> None:
        time.sleep(random.uniform(0.0, 1.0))             # 30 presses within one second
        s = reg.create(base.replace(seed=i), owner=f"student-{i}")
        with lock:
            runs.append(s)
            started.append(time.perf_counter())
        s.start()

    t_class = time.perf_counter()
    pressers = [threading.Thread(target=press, args=(i,)) for i in range(args.students)]
    for t in pressers:
        t.start()
    for t in pressers:
        t.join()
    first: dict[str, float] = {}
    samples: list[tuple[float, list[int]]] = []
    reads: list[float] = []
    done = threading.Event()

    def page() -> None:                                  # a live panel's reads, every 0.1 s
        while not done.wait(0.1):
            s = random.choice(runs)
            t = time.perf_counter()
            s.snapshot()
            s.series(["loss_d", "loss_g"], max_points=2000)
            reads.append(time.perf_counter() - t)

    reader = threading.Thread(target=page, daemon=True)
    reader.start()
    start_of = {s.run_id: t for s, t in zip(runs, started, strict=True)}
    end = t_class + args.seconds
    while time.perf_counter() < end:
        now = time.perf_counter()
        steps = [_read(s).step for s in runs]
        for s, n in zip(runs, steps, strict=True):
            if n >= 1 and s.run_id not in first:
                first[s.run_id] = now - start_of[s.run_id]
        samples.append((now, steps))
        time.sleep(0.05)
    mem_all = rss_mb()
    states = [_read(s).state for s in runs]
    done.set()
    reg.stop_all()
    if args.backend == "ray":
        import ray

        ray.shutdown()
        reg.cluster.shutdown()

    agg, worst_share = _rates(samples, t_class)
    firsts = sorted(first.get(s.run_id, float("inf")) for s in runs)
    reads.sort()
    result = {
        "students": args.students, "seconds": args.seconds, "slots": slots, "threads": torch.get_num_threads(),
        "solo_steps_per_s": round(solo_rate, 1), "class_steps_per_s": round(agg, 1),
        "class_over_solo": round(agg / solo_rate, 3),
        "first_point_s_max": round(firsts[-1], 2), "first_point_s_median": round(statistics.median(firsts), 2),
        "runs_without_a_point": sum(f == float("inf") for f in firsts),
        "worst_10s_share_of_fair": round(worst_share, 3),
        "page_read_ms_p99": round(1000 * reads[int(0.99 * (len(reads) - 1))], 1) if reads else None,
        "page_read_ms_max": round(1000 * reads[-1], 1) if reads else None,
        "backend": args.backend,
        "memory_mb_per_run": round((mem_all - mem_before) / args.students, 1) if args.backend == "local" else None,
        "states_at_end": {k: states.count(k) for k in set(states)},
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
