"""Run folder: metrics/events round trips, atomic files, checkpoint safety, kill survival, concurrent reads."""
from __future__ import annotations

import json
import math
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.runtime import store
from gan_core.runtime.store import (
    RunStore,
    list_runs,
    load_checkpoint,
    new_run_dir,
    read_events,
    read_metrics,
    read_status,
    runs_root,
    safe_run_dir,
)

REPO = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_runs_root_env_and_new_run_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "r"))
    assert runs_root() == tmp_path / "r"
    monkeypatch.delenv("GAN_RUNS_DIR")
    assert runs_root() == REPO / "runs"
    d = new_run_dir("Fashion MNIST/../x", root=tmp_path)
    assert d.is_dir() and d.parent == tmp_path
    stamp, millis, rest = d.name[:15], d.name[15:19], d.name[20:]
    time.strptime(stamp, "%Y%m%d-%H%M%S")
    assert millis[0] == "." and 0 <= int(millis[1:]) <= 999
    name, hex4 = rest.rsplit("-", 1)
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-") and "mnist" in name
    assert len(hex4) == 4 and int(hex4, 16) >= 0
    assert new_run_dir("ring8", root=tmp_path) != new_run_dir("ring8", root=tmp_path)


def test_runs_made_in_one_second_list_newest_first(tmp_path):
    """Run folders carry milliseconds: runs started 20 ms apart list by their start, whatever wrote last."""
    made = []
    for _ in range(3):
        made.append(new_run_dir("ring8", root=tmp_path))
        time.sleep(0.02)
    for d in made[::-1]:   # the oldest run's config is written last (a resume, a rename)
        (d / "config.json").write_text('{"dataset": "ring8"}')
    made = [d.name for d in made]
    assert [r["run_id"] for r in list_runs(tmp_path)] == made[::-1]
    legacy = tmp_path / "20200101-000000-ring8-abcd"   # folders named by the second still list, oldest
    legacy.mkdir()
    (legacy / "config.json").write_text('{"dataset": "ring8"}')
    assert list_runs(tmp_path)[-1]["run_id"] == legacy.name


