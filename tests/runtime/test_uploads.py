"""gan_core.runtime.uploads: images, zips, arrays, configs and checkpoints sent from a browser; nothing bad gets in, and
a bad file leaves nothing behind."""
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_core.config import TrainConfig
from gan_core.paths import uploads_dir
from gan_core.runtime import store, uploads
from gan_core.runtime.runs import load_trainer
from gan_core.trainer import Trainer


def png(value: int, size=(28, 28), mode="L") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, value).save(buf, format="PNG")
    return buf.getvalue()


def zipped(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, raw in members.items():
            z.writestr(name, raw)
        for name in links:   # a symlink member: mode 0o120777 in the upper bits
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def left_over(root: Path) -> list[str]:
    """Everything in the uploads folder and every run folder: what a failed upload must not leave."""
    folder = uploads_dir(root)
    found = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    return found + [r["run_id"] for r in store.list_runs(root)]


def test_image_files_become_a_folder_dataset(tmp_path):
    path, data = uploads.save_images([("a.png", png(0)), ("../b.png", png(255)), ("c d.png", png(128))], tmp_path)
    assert path.parent == uploads_dir(tmp_path) and path.is_dir()
    assert sorted(p.name for p in path.iterdir()) == ["00000_a.png", "00001_b.png", "00002_c_d.png"]
    assert tuple(data.x.shape) == (3, 1, 28, 28) and data.y is None
    assert data.x.min() == -1 and data.x.max() == 1
    assert left_over(tmp_path) == [path.name]   # no temporary folder


def test_zip_keeps_classes_and_nothing_escapes(tmp_path):
    members = {"set/cat/1.png": png(10), "set/cat/2.png": png(20), "set/dog/1.png": png(200, mode="RGB"),
               "../../escaped.png": png(0), "/abs/top.png": png(0), "set/.hidden.png": png(0),
               "__MACOSX/set/cat/._1.png": b"junk", "set/readme.txt": b"hello"}
    raw = zipped(members, links=("set/dog/link.png",))
    path, data = uploads.save_images([("pets.zip", raw)], tmp_path)
    files = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
    # a member that climbs out ('..') is skipped; '/abs/top.png' keeps its last folder and name, inside the upload
    assert files == ["abs/top.png", "cat/1.png", "cat/2.png", "dog/1.png"]
    assert not (tmp_path / "escaped.png").exists() and not (tmp_path.parent / "escaped.png").exists()
    assert data.class_names == ("abs", "cat", "dog") and tuple(data.x.shape) == (4, 3, 28, 28)


@pytest.mark.parametrize("files, message", [
    ([], "no files were uploaded"),
    ([("notes.txt", b"hi"), ("a.png", png(0))], "'notes.txt' is not an image file"),
    ([("broken.zip", b"PK\x03\x04 not really")], "'broken.zip' is not a readable .zip"),
    ([("docs.zip", zipped({"a.txt": b"x", "b.csv": b"1,2"}))], "'docs.zip' holds no image files"),
    ([("fake.png", b"\x89PNG but not")], "'fake.png' holds no readable images"),
    ([("x.npz", b"not an array")], "'x.npz' could not be read as .npz"),
])
def test_bad_uploads_are_named_and_leave_nothing(tmp_path, files, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        uploads.save_images(files, tmp_path)
    assert left_over(tmp_path) == []


def test_limits_are_checked_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ValueError, match=r"the upload is over 1\.0 KB; allowed: at most 1\.0 KB"):
        uploads.save_images([("a.png", b"x" * 1001)], tmp_path)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 50 * 2**20)
    monkeypatch.setattr(uploads, "MAX_ZIP_BYTES", 10_000)     # a zip bomb: small packed, large unpacked
    bomb = zipped({"a/big.png": b"\0" * 20_000})
    assert len(bomb) < 10_000
    with pytest.raises(ValueError, match="unpacked is"):
        uploads.save_images([("bomb.zip", bomb)], tmp_path)
    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 2)
    with pytest.raises(ValueError, match="holds 3 files; allowed: at most 2"):
        uploads.save_images([("many.zip", zipped({f"{i}.png": png(i) for i in range(3)}))], tmp_path)
    assert left_over(tmp_path) == []


