"""The fault matrix (issue 17): a real server with students training, then a fault; what the run folders hold
afterwards and whether every run resumes where its last checkpoint left it.

    python bench/faults.py [--students 2] [--train 40]

Faults, one fresh server each: ``sigterm`` (the teacher stops the server: Ctrl+C, systemd, a container stop),
``kill9`` (an OOM kill, a power cut of the process), ``full-disk`` (the runs folder on a 96 MB tmpfs, filled up
while they train; needs root to mount, skipped otherwise). Students are websocket sessions (bench/ws_student.py)
that press Start on the Train page's default preset. Printed per fault, one JSON line: how long the server took
to exit, each run's state on disk, the steps its metrics hold past its checkpoint (what the fault lost), and
whether it resumed from that checkpoint with no metric twice. Corrupt run files and two servers on one folder
are tests (tests/app/test_security_pages.py, tests/runtime/test_store.py).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e"), str(ROOT / "bench"), str(ROOT / "tests")]
from browser_helpers import free_port, start_server  # noqa: E402


def _on_disk(root: Path) -> list[dict]:
    """Each run folder: its state, last metric step and checkpoint step."""
    from gan_core.runtime import store

    out = []
    for r in store.list_runs(root):
        folder = root / r["run_id"]
        ckpt = folder / "checkpoints" / "latest.pt"
        steps = store.read_metrics(folder)["step"]
        saved = int(store.load_checkpoint(ckpt)["step"]) if ckpt.is_file() else None
        last = int(steps[-1]) if len(steps) else 0
        out.append({"run": r["run_id"], "status": r["status"], "last_metric_step": last, "checkpoint_step": saved,
                    "lost_steps": None if saved is None else max(0, last - saved)})
    return out


def _resumes(root: Path, run_id: str, checkpoint_step: int) -> dict:
    """Resume the run in this process for 50 steps: its first new metric row lies past its checkpoint, and no
    training step has two rows (an evaluation has a row of its own at its step)."""
    import numpy as np

    from gan_core.runtime import store
    from gan_core.runtime.registry import RunRegistry

    reg = RunRegistry(max_running=1, root=root)
    t0 = time.time()
    sess = reg.resume(run_id).start()
    deadline = time.time() + 60
    while sess.snapshot().step < checkpoint_step + 50 and time.time() < deadline:
        time.sleep(0.2)
    sess.stop(wait=True)
    m = store.read_metrics(sess.run_dir)
    train = m["step"][np.isfinite(m["loss_d"])]
    new = m["step"][(m["time"] >= t0) & np.isfinite(m["loss_d"])]
    return {"run": sess.run_dir.name, "first_new_step": int(new[0]) if len(new) else None,
            "from_checkpoint": bool(len(new)) and int(new[0]) > checkpoint_step,
            "steps_after": int(sess.snapshot().step - checkpoint_step),
            "no_step_twice": bool(len(train) == len(set(train.tolist())))}


def _train(url: str, students: int, seconds: float):
    from ws_student import Student

    crowd = [Student(url, press="Start", hold=seconds + 30) for _ in range(students)]
    for s in crowd:
        s.start()
    time.sleep(seconds)
    return crowd


def _fault(name: str, students: int, seconds: float) -> dict:
    runs = Path(tempfile.mkdtemp(prefix=f"gan-fault-{name}-"))
    mounted = False
    if name == "full-disk":
        if os.geteuid() != 0:
            return {"fault": name, "skipped": "needs root to mount a tmpfs"}
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(runs)], check=True)
        mounted = True
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc = start_server(runs, port, log, max_running="4")
    url = f"http://127.0.0.1:{port}"
    result: dict = {"fault": name, "students": students, "trained_s": seconds}
    try:
        crowd = _train(url, students, seconds)
        result["student_errors"] = [s.error for s in crowd if s.error] + [e for s in crowd for e in s.exceptions]
        if name == "full-disk":
            with open(runs / "filler", "wb") as f:       # what the runs have not filled yet
                try:
                    while True:
                        f.write(b"\0" * 2**20)
                except OSError:
                    pass
            time.sleep(15)   # the runs' next checkpoints and metric flushes meet the full disk
            health = urllib.request.urlopen(url + "/_stcore/health", timeout=10).status
            from ws_student import Student
            visitor = Student(url, hold=0)
            visitor.run()
            result.update(health_after=health, page_load_after_s=visitor.load_s,
                          page_errors_after=visitor.exceptions or visitor.error)
            (runs / "filler").unlink()
            proc.terminate()
        else:
            os.kill(proc.pid, signal.SIGTERM if name == "sigterm" else signal.SIGKILL)
        t0 = time.time()
        proc.wait(60)
        result.update(exit_s=round(time.time() - t0, 2), exit_code=proc.returncode)
        disk = _on_disk(runs)
        result["runs"] = disk
        text = log.read_text()
        result["server_log_errors"] = [ln[:200] for ln in text.splitlines() if " ERROR " in ln or " WARNING " in ln]
        result["server_tracebacks"] = text.count("Traceback")
        if os.environ.get("FAULTS_LOG"):
            Path(os.environ["FAULTS_LOG"]).write_text(text)
        result["resumed"] = [_resumes(runs, r["run"], r["checkpoint_step"]) for r in disk
                             if r["checkpoint_step"] is not None]
    finally:
        if proc.poll() is None:
            proc.kill()
        if mounted:
            subprocess.run(["umount", "-l", str(runs)], check=False)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=2)
    ap.add_argument("--train", type=float, default=40.0, help="seconds of training before the fault")
    ap.add_argument("--faults", default="sigterm,kill9,full-disk")
    args = ap.parse_args()
    for name in args.faults.split(","):
        print(json.dumps(_fault(name, args.students, args.train)), flush=True)


if __name__ == "__main__":
    main()
