"""Helpers for the browser tests (module ``browser_helpers``; conftest.py holds the fixtures).

The real server (``streamlit run app.py``) on a free port with a temporary runs folder, and headless Chromium.

Skipped with a visible reason where /usr/bin/chromium does not exist, unless GAN_REQUIRE_E2E=1 (CI), which
turns the skip into a failure.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("GAN_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def need_browser() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found: install Chromium (apt-get install chromium) to run the browser tests"
    if os.environ.get("GAN_REQUIRE_E2E") == "1":
        pytest.fail(reason + " (GAN_REQUIRE_E2E=1 forbids skipping)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(runs: Path, port: int, log: Path, max_running: str | None = "3") -> subprocess.Popen:
    # several tests leave a run training on the shared server: a cap of 1 (2 cores) would queue the next one.
    # max_running=None: the server's own default (the load bench)
    env = dict(os.environ, GAN_RUNS_DIR=str(runs), PYTHONUNBUFFERED="1")
    if max_running is not None:
        env["GAN_MAX_RUNNING"] = max_running
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    end = time.time() + 60
    while time.time() < end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("streamlit did not become healthy in 60 s")


# ---- the live Plotly charts (ui/components/plotly_live: one iframe per chart, the figure in #chart) --------
FIG = """() => { const g = document.getElementById('chart');
  if (!g || !g._fullData || !g._fullLayout) return null;  // _fullData: the traces, base64 arrays decoded
  const xa = g._fullLayout.xaxis, r = xa ? xa.range.slice() : null;
  const inRange = v => Number.isFinite(v) && (!r || (v >= Math.min(r[0], r[1]) && v <= Math.max(r[0], r[1])));
  const fake = g._fullData.find(d => d.name === 'fake' || d.name === '生成样本');
  // drawn lines: SVG paths of line traces with at least one segment ("M x,y L x,y ...")
  const lines = Array.from(g.querySelectorAll('path.js-line')).filter(p => /L/.test(p.getAttribute('d') || ''));
  return {n: g._fullData.map(d => d.x ? d.x.length : 0), sub: !!g.layout.xaxis2,
          fin: g._fullData.map(d => d.x ? Array.from(d.x).filter(inRange).length : 0), lines: lines.length,
          range: r, auto: g.layout.xaxis ? g.layout.xaxis.autorange : null, rev: g.layout.uirevision,
          shapes: (g.layout.shapes || []).length, notes: (g.layout.annotations || []).map(a => a.text),
          renders: +(document.body && document.body.dataset.renders || 0), height: g._fullLayout.height,
          plot: [g._fullLayout._size.w, g._fullLayout._size.h],
          fake: fake ? Array.from(fake.x).slice(0, 8) : null}; }"""


def charts(pg):
    """``[(frame, info)]`` of every live Plotly chart on the page (``info``: see ``FIG``)."""
    out = []
    pg.wait_for_timeout(1)  # let Playwright process frame events (time.sleep alone never updates pg.frames)
    for frame in pg.frames:
        if "plotly_live" in frame.url:
            try:
                info = frame.evaluate(FIG)
            except Exception:
                continue
            if info:
                out.append((frame, info))
    return out


def chart(pg, curves: bool, tries: int = 20):
    """``(frame, info)`` of the curves chart (``curves``, it has subplots) or of the 2-D plane."""
    for _ in range(tries):
        found = [c for c in charts(pg) if c[1]["sub"] == curves]
        if found:
            return found[0]
        pg.wait_for_timeout(250)
    return None, {}


def charts_ready(pg, timeout=90.0) -> bool:
    """The Train page's two charts (drawn empty before any run) have loaded Plotly and drawn once."""
    return bool(wait_for(lambda: chart(pg, True, 1)[1].get("renders", 0) >= 1
                         and chart(pg, False, 1)[1].get("renders", 0) >= 1, timeout))