def test_npz_with_labels_and_a_pickled_one(tmp_path):
    buf = io.BytesIO()
    np.savez(buf, x=np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8),
             y=np.repeat([3, 7], 10))
    path, data = uploads.save_images([("mine.npz", buf.getvalue())], tmp_path)
    assert path.suffix == ".npz" and data.class_names == ("3", "7") and tuple(data.x.shape) == (20, 1, 28, 28)
    evil = io.BytesIO()
    np.savez(evil, x=np.array([{"a": 1}], dtype=object))    # needs pickle to load: refused
    with pytest.raises(ValueError, match="pickled objects are refused"):
        uploads.save_images([("evil.npz", evil.getvalue())], tmp_path)
    assert left_over(tmp_path) == [path.name]


def test_read_config_round_trip_and_errors():
    cfg = TrainConfig.for_dataset("ring8", lr_g=3e-4)
    assert uploads.read_config(cfg.to_json().encode()) == cfg
    for raw, message in ((b"{not json", "'c.json': config is not valid JSON"),
                         (b'{"lr_g": -1}', "'c.json': lr_g=-1"),
                         (b'{"learning_rate": 1}', "'c.json': unknown config key 'learning_rate'"),
                         (b"\xff\xfe\x00", "'c.json' is not UTF-8 text"),
                         (b" " * (uploads.MAX_CONFIG_BYTES + 1), "'c.json' is over 64.0 KB; allowed: at most 64.0 KB")):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
            uploads.read_config(raw, "c.json")


@pytest.fixture
def checkpoint(tmp_path) -> tuple[bytes, Trainer]:
    cfg = TrainConfig.for_dataset("ring8", g_hidden=[16], d_hidden=[16], n_points=256, batch_size=32)
    trainer = Trainer(cfg, device="cpu")
    for _ in range(5):
        trainer.step()
    with store.RunStore(tmp_path / "orig") as rs:
        path = rs.save_checkpoint(trainer.state_dict())
    return path.read_bytes(), trainer


def test_checkpoint_becomes_a_run_that_loads(tmp_path, checkpoint):
    raw, trainer = checkpoint
    run_dir = uploads.import_checkpoint(raw, "ring.pt", tmp_path / "runs")
    status = store.read_status(run_dir)
    assert (status["status"], status["step"]) == ("stopped", 5) and "ring.pt" in status["message"]
    assert [e["kind"] for e in store.read_events(run_dir)] == ["import"]
    again = load_trainer(str(run_dir))
    z = torch.randn(8, trainer.config.latent_dim)
    assert torch.equal(again.generate(z), trainer.generate(z))
    assert uploads_dir(tmp_path / "runs").exists() and left_over(tmp_path / "runs") == [run_dir.name]


