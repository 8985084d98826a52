"""Descriptors a Streamlit server keeps per page load (issue 17 item 8): the dashboard against a three-line app.

    python bench/fd_leak.py [--loads 200]

Each page load is one student visit as the server sees it (``ws_student.Student``: the HTML page, one websocket
session until its first script run finished, then the tab closed). After every 50 loads and a 5 s pause, the
server's open descriptors are counted (/proc/<pid>/fd) and sorted by kind (sockets, epoll and other anonymous
inodes, files). The last stdout line is one JSON object: per app, the descriptors at the start and after each
batch, and the growth per page load in each batch.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests" / "e2e"), str(ROOT / "tests")]
from browser_helpers import free_port  # noqa: E402
from ws_student import Student  # noqa: E402

THREE_LINES = 'import streamlit as st\nst.title("Hello")\nst.button("Press")\n'


def kinds(pid: int) -> Counter:
    out: Counter = Counter()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        out["socket" if target.startswith("socket:") else "epoll" if "eventpoll" in target else
            "anon" if target.startswith("anon_inode:") else "pipe" if target.startswith("pipe:") else "file"] += 1
    return out


def serve(app: Path, cwd: Path, runs: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, GAN_RUNS_DIR=str(runs), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def measure(app: Path, cwd: Path, loads: int, batch: int = 50) -> dict:
    runs = Path(tempfile.mkdtemp(prefix="gan-fd-"))
    proc, url = serve(app, cwd, runs)
    try:
        Student(url, hold=0).run()   # the first load imports everything: not counted
        time.sleep(5)
        start = kinds(proc.pid)
        after = []
        for done in range(batch, loads + 1, batch):
            for _ in range(batch):
                s = Student(url, hold=0)
                s.run()
                if s.error:
                    raise RuntimeError(s.error)
            time.sleep(5)
            after.append({"loads": done, **kinds(proc.pid)})
    finally:
        proc.terminate()
        proc.wait(30)
    total = lambda c: sum(v for k, v in c.items() if k != "loads")
    counts = [total(start)] + [total(a) for a in after]
    return {"start": dict(start), "after": after,                    # growth per page load, batch by batch
            "per_load": [round((b - a) / batch, 2) for a, b in zip(counts, counts[1:], strict=False)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loads", type=int, default=200)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gan-fd-app-"))
    (tmp / "three_lines.py").write_text(THREE_LINES)
    result = {"three_line_app": measure(tmp / "three_lines.py", tmp, args.loads),
              "dashboard": measure(ROOT / "app.py", ROOT, args.loads)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