def first_point(pg, before_rev, timeout=60.0) -> bool:
    """The curves chart shows a new run (another ``uirevision``) with at least one finite point."""
    def ok():
        info = chart(pg, True, 1)[1]
        return info.get("rev") not in (None, before_rev) and sum(info.get("fin", [0])) > 0
    return bool(wait_for(ok, timeout, every=0.05))


def drag_zoom(pg, frame, x_from=0.3, x_to=0.7, y=0.3):
    """A horizontal drag on the first subplot of ``frame``'s chart: zooms the steps only."""
    box = frame.locator(".nsewdrag").first.bounding_box()
    x0, y0 = box["x"] + box["width"] * x_from, box["y"] + box["height"] * y
    pg.mouse.move(x0, y0)
    pg.mouse.down()
    pg.mouse.move(box["x"] + box["width"] * x_to, y0 + 3, steps=6)
    pg.mouse.up()


# ---- pages: open, wait, read, screenshot ---------------------------------------------------------------------
MAIN = '[data-testid="stMain"]'
POINTS = """(name) => { const g = document.getElementById('chart');
  if (!g || !g._fullData) return -1;
  const tr = g._fullData.find(d => d.name === name);
  return tr && tr.x ? Array.from(tr.x).filter(v => v === v && v !== null).length : -1; }"""


def settle(pg, seconds=1.0):
    """Wait until the app stops running (no 'Running...' status) and charts had a moment to draw."""
    pg.wait_for_timeout(500)
    wait_for(lambda: pg.locator('[data-testid="stStatusWidget"]').count() == 0, timeout=60)
    pg.wait_for_timeout(int(seconds * 1000))


def open_page(pg, server, path, run=None, lang="en", heading=None):
    query = f"?lang={lang}" + (f"&run={run}" if run else "")
    pg.goto(f"{server['url']}/{path}{query}")
    if heading:
        pg.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
    settle(pg)


def warm(pg, server):
    """Open the main page once: on a fresh server a deep link before app.py ever ran would open
    Streamlit's 'Page not found' dialog (the pages/ folder is also scanned as a v1 multipage app)."""
    pg.goto(f"{server['url']}/?lang=en")
    pg.get_by_role("heading", name="Train").first.wait_for(timeout=90_000)


def shot(pg, name):
    """Full height: Streamlit scrolls inside its main block, so grow the viewport to the content first."""
    height = pg.evaluate(f"() => document.querySelector('{MAIN}').scrollHeight")
    pg.set_viewport_size({"width": 1400, "height": max(1000, min(int(height) + 40, 6000))})
    pg.wait_for_timeout(1500)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    pg.set_viewport_size({"width": 1400, "height": 1000})


def text(pg) -> str:
    return pg.inner_text(MAIN)


def stop_run(pg, label="Stop", confirm="Stop the run", shot_name=None):
    """Press a page's Stop and confirm it in the dialog that opens (until then the run trains on)."""
    pg.get_by_role("button", name=label, exact=True).click()
    dialog = pg.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    if shot_name:
        shot(pg, shot_name)
    dialog.get_by_role("button", name=confirm, exact=True).click()
    dialog.wait_for(state="hidden", timeout=15_000)


def no_exception(pg):
    assert pg.get_by_text("Page not found").count() == 0
    assert pg.locator('[data-testid="stException"]').count() == 0, pg.locator(
        '[data-testid="stException"]').first.inner_text()


def trace_points(pg, name) -> int:
    """Points of the trace ``name`` in any live chart of the page (-1 when no chart has it)."""
    best = -1
    pg.wait_for_timeout(1)  # let Playwright process frame events: a chart's iframe that appeared since the last
    # call is not in pg.frames until it does (polling with time.sleep alone once saw no chart for 3 minutes)
    for frame in pg.frames:
        if "plotly_live" in frame.url:
            try:
                best = max(best, frame.evaluate(POINTS, name))
            except Exception:
                continue
    return best
