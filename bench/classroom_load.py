"""A class on one server: N students open the dashboard at once and some of them train; meanwhile the health
endpoint is polled. Then start/stop cycles in-process, counting threads. The last stdout line is one JSON object.

    python bench/classroom_load.py --students 30 --training 10 --hold 60 --cycles 1000          # websocket students
    python bench/classroom_load.py --clients browser --students 30 --training 10 --hold 60 --cycles 0
    python bench/classroom_load.py --clients browser --students 1 --training 1 --hold 1800 --cycles 0  # 30-min soak
    python bench/classroom_load.py --students 30 --training 10 --hold 120 --spam 60 --cycles 0   # one spams Start

A student is either a websocket session speaking Streamlit's protocol (``ws_student.py``: what a student's own
laptop costs the server) or a headless Chromium tab on this machine (``--clients browser``: the tabs' rendering
then competes with the server for the same cores). Reports: page load (the HTML page until the first script run
has finished; for tabs, until the Start button is there) median/p95/max, the Start press until its run finished,
live-panel updates per student per second, health-endpoint latency max and p99 while everyone is on, exceptions
shown on any page, the server's resident memory at start, every 30 s and at the end, its open descriptors at the
start and the end (and right after a spammer's minute: ``--spam``, which starts once the class is in, while a page
is opened every 3 s), threads before/after the start/stop cycles; and the targets met (``TARGETS``).
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
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))   # waiting.py, which browser_helpers uses
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from browser_helpers import ARGS, CHROMIUM, free_port, start_server  # noqa: E402


def fds(pid: int) -> int:
    """Open file descriptors of the server process."""
    return len(os.listdir(f"/proc/{pid}/fd"))


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
        self.slow: list[tuple[float, float]] = []   # (seconds since the probe began, latency) of answers over 1 s

    def run(self) -> None:
        began = time.perf_counter()
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                urllib.request.urlopen(self.url, timeout=10).read()
                self.latencies.append(time.perf_counter() - t0)
                if self.latencies[-1] > 1.0:
                    self.slow.append((round(t0 - began, 1), round(self.latencies[-1], 2)))
            except OSError:
                self.failures += 1
            self.stop.wait(self.every)


def cycles(n: int) -> dict:
    from gan_core.config import TrainConfig
    from gan_core.runtime.registry import RunRegistry

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


def browsers(url: str, args, loads: list, memory: list, pid: int) -> int:
    """Headless Chromium tabs, opened one after the other; returns the exceptions shown."""
    from playwright.sync_api import sync_playwright

    exceptions = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
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
        hold(args.hold, memory, pid)
        for page in pages:
            exceptions += page.locator('[data-testid="stException"]').count()
        browser.close()
    return exceptions


def sockets(url: str, args, loads: list, memory: list, pid: int, result: dict) -> int:
    """Websocket students, all arriving within a second; returns the exceptions the server sent."""
    from ws_student import Student

    students = [Student(url, press="Start" if i < args.training else None, hold=args.hold + 5)
                for i in range(args.students)]
    spammer = Student(url, press="Start", hold=5, repeat=args.spam) if args.spam else None
    result["fds"] = {"start": fds(pid)}
    for s in students:
        s.start()
        time.sleep(1.0 / max(1, args.students))
    if spammer:   # once the class is in: one student presses Start again and again; another opens the page
        end = time.time() + 120   # every 3 s meanwhile, as students who arrive late or reload do
        while time.time() < end and any(s.load_s is None and s.error is None for s in students):
            time.sleep(0.5)
        spammer.start()
        late = []
        while spammer.is_alive() and len(late) < 1000:
            visitor = Student(url, hold=0)
            visitor.run()
            late += [visitor.load_s] if visitor.load_s is not None else []
            time.sleep(3.0)
        spammer.join(args.spam + 180)
        result["spam"] = {"seconds": args.spam, "presses": spammer.presses, "error": spammer.error,
                          "exceptions": len(spammer.exceptions), "rss_mb_after": round(rss_mb(pid)),
                          "fds_after": fds(pid), "page_load_s": {"median": round(statistics.median(late), 2),
                                                                  "max": round(max(late), 2), "n": len(late)}
                          if late else None}
    hold(max(0.0, args.hold - (args.spam or 0)), memory, pid)
    result["fds"]["end"] = fds(pid)
    for s in students:
        s.join(args.hold + 300)
    loads += [s.load_s for s in students if s.load_s is not None]
    presses = [s.pressed_s for s in students if s.pressed_s is not None]
    result["press_s"] = {"median": round(statistics.median(presses), 2), "max": round(max(presses), 2)} \
        if presses else None
    result["updates_per_s"] = round(statistics.mean(s.fragment_runs for s in students) / args.hold, 2)
    result["errors"] = [s.error for s in students if s.error]
    return sum(len(s.exceptions) for s in students)


# What a class may expect of one server, from issue 8 (30 students arriving within a second, 10 of them training,
# on 2 cores): every page within 3 s, the health endpoint within 1 s throughout, never a traceback; and while a
# student spams Start (issue 17), a page opened every 3 s still within 3 s, and afterwards descriptors and memory
# no higher at the end than right after the spam (+10 descriptors, +10 % memory: what the runs still training add).
TARGETS = {"page_load_max_s": 3.0, "health_max_s": 1.0, "health_failures": 0, "exceptions": 0,
           "spam_page_load_max_s": 3.0, "fds_growth_after_spam": 10, "rss_growth_after_spam": 0.10}


def verdict(result: dict) -> dict:
    """``{target: {"target", "measured", "met"}}`` for what this run measured."""
    spam = result.get("spam") or {}
    measured = {"page_load_max_s": result["page_load_s"]["max"], "health_max_s": result["health_s"]["max"],
                "health_failures": result["health_s"]["failures"],
                "exceptions": result["exceptions"] + spam.get("exceptions", 0)}
    if spam:
        measured["spam_page_load_max_s"] = (spam.get("page_load_s") or {}).get("max", float("inf"))
        measured["fds_growth_after_spam"] = result["fds"]["end"] - spam["fds_after"]
        measured["rss_growth_after_spam"] = round(result["rss_mb"]["end"] / spam["rss_mb_after"] - 1, 3)
    return {k: {"target": TARGETS[k], "measured": v, "met": v <= TARGETS[k]} for k, v in measured.items()}


def hold(seconds: float, memory: list, pid: int) -> None:
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(min(30.0, max(0.0, end - time.time())))
        memory.append(round(rss_mb(pid)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", choices=("ws", "browser"), default="ws",
                    help="ws: websocket sessions (the server's load, as from students' own laptops); browser: "
                         "headless Chromium tabs on this machine (their rendering competes with the server)")
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--training", type=int, default=10, help="how many of them press Start")
    ap.add_argument("--hold", type=float, default=60.0, help="seconds every student stays afterwards")
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--spam", type=float, default=0.0,
                    help="ws clients: one more student presses Start again and again for this many seconds")
    args = ap.parse_args()
    from ws_student import Student

    runs = Path(tempfile.mkdtemp(prefix="gan-class-"))
    port = free_port()
    proc = start_server(runs, port, runs / "server.log", max_running=None)   # the default cap
    url = f"http://127.0.0.1:{port}"
    probe = HealthProbe(url + "/_stcore/health")
    result: dict = {"clients": args.clients, "students": args.students, "training": args.training,
                    "hold_s": args.hold, "rss_mb": {"start": round(rss_mb(proc.pid))}}
    loads, memory = [], []
    try:
        warm = Student(url, hold=0)   # the first run imports torch and the pages: not a student's wait
        warm.run()
        if warm.error:
            raise RuntimeError(f"the warm-up visit failed: {warm.error}")
        probe.start()
        if args.clients == "ws":
            exceptions = sockets(url, args, loads, memory, proc.pid, result)
        else:
            exceptions = browsers(url, args, loads, memory, proc.pid)
        result["rss_mb"]["end"] = round(rss_mb(proc.pid))
    finally:
        probe.stop.set()
        proc.terminate()
        proc.wait(30)
    lat = sorted(probe.latencies)
    loads.sort()
    result.update(page_load_s={"median": round(statistics.median(loads), 2),
                               "p95": round(loads[int(0.95 * (len(loads) - 1))], 2), "max": round(loads[-1], 2),
                               "n": len(loads)},
                  health_s={"max": round(lat[-1], 3), "p99": round(lat[int(0.99 * (len(lat) - 1))], 3),
                            "n": len(lat), "failures": probe.failures, "over_1s_at": probe.slow},
                  exceptions=exceptions)
    result["rss_mb"]["every_30s"] = memory
    result["targets"] = verdict(result)
    missed = [k for k, v in result["targets"].items() if not v["met"]]
    print(json.dumps(result), flush=True)
    print("targets: all met" if not missed else f"targets missed: {', '.join(missed)}", file=sys.stderr)
    if args.cycles:
        result["start_stop"] = cycles(args.cycles)
    print(json.dumps(result))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
