"""A class on one server: N browser tabs (headless Chromium, one browser context = one student each) open the
dashboard at once and some of them train; meanwhile the health endpoint is polled. Then start/stop cycles
in-process, counting threads. The last stdout line is one JSON object.

    python bench/classroom_load.py --students 30 --training 10 --hold 60 --cycles 1000
    python bench/classroom_load.py --students 1 --training 1 --hold 1800      # memory with one tab, 30 min

Reports: page load (navigation until the Train page's Start button is there) median/max, health-endpoint
latency max and p99 while everyone is on, exceptions shown on any page, the server's resident memory at
start, when all tabs are open, and every 30 s while they stay, threads before/after the cycles.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from browser_helpers import ARGS, CHROMIUM, free_port, start_server  # noqa: E402


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class HealthProbe(threading.Thread):
    def __init__(self, url: str, every: float = 0.25):
        super().__init__(daemon=True)
        self.url, self.every, self.latencies, self.failures, self.stop = url, every, [], 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                urllib.request.urlopen(self.url, timeout=10).read()
                self.latencies.append(time.perf_counter() - t0)
            except OSError:
                self.failures += 1
            self.stop.wait(self.every)


def cycles(n: int) -> dict:
    from gan_core.config import TrainConfig
    from gan_core.registry import RunRegistry

    os.environ["GAN_RUNS_DIR"] = tempfile.mkdtemp(prefix="gan-cycles-")
    cfg = TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=200, batch_size=16,
                                  eval_every=10**6, threads=1)
    before = threading.active_count()
    reg = RunRegistry(max_running=2)
    t0 = time.perf_counter()
    for _ in range(n):
        s = reg.create(cfg).start()
        s.stop(wait=True, timeout=10)
    reg.stop_all()
    time.sleep(1.0)
    return {"cycles": n, "seconds": round(time.perf_counter() - t0, 1), "threads_before": before,
            "threads_after": threading.active_count()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--training", type=int, default=10, help="how many of them press Start")
    ap.add_argument("--hold", type=float, default=60.0, help="seconds every tab stays open afterwards")
    ap.add_argument("--cycles", type=int, default=1000)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    runs = Path(tempfile.mkdtemp(prefix="gan-class-"))
    port = free_port()
    proc = start_server(runs, port, runs / "server.log", max_running=None)   # the default cap
    url = f"http://127.0.0.1:{port}"
    probe = HealthProbe(url + "/_stcore/health")
    result: dict = {"students": args.students, "training": args.training, "hold_s": args.hold,
                    "rss_mb": {"start": round(rss_mb(proc.pid))}}
    loads, exceptions, memory = [], 0, []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            warm = browser.new_page()
            warm.goto(url + "/?lang=en")
            warm.get_by_role("button", name="Start", exact=True).wait_for(timeout=120_000)
            warm.close()
            probe.start()
            pages = []
            for i in range(args.students):
                page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
                t0 = time.perf_counter()
                page.goto(url + "/?lang=en")
                page.get_by_role("button", name="Start", exact=True).wait_for(timeout=120_000)
                loads.append(time.perf_counter() - t0)
                if i < args.training:
                    page.get_by_role("button", name="Start", exact=True).click()
                pages.append(page)
            result["rss_mb"]["all_open"] = round(rss_mb(proc.pid))
            end = time.time() + args.hold
            while time.time() < end:
                time.sleep(min(30.0, max(0.0, end - time.time())))
                memory.append(round(rss_mb(proc.pid)))
            for page in pages:
                exceptions += page.locator('[data-testid="stException"]').count()
            browser.close()
    finally:
        probe.stop.set()
        proc.terminate()
        proc.wait(15)
    lat = sorted(probe.latencies)
    result.update(page_load_s={"median": round(statistics.median(loads), 2), "max": round(max(loads), 2)},
                  health_s={"max": round(lat[-1], 3), "p99": round(lat[int(0.99 * (len(lat) - 1))], 3),
                            "n": len(lat), "failures": probe.failures},
                  exceptions=exceptions)
    result["rss_mb"]["every_30s"] = memory
    print(json.dumps(result), flush=True)
    if args.cycles:
        result["start_stop"] = cycles(args.cycles)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
