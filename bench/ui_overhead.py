"""How much does watching a run in the dashboard slow it down? And how long from Start to the first point?

For each of ``--rounds`` runs (ring8 defaults, started with the Start button of the real server in headless
Chromium, serving thread count ``default_threads(serving=True)``):
  first point: from the click on Start until a point of the new run is drawn in the browser (the Train page's
               empty charts have loaded Plotly before the click, as when a student reads the page first);
  overhead:    ``--cycles`` times, ``--seconds`` with the Train page open (watched: metrics, live curves and the
               2-D plane redrawn every second) then ``--seconds`` unwatched (headless: the same run in the same
               server while the tab shows a static page, so the server does nothing but train). Steps come from
               the run's status.json. Short interleaved phases of one run cancel most of the drift of other load
               on a shared machine, which separate runs one after the other do not.
Prints one JSON line: steps/s watched and headless, their ratio (target >= 0.85), the Start -> first point time
(target <= 3 s), the curve chart's redraws per second while watched (target 1-2), and the load average.

    .venv/bin/python bench/ui_overhead.py --rounds 2 --cycles 4 --seconds 8
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


def _status_step(runs: Path) -> tuple[int, float]:
    latest = max(runs.glob("2*/status.json"), key=lambda p: p.stat().st_mtime)
    info = json.loads(latest.read_text())
    return int(info["step"]), float(info["updated"])


def _rate(runs: Path, seconds: float) -> float:
    s0, u0 = _status_step(runs)
    time.sleep(seconds)
    s1, u1 = _status_step(runs)
    return (s1 - s0) / max(u1 - u0, 1e-9)


def one_run(browser, url: str, runs: Path, cycles: int, seconds: float) -> dict:
    """Start a run from the Train page; its first-point time, then watched / headless steps per second."""
    from browser_helpers import chart, charts_ready, first_point

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/?lang=en")
    start = page.get_by_role("button", name="Start", exact=True)
    start.wait_for(timeout=120_000)
    charts_ready(page)
    page.wait_for_timeout(1000)
    before = chart(page, True)[1].get("rev")
    t0 = time.time()
    start.click()
    first_point(page, before, timeout=120)
    first = time.time() - t0
    watched, headless, updates = [], [], []
    for _ in range(cycles):
        page.wait_for_timeout(3000)  # the page settles (after coming back: its charts are drawn again)
        r0 = chart(page, True)[1].get("renders", 0)
        watched.append(_rate(runs, seconds))
        updates.append((chart(page, True)[1].get("renders", 0) - r0) / seconds)
        # nothing on screen polls the run (a static page of the same browser session, which keeps owning it)
        page.get_by_role("link", name="Your own data").click()
        page.get_by_role("button", name="Train on these points", exact=True).wait_for(timeout=60_000)
        time.sleep(1.0)
        headless.append(_rate(runs, seconds))
        page.get_by_role("link", name="Train").click()
        page.get_by_role("button", name="Stop", exact=True).wait_for(timeout=60_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("stopped", exact=True).first.wait_for(timeout=30_000)
    page.close()
    return {"first": first, "watched": watched, "headless": headless, "updates": updates}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each watched and headless phase")
    ap.add_argument("--cycles", type=int, default=4, help="watched + headless phases per run")
    ap.add_argument("--rounds", type=int, default=2, help="runs (each gives one Start -> first point time)")
    args = ap.parse_args()
    from browser_helpers import ARGS, CHROMIUM, free_port, start_server
    from playwright.sync_api import sync_playwright

    from gan_core.device import default_threads

    runs = Path(tempfile.mkdtemp(prefix="ui-overhead-"))
    port = free_port()
    server = start_server(runs, port, runs / "server.log")
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            for _ in range(args.rounds):
                results.append(one_run(browser, f"http://127.0.0.1:{port}", runs, args.cycles, args.seconds))
            browser.close()
    finally:
        server.terminate()
    mean = lambda xs: sum(xs) / len(xs)
    watched = mean([v for r in results for v in r["watched"]])
    headless = mean([v for r in results for v in r["headless"]])
    firsts = [r["first"] for r in results]
    print(json.dumps({"headless_steps_per_s": round(headless, 1), "watched_steps_per_s": round(watched, 1),
                      "ratio": round(watched / headless, 3), "start_to_first_point_s": round(min(firsts), 2),
                      "start_to_first_point_all_s": [round(f, 2) for f in firsts],
                      "chart_updates_per_s": round(mean([u for r in results for u in r["updates"]]), 2),
                      "phases": {"watched": [round(v, 1) for r in results for v in r["watched"]],
                                 "headless": [round(v, 1) for r in results for v in r["headless"]]},
                      "threads": default_threads(serving=True), "cpus": os.cpu_count(),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main()
