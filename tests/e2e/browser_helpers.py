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

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("GAN_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _need_browser() -> None:
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


def start_server(runs: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, GAN_RUNS_DIR=str(runs), PYTHONUNBUFFERED="1")
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