def test_metrics_round_trip_varying_keys_and_non_finite(tmp_path):
    with RunStore(tmp_path / "run", {"dataset": "ring8"}) as s:
        s.log_metrics(2, {"loss_d": 0.5, "loss_g": float("nan")})
        s.log_metrics(1, {"loss_d": 1.0, "loss_g": 2.0})
        s.log_metrics(3, {"loss_d": float("inf"), "fid": -float("inf"), "acc": torch.tensor(0.25)})
        assert read_metrics(tmp_path / "run")["step"].size == 0  # buffered until flush
        s.flush()
        m = read_metrics(tmp_path / "run")
    assert list(m["step"]) == [1, 2, 3] and m["step"].dtype == np.int64
    assert set(m) == {"step", "time", "loss_d", "loss_g", "fid", "acc"}
    assert all(v.dtype == np.float64 and v.shape == (3,) for k, v in m.items() if k != "step")
    np.testing.assert_array_equal(m["loss_d"], [1.0, 0.5, np.inf])
    assert m["loss_g"][0] == 2.0 and math.isnan(m["loss_g"][1]) and math.isnan(m["loss_g"][2])
    assert np.isnan(m["fid"][:2]).all() and m["fid"][2] == -np.inf
    assert m["acc"][2] == 0.25
    # stored text is strict JSON (no NaN/Infinity tokens)
    rows = sqlite3.connect(tmp_path / "run" / "metrics.sqlite").execute("SELECT data FROM metrics").fetchall()
    for (data,) in rows:
        json.loads(data, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    # incremental polling and key selection
    m2 = read_metrics(tmp_path / "run", keys=["loss_d", "never"], since_step=1)
    assert set(m2) == {"step", "time", "loss_d", "never"} and list(m2["step"]) == [2, 3]
    assert np.isnan(m2["never"]).all()
    assert read_metrics(tmp_path / "run", since_step=3)["step"].size == 0
    with pytest.raises(ValueError, match="loss"):
        RunStore(tmp_path / "run2").log_metrics(1, {"loss": "high"})


def test_events_and_status(tmp_path):
    run = tmp_path / "run"
    s = RunStore(run, {"dataset": "digits"})
    assert read_status(run) == {"status": "unknown", "step": 0, "message": "", "updated": None}
    s.log_metrics(5, {"loss_d": 1.0})
    s.log_event(5, "update", {"lr_g": 1e-3, "bad": float("nan")})
    s.log_event(7, "pause", {})
    s.flush()
    assert read_status(run)["status"] == "unknown" and read_status(run)["step"] == 5  # inferred from metrics
    ev = read_events(run)
    assert [e["kind"] for e in ev] == ["update", "pause"] and ev[0]["step"] == 5
    assert ev[0]["detail"] == {"lr_g": 1e-3, "bad": None} and isinstance(ev[0]["time"], float)
    assert [e["kind"] for e in read_events(run, since_step=5)] == ["pause"]
    with pytest.raises(ValueError):
        s.log_event(1, "", {})
    s.set_status("running", 7, "ok")
    st = read_status(run)
    assert (st["status"], st["step"], st["message"]) == ("running", 7, "ok") and st["updated"] > 0
    s.close()
    s.close()  # idempotent
    with pytest.raises(RuntimeError):
        s.log_metrics(8, {"x": 1.0})
    assert not (run / "metrics.sqlite-wal").exists()  # closed run is one self-contained file
    assert leftovers(run) == []


def test_readers_never_create_files(tmp_path):
    (tmp_path / "empty").mkdir()
    assert read_metrics(tmp_path / "empty")["step"].size == 0
    assert read_events(tmp_path / "empty") == []
    assert read_status(tmp_path / "empty")["status"] == "unknown"
    assert list(tmp_path.joinpath("empty").iterdir()) == []
    assert list_runs(tmp_path / "nope") == [] and not (tmp_path / "nope").exists()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "metrics.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValueError, match="metrics.sqlite"):
        read_metrics(tmp_path / "bad")
    (tmp_path / "notables").mkdir()  # a writer created the file but not yet its tables
    sqlite3.connect(tmp_path / "notables" / "metrics.sqlite").execute("CREATE TABLE other (x)").connection.close()
    assert read_metrics(tmp_path / "notables")["step"].size == 0 and read_events(tmp_path / "notables") == []


def test_wal_mode_and_buffer_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_BUFFER", 10)
    s = RunStore(tmp_path / "run")
    uri = f"file:{tmp_path / 'run' / 'metrics.sqlite'}?mode=ro"
    assert sqlite3.connect(uri, uri=True).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    for step in range(25):
        s.log_metrics(step, {"v": 1.0})
    assert read_metrics(tmp_path / "run")["step"].size == 20  # a caller that never flushes is capped
    s.close()
    assert read_metrics(tmp_path / "run")["step"].size == 25


def test_list_runs_order_and_junk(tmp_path):
    a = new_run_dir("ring8", root=tmp_path)
    RunStore(a, {"dataset": "ring8"}).close()
    b = tmp_path / "20991231-235959-digits-beef"  # newest by name
    with RunStore(b, {"dataset": "digits"}) as s:
        s.log_metrics(3, {"loss_d": 1.0})
        s.set_status("finished", 3)
    (tmp_path / "junk_no_config").mkdir()
    (tmp_path / "stray.txt").write_text("x")
    corrupt = tmp_path / "20000101-000000-x-0000"
    corrupt.mkdir()
    (corrupt / "config.json").write_text("{not json")
    runs = list_runs(tmp_path)
    assert [r["run_id"] for r in runs] == [b.name, a.name, corrupt.name]
    assert set(runs[0]) == {"run_id", "run_dir", "dataset", "status", "step", "created"}
    assert (runs[0]["dataset"], runs[0]["status"], runs[0]["step"]) == ("digits", "finished", 3)
    assert runs[1]["dataset"] == "ring8" and runs[1]["status"] == "unknown"
    assert runs[2]["dataset"] == "?" and Path(runs[0]["run_dir"]) == b
    json.dumps(runs)  # plain values only


def test_safe_run_dir(tmp_path):
    assert safe_run_dir("20240101-000000-ring8-abcd", tmp_path) == tmp_path / "20240101-000000-ring8-abcd"
    for bad in ["../x", "/etc", "a/b", "..", ".", "", "a\\b", "x/../../y"]:
        with pytest.raises(ValueError, match="run_id"):
            safe_run_dir(bad, tmp_path)
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(ValueError, match="link"):
        safe_run_dir("link", tmp_path)


def test_checkpoint_round_trip_atomic(tmp_path):
    s = RunStore(tmp_path / "run")
    state = {"generator": {"w": torch.randn(3, 4)}, "step": 12, "config": {"lr": 2e-4, "hidden": [8, 8]},
             "opt": {"state": {0: {"exp_avg": torch.zeros(2)}}, "param_groups": [{"lr": 1e-3, "params": [0]}]}}
    path = s.save_checkpoint(state)
    assert path == tmp_path / "run" / "checkpoints" / "latest.pt"
    got = load_checkpoint(path)
    assert got["format"] == store.CHECKPOINT_FORMAT and got["version"] == store.CHECKPOINT_VERSION
    assert torch.equal(got["generator"]["w"], state["generator"]["w"]) and got["config"] == state["config"]
    assert got["opt"]["state"][0]["exp_avg"].shape == (2,)
    with pytest.raises(ValueError, match="ndarray"):  # refused at save time, not after hours of training
        s.save_checkpoint({"x": np.zeros(2)}, "np")
    for bad in ["../evil", "a/b", ".hidden", ""]:
        with pytest.raises(ValueError, match="name"):
            s.save_checkpoint({}, bad)
    s.save_samples(PNG, 42)
    assert (tmp_path / "run" / "samples" / "step_0000042.png").read_bytes() == PNG
    with pytest.raises(ValueError):
        s.save_samples(b"GIF89a", 1)

    # a write that dies half way leaves the old file intact and no temp file behind
    def boom(f):
        f.write(b"partial")
        raise OSError("disk full")
    with pytest.raises(OSError):
        store._atomic_write(path, boom)
    assert torch.equal(load_checkpoint(path)["generator"]["w"], state["generator"]["w"])
    assert leftovers(tmp_path) == []
    s.close()


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint", os.urandom(300), "truncated"])
def test_corrupt_checkpoint_raises(tmp_path, content):
    path = tmp_path / "c.pt"
    if content == "truncated":
        RunStore(tmp_path / "run").save_checkpoint({"w": torch.randn(100)})
        content = (tmp_path / "run" / "checkpoints" / "latest.pt").read_bytes()[:200]
    path.write_bytes(content)
    with pytest.raises(ValueError, match="c.pt"):
        load_checkpoint(path)


def test_checkpoint_schema_checks(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="list"):
        load_checkpoint(tmp_path / "list.pt")
    torch.save({"w": torch.ones(1)}, tmp_path / "noformat.pt")
    with pytest.raises(ValueError, match="format"):
        load_checkpoint(tmp_path / "noformat.pt")
    torch.save({"format": store.CHECKPOINT_FORMAT, "version": 99}, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="version"):
        load_checkpoint(tmp_path / "future.pt")


class Evil:
    """Unpickling this calls open(marker, "w"): proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("writer", ["torch", "pickle", "pickle2"])
def test_malicious_pickle_is_refused(tmp_path, writer):
    marker = tmp_path / "pwned"
    payload = {"format": store.CHECKPOINT_FORMAT, "version": 1, "x": Evil(marker)}
    path = tmp_path / "evil.pt"
    if writer == "torch":
        torch.save(payload, path)
    else:
        with open(path, "wb") as f:
            pickle.dump(payload, f, protocol=2 if writer == "pickle2" else pickle.DEFAULT_PROTOCOL)
    with pytest.raises(ValueError, match="arbitrary code"):
        load_checkpoint(path)
    assert not marker.exists()
    # control: the payload really is live, so the test above means something
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(Evil(control))).close()
    assert control.exists()


WRITER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from gan_core.runtime.store import RunStore
s = RunStore(Path(sys.argv[2]), {"dataset": "ring8"})
s.flush()
print("ready", flush=True)
step, last = 0, time.time()
while True:
    step += 1
    s.log_metrics(step, {"loss_d": step * 0.5, "loss_g": float("nan") if step % 7 == 0 else 1.0})
    if step % 50 == 0:
        s.log_event(step, "tick", {"n": step})
    time.sleep(0.002)
    if time.time() - last >= 0.2:
        s.flush()
        last = time.time()
"""


def test_kill_survival(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(REPO), str(run)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.5)
        seen = read_metrics(run)["step"].size  # a reader while the writer is alive
        # a second server on the same runs folder may not write the run meanwhile (metrics twice, checkpoints
        # overwriting each other); the refusal names the run, not a server folder
        with pytest.raises(ValueError, match="'run' is being written by another session") as refused:
            RunStore(run)
        assert str(tmp_path) not in str(refused.value)
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.time()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    names = sorted(p.name for p in run.iterdir())
    m = read_metrics(run)
    assert sorted(p.name for p in run.iterdir()) == names  # the reader created nothing
    n = m["step"].size
    assert n >= max(seen, 50)
    np.testing.assert_array_equal(m["step"], np.arange(1, n + 1))  # whole transactions, no gaps
    np.testing.assert_array_equal(m["loss_d"], m["step"] * 0.5)
    assert np.isnan(m["loss_g"][6]) and killed_at - m["time"][-1] < 1.0
    assert len(read_events(run)) == n // 50
    uri = f"file:{run / 'metrics.sqlite'}?mode=ro"
    assert sqlite3.connect(uri, uri=True).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # a new writer on the same folder (resume) works and sees the old rows
    with RunStore(run) as s:
        s.log_metrics(n + 1, {"loss_d": 0.0})
    assert read_metrics(run)["step"][-1] == n + 1


def test_concurrent_reader_sees_growing_data(tmp_path):
    run = tmp_path / "run"
    s = RunStore(run, {"dataset": "ring8"})
    done = threading.Event()

    def train():
        for step in range(1, 601):
            s.log_metrics(step, {"loss_d": float(step), **({"fid": 1.0} if step > 300 else {})})
            if step % 20 == 0:
                s.flush()
                time.sleep(0.002)
        s.flush()
        done.set()

    t = threading.Thread(target=train)
    t.start()
    last_n, polled, total = 0, [], 0
    while not done.is_set() or total < 600:
        m = read_metrics(run)
        n = m["step"].size
        assert n >= last_n and np.all(np.diff(m["step"]) > 0)
        np.testing.assert_array_equal(m["step"], np.arange(1, n + 1))
        new = read_metrics(run, since_step=total)
        polled.extend(new["step"].tolist())
        total = polled[-1] if polled else 0
        last_n = n
    t.join()
    s.close()
    assert polled == list(range(1, 601))
    m = read_metrics(run)
    assert np.isnan(m["fid"][:300]).all() and (m["fid"][300:] == 1.0).all()


def test_log_from_many_threads(tmp_path):
    s = RunStore(tmp_path / "run")

    def work(k):
        for i in range(200):
            s.log_metrics(k * 1000 + i, {"v": float(i)})
            if i % 50 == 0:
                s.flush()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s.close()
    assert read_metrics(tmp_path / "run")["step"].size == 800


def test_run_of_a_dead_process_reads_as_interrupted(tmp_path):
    import subprocess
    import sys

    run = tmp_path / "run"
    code = ("import sys; from gan_core.runtime.store import RunStore; "
            "s = RunStore(__import__('pathlib').Path(sys.argv[1]), {'dataset': 'ring8'}); s.set_status('running', 42)")
    subprocess.run([sys.executable, "-c", code, str(run)], check=True, cwd=Path(__file__).resolve().parents[2])
    status = store.read_status(run)
    assert status["status"] == "interrupted" and status["was"] == "running" and status["step"] == 42
    live = tmp_path / "live"
    s = store.RunStore(live, {"dataset": "ring8"})
    s.set_status("running", 1)
    assert store.read_status(live)["status"] == "running"  # this process is alive


def test_one_writer_per_run_folder_in_one_process(tmp_path):
    first = RunStore(tmp_path / "r", {"dataset": "ring8"})
    with pytest.raises(ValueError, match="being written by another session"):
        RunStore(tmp_path / "r")
    first.log_metrics(1, {"a": 1.0})
    first.close()                       # the lock goes with the writer
    with RunStore(tmp_path / "r") as again:
        again.log_metrics(2, {"a": 2.0})
    dropped = RunStore(tmp_path / "r")  # never closed, only dropped: its lock goes with it
    del dropped
    RunStore(tmp_path / "r").close()
    assert list(read_metrics(tmp_path / "r")["step"]) == [1, 2]


def test_drop_metrics_after(tmp_path):
    with RunStore(tmp_path / "r", {"dataset": "ring8"}) as s:
        for step in range(1, 11):
            s.log_metrics(step, {"a": float(step)})
        assert s.drop_metrics_after(6) == 4          # buffered rows are flushed first, then dropped
        s.log_metrics(7, {"a": 70.0})
    m = read_metrics(tmp_path / "r")
    assert list(m["step"]) == [1, 2, 3, 4, 5, 6, 7] and m["a"][-1] == 70.0
