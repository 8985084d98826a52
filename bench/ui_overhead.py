"""How much does watching a run in the dashboard slow it down? And how long from Start to the first point?

Measures, alternately (to average out other load on the machine), for ``--seconds`` each:
  headless: a TrainingSession in this process, no UI;
  watched:  the same config started with the Start button of the real server, a headless Chromium tab showing
            the Train page (live curves, the 2-D plane, metrics redrawn every second).
Both use the serving thread count (``default_threads(serving=True)``). Steps come from the session (headless) and
from the run's status.json (watched). Prints one JSON line: steps/s of each, their ratio (target >= 0.85) and
the Start -> first-point-on-the-curve time (target <= 3 s).

    .venv/bin/python bench/ui_overhead.py --seconds 15 --rounds 2
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))


def headless(seconds: float, runs: Path) -> float:
    from gan_core import TrainConfig, TrainingSession, store

    sess = TrainingSession(TrainConfig.for_dataset("ring8"), run_dir=store.new_run_dir("ring8", runs)).start()
    while sess.snapshot().step < 50:
        time.sleep(0.05)
    s0, t0 = sess.snapshot().step, time.time()
    time.sleep(seconds)
    s1, t1 = sess.snapshot().step, time.time()
    sess.stop()
    return (s1 - s0) / (t1 - t0)


def _status_step(runs: Path) -> tuple[int, float]:
    latest = max(runs.glob("2*/status.json"), key=lambda p: p.stat().st_mtime)
    info = json.loads(latest.read_text())
    return int(info["step"]), float(info["updated"])


def watched(seconds: float, browser, url: str, runs: Path) -> tuple[float, float]:
    from test_browser import chart, wait_for

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/?lang=en")
    start = page.get_by_role("button", name="Start", exact=True)
    start.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the page settles, the warm-up import is done
    t0 = time.time()
    start.click()
    wait_for(lambda: chart(page, True)[1].get("n", [0])[0] > 0, timeout=120)
    first_point = time.time() - t0
    page.wait_for_timeout(2000)
    s0, u0 = _status_step(runs)
    page.wait_for_timeout(int(seconds * 1000))
    s1, u1 = _status_step(runs)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_timeout(1000)
    page.close()
    return (s1 - s0) / (u1 - u0), first_point


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    import torch
    from browser_helpers import ARGS, CHROMIUM, free_port, start_server
    from playwright.sync_api import sync_playwright

    from gan_core.trainer import default_threads

    torch.set_num_threads(default_threads(serving=True))
    runs = Path(tempfile.mkdtemp(prefix="ui-overhead-"))
    (runs / "headless").mkdir()
    (runs / "ui").mkdir()
    port = free_port()
    server = start_server(runs / "ui", port, runs / "server.log")
    heads, views, firsts = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            for _ in range(args.rounds):
                heads.append(headless(args.seconds, runs / "headless"))
                sps, first = watched(args.seconds, browser, f"http://127.0.0.1:{port}", runs / "ui")
                views.append(sps)
                firsts.append(first)
            browser.close()
    finally:
        server.terminate()
    head, view = sum(heads) / len(heads), sum(views) / len(views)
    print(json.dumps({"headless_steps_per_s": round(head, 1), "watched_steps_per_s": round(view, 1),
                      "ratio": round(view / head, 3), "start_to_first_point_s": round(min(firsts), 2),
                      "start_to_first_point_all_s": [round(f, 2) for f in firsts],
                      "rounds": {"headless": [round(h, 1) for h in heads], "watched": [round(v, 1) for v in views]},
                      "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main()