class Evil:
    """Unpickling this calls open(marker, "w"): proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_bad_checkpoints_are_refused_and_leave_nothing(tmp_path, checkpoint):
    raw, trainer = checkpoint
    runs, marker = tmp_path / "runs", tmp_path / "pwned"
    buf = io.BytesIO()
    torch.save({"format": store.CHECKPOINT_FORMAT, "version": 1, "x": Evil(marker)}, buf)
    state = torch.load(io.BytesIO(raw), weights_only=True)
    wrong = io.BytesIO()
    torch.save({**state, "config": {**state["config"], "g_hidden": [32]}}, wrong)
    no_config = io.BytesIO()
    torch.save({k: v for k, v in state.items() if k != "config"}, no_config)
    bad_config = io.BytesIO()
    torch.save({**state, "config": {**state["config"], "lr_g": float("nan")}}, bad_config)
    cases = [(buf.getvalue(), "refused to load checkpoint 'x.pt'"),
             (raw[: len(raw) // 2], "checkpoint 'x.pt' is corrupt"),
             (json.dumps({"a": 1}).encode(), "refused to load checkpoint 'x.pt'"),
             (wrong.getvalue(), "'x.pt': its weights do not fit the networks its config builds"),
             (no_config.getvalue(), "'x.pt' holds no config"),
             (bad_config.getvalue(), "'x.pt': its config: lr_g=nan")]
    for payload, message in cases:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
            uploads.import_checkpoint(payload, "x.pt", runs)
        assert left_over(runs) == [], message
    assert not marker.exists()


def test_decoding_work_is_bounded_in_pixels_not_only_bytes(tmp_path):
    """A 7.8 MB zip of 25,638 blank 4096x4096 PNGs is small in bytes and took ~50 min of CPU to decode: the
    pixels the headers declare are counted before anything is decoded."""
    import time

    from gan_core.data import user

    big = png(0, size=(4096, 4096))            # ~16 MP each, a few kB packed
    n = user.MAX_TOTAL_PIXELS // (4096 * 4096) + 1
    bomb = zipped({f"blank/{i:03d}.png": big for i in range(n)})
    assert len(bomb) < 2 * 2**20
    start = time.process_time()
    with pytest.raises(ValueError, match=rf"these {n} images hold [\d,]+ megapixels; allowed: at most 500 megapix"):
        uploads.save_images([("blank.zip", bomb)], tmp_path)
    assert time.process_time() - start < 10     # headers only (decoding them would take ~0.1 s each)
    assert left_over(tmp_path) == []
    small = uploads.save_images([(f"{i}.png", png(i * 10)) for i in range(4)], tmp_path)[1]   # still fine
    assert small.x.shape == (4, 1, 28, 28)


def test_a_dead_servers_upload_leftovers_are_swept_at_start(tmp_path):
    import os
    import time

    from gan_core.runtime.registry import RunRegistry

    mine = uploads_dir(tmp_path, "browser-1")
    mine.mkdir(parents=True)
    old_dir, old_pt, fresh = mine / ".a1b2c3.tmp", uploads_dir(tmp_path) / ".d4e5.pt.tmp", mine / ".f6a7.tmp"
    old_dir.mkdir()
    (old_dir / "x.png").write_bytes(png(1))
    old_pt.write_bytes(b"half a checkpoint")
    fresh.mkdir()                                   # maybe another server's upload in progress: kept
    kept = mine / "0123456789"                      # a finished upload: kept
    kept.mkdir()
    hour_ago = time.time() - 7200
    for p in (old_dir, old_pt):
        os.utime(p, (hour_ago, hour_ago))
    reg = RunRegistry(root=tmp_path)
    try:
        assert not old_dir.exists() and not old_pt.exists() and fresh.exists() and kept.exists()
    finally:
        reg.stop_all()


def test_progress_is_reported_and_cancel_leaves_nothing(tmp_path):
    """Decoding tells how far it is (images decoded of all), and a progress callback that raises Cancelled (the
    page's Cancel) stops it: no data set, no temporary folder."""
    from gan_core.data.user import PROGRESS_EVERY, Cancelled

    members = {f"{c}/{i}.png": png(40 * c + i) for c in range(2) for i in range(PROGRESS_EVERY + 8)}
    seen = []
    path, data = uploads.save_images([("set.zip", zipped(members))], tmp_path,
                                     progress=lambda d, n: seen.append((d, n)))
    assert len(data.x) == len(members) and seen[-1] == (len(members), len(members))
    decoded = [d for d, _ in seen if d]
    assert decoded == sorted(decoded) and PROGRESS_EVERY in decoded          # more than one step along the way

    def stop_midway(done, total):
        if done >= PROGRESS_EVERY:
            raise Cancelled

    with pytest.raises(Cancelled):
        uploads.save_images([("set.zip", zipped(members))], tmp_path / "second", progress=stop_midway)
    assert left_over(tmp_path / "second") == []
