"""A browser cannot make the server read its other files, nor crash it with a hostile file (issue 17).

Every path a browser can make the server read (typed, in an uploaded config or checkpoint, in the config.json of
a run opened or resumed from a browser) goes through ``gan_core.data.user.browser_data_root``; messages never
quote a file's contents nor show the server's folders; declared sizes are checked before anything is allocated.
"""
import functools
import io
import json
import math
import sys
import zipfile

import numpy as np
import pytest
import torch

from gan_core.checks import public_text
from gan_core.config import TrainConfig
from gan_core.data.builtin import load_dataset
from gan_core.data.user import browser_data_root
from gan_core.paths import browser_roots, default_data_dir, uploads_dir
from gan_core.runtime import runs, store, uploads
from gan_core.trainer import Trainer

TINY = dict(g_hidden=[8], d_hidden=[8], n_points=256, batch_size=32)




@functools.lru_cache(maxsize=1)
def _state() -> dict:
    trainer = Trainer(TrainConfig.for_dataset("ring8", **TINY), device="cpu")
    trainer.step()
    return trainer.state_dict()


def checkpoint(**config) -> bytes:
    """A genuine checkpoint of a tiny ring8 run, its config then changed to ``config``."""
    state = dict(_state())
    state["config"] = {**state["config"], **config}
    buf = io.BytesIO()
    torch.save({**state, "format": store.CHECKPOINT_FORMAT, "version": store.CHECKPOINT_VERSION}, buf)
    return buf.getvalue()


def assert_public(message: str, *folders) -> None:
    """No file contents, no server folder in a message a browser sees."""
    assert "s3cret" not in message and "HOME=" not in message, message
    for folder in folders:
        assert str(folder) not in message, (message, folder)


def test_a_checkpoint_cannot_make_the_server_read_a_file_outside_its_folders(tmp_path, secret):
    root = tmp_path / "runs"
    for target in (str(secret), "/etc/passwd", "/proc/self/environ", "../../../../etc/passwd", "."):
        raw = checkpoint(dataset="points", data_root=target)
        with pytest.raises(ValueError, match="outside the files this browser may read") as err:
            uploads.import_checkpoint(raw, "evil.pt", root, browser="b1")
        assert_public(str(err.value), root)                     # the value it gave, nothing of the server's
        assert store.list_runs(root) == []                     # no run folder is made
        assert list(uploads_dir(root, "b1").iterdir()) == []   # and no temporary file is left


def test_a_checkpoint_may_name_its_own_browsers_upload_but_not_another_browsers(tmp_path):
    root = tmp_path / "runs"
    mine = uploads_dir(root, "alice")
    mine.mkdir(parents=True)
    np.savetxt(mine / "pts.csv", np.random.default_rng(0).normal(size=(64, 2)), delimiter=",")
    raw = checkpoint(dataset="points", data_root=str(mine / "pts.csv"))
    run_dir = uploads.import_checkpoint(raw, "mine.pt", root, browser="alice")
    assert runs.run_config(run_dir).data_root == str((mine / "pts.csv").resolve())
    with pytest.raises(ValueError, match="outside the files this browser may read"):
        uploads.import_checkpoint(raw, "theirs.pt", root, browser="mallory")
    assert uploads_dir(root, "alice") != uploads_dir(root, "mallory")
    assert "alice" not in str(uploads_dir(root, "alice"))     # a hash: a config never carries a browser's id


def test_a_run_folder_config_pointing_outside_is_refused_when_a_browser_opens_it(tmp_path, secret):
    root = tmp_path / "runs"
    run_dir = store.new_run_dir("ring8", root)
    trainer = Trainer(TrainConfig.for_dataset("ring8", **TINY), device="cpu")
    with store.RunStore(run_dir, trainer.config.replace(dataset="points", data_root="/etc/passwd").to_dict()) as rs:
        rs.save_checkpoint(trainer.state_dict())
    for target in ("/etc/passwd", str(secret)):
        cfg = json.loads((run_dir / "config.json").read_text())
        (run_dir / "config.json").write_text(json.dumps({**cfg, "data_root": target}))
        with pytest.raises(ValueError, match="outside the files this browser may read") as err:
            runs.load_trainer(run_dir, roots=browser_roots(root))
        assert_public(str(err.value), root)
        with pytest.raises(ValueError, match="outside"):
            runs.run_config(run_dir, browser_roots(root))
    # the command line (a trusted local user) still reads any path, and its reader quotes nothing of the file
    with pytest.raises(ValueError, match="row 1 is not two numbers") as err:
        runs.load_trainer(run_dir)
    assert_public(str(err.value), tmp_path / "server")


def test_a_typed_data_root_outside_the_allowed_folders_is_refused(tmp_path, secret, monkeypatch):
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    root = tmp_path / "runs"
    mine, theirs = uploads_dir(root, "alice"), uploads_dir(root, "bob")
    mine.mkdir(parents=True)
    theirs.mkdir(parents=True)
    (theirs / "x.csv").write_text("1,2\n3,4\n")
    roots = browser_roots(root, "alice")
    assert browser_data_root(str(tmp_path / "data" / "mnist"), roots) == str((tmp_path / "data" / "mnist").resolve())
    assert browser_data_root("a.csv", roots) == str((mine / "a.csv").resolve())   # relative: in its own folder
    for bad in (str(secret), "/etc/passwd", ".", "..", f"../{theirs.name}/x.csv", str(theirs / "x.csv"),
                str(uploads_dir(root)), str(root), "~", "a\x00b", 5, ["/etc"]):
        with pytest.raises(ValueError, match="outside the files this browser may read") as err:
            browser_data_root(bad, roots)
        assert_public(str(err.value), *(r for r in roots if str(r) not in str(bad)))


def test_reader_messages_quote_no_contents_and_no_folders(tmp_path, secret, monkeypatch):
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path / "empty-data"))
    folder = secret.parent
    (folder / "three.csv").write_text("1,2,3\ns3cret,HOME=x\n")
    (folder / "text.csv").write_bytes(b"x,y\n\xff\xfe s3cret\n")
    (folder / "pickled.npy").write_bytes(b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, "
                                         b"'shape': (1,), }" + b" " * 60 + b"\n" + b"s3cret")
    (folder / "imgs").mkdir()
    (folder / "imgs" / "a.png").write_bytes(b"s3cret not an image")
    np.savez(folder / "bad.npz", x=np.full((4, 8, 8), 300, np.int32))
    cases = [("points", secret), ("points", folder / "three.csv"), ("points", folder / "text.csv"),
             ("points", folder / "pickled.npy"), ("points", folder / "missing.csv"), ("folder", folder / "imgs"),
             ("folder", folder / "bad.npz"), ("mnist", folder / "nowhere")]
    for name, path in cases:
        with pytest.raises(ValueError) as err:
            load_dataset(name, str(path), download=False)
        assert_public(str(err.value), folder, tmp_path, default_data_dir())


def test_public_text_keeps_only_the_last_part_of_paths():
    text = "OSError: [Errno 28] No space left on device: '/srv/class/runs/2026-ring8/metrics.sqlite'\nTraceback"
    assert public_text(text) == "OSError: [Errno 28] No space left on device: 'metrics.sqlite'"
    assert public_text("lr 1e-3/2 and/or more") == "lr 1e-3/2 and/or more"
    assert len(public_text("x" * 5000)) == 300


# ---- 17.11: hostile nesting, numbers and files: one clear ValueError, never a crash --------------------------
def test_deeply_nested_configs_are_refused_with_a_message():
    with pytest.raises(ValueError, match="nested too deeply"):
        TrainConfig.from_json("[" * 32_000 + "]" * 32_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        TrainConfig.from_json('{"g_hidden": ' + "[" * 32_000 + "]" * 32_000 + "}")
    nested: list = []
    for _ in range(3_000):
        nested = [nested]
    with pytest.raises(ValueError, match="g_hidden=") as err:
        TrainConfig.from_dict({"g_hidden": nested})
    assert len(str(err.value)) < 500


def test_a_checkpoint_whose_config_is_nested_3000_deep_is_refused(tmp_path):
    nested: list = []
    for _ in range(3_000):
        nested = [nested]
    state = torch.load(io.BytesIO(checkpoint()), weights_only=True)
    state["config"]["g_hidden"] = nested
    buf = io.BytesIO()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)   # only to write the hostile file
    try:
        torch.save(state, buf)
    finally:
        sys.setrecursionlimit(limit)
    with pytest.raises(ValueError, match="'deep.pt': its config: g_hidden="):
        uploads.import_checkpoint(buf.getvalue(), "deep.pt", tmp_path / "runs", browser="b")


def test_points_finite_in_float64_but_not_in_float32_are_refused(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("x,y\n5e307,-5e307\n1,2\n3,4\n")
    with pytest.raises(ValueError, match="only finite numbers"):
        load_dataset("points", str(path))


# ---- 17.9: declared sizes checked before anything is allocated ------------------------------------------------
def npy_header(shape, dtype="<f4") -> bytes:
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}".encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def test_an_npy_header_claiming_97_gib_is_refused_unallocated(tmp_path):
    path = tmp_path / "huge.npy"
    path.write_bytes(npy_header((26_000_000_000, 2)) + b"\0" * 64)
    with pytest.raises(ValueError, match="declares an array of shape"):
        load_dataset("points", str(path))
    path = tmp_path / "imgs.npy"
    path.write_bytes(npy_header((100_000, 3, 1024, 1024), "|u1") + b"\0" * 64)
    with pytest.raises(ValueError, match="declares an array of shape"):
        load_dataset("folder", str(path))
    path.write_bytes(npy_header((10, 28, 28), "|u1") + b"\0" * 100)     # shorter than it claims
    with pytest.raises(ValueError, match="truncated"):
        load_dataset("folder", str(path))


def test_a_deflated_npz_of_zeros_is_refused_from_its_headers(tmp_path, monkeypatch):
    path = tmp_path / "zeros.npz"
    n = 420   # 420 x 1024 x 1024 bytes of zeros: 420 MB unpacked, 2 MB deflated
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("x.npy", "w", force_zip64=True) as member:
            member.write(npy_header((n, 1024, 1024), "|u1"))
            block = bytes(2**20)
            for _ in range(n):
                member.write(block)
    assert path.stat().st_size < 5 * 2**20
    loads = []
    real = np.load
    monkeypatch.setattr(np, "load", lambda *a, **k: loads.append(a) or real(*a, **k))
    with pytest.raises(ValueError, match=r"zeros\.npz: x is 420 MB unpacked; allowed: at most 400 MB"):
        load_dataset("folder", str(path))
    assert loads == []   # refused from the zip's directory, before numpy allocated anything


def test_a_checkpoint_config_that_builds_huge_networks_is_refused_before_building(tmp_path, monkeypatch):
    built = []
    real = runs.Trainer

    def spy(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "Trainer", spy)
    raw = checkpoint(g_hidden=[4096] * 8, d_hidden=[4096] * 8)
    with pytest.raises(ValueError, match="its generator holds .* weights but its config builds one of"):
        uploads.import_checkpoint(raw, "big.pt", tmp_path / "runs", browser="b")
    assert built == [] and store.list_runs(tmp_path / "runs") == []


def test_a_checkpoint_fixed_noise_of_another_shape_is_refused(tmp_path):
    state = torch.load(io.BytesIO(checkpoint()), weights_only=True)
    for noise in (torch.zeros(50_000, 2), torch.zeros(64, 3), "noise"):
        buf = io.BytesIO()
        torch.save({**state, "fixed_noise": noise}, buf)
        with pytest.raises(ValueError, match=r"fixed_noise has shape .*allowed: \(64, latent_dim=2\)"):
            uploads.import_checkpoint(buf.getvalue(), "noise.pt", tmp_path / "runs", browser="b")
    assert store.list_runs(tmp_path / "runs") == []


def test_a_good_checkpoint_still_imports(tmp_path):
    run_dir = uploads.import_checkpoint(checkpoint(), "ok.pt", tmp_path / "runs", browser="b")
    trainer = runs.load_trainer(run_dir, roots=browser_roots(tmp_path / "runs"))
    with torch.no_grad():
        assert trainer.step_count == 1 and math.isfinite(float(trainer.generator(trainer.fixed_noise).sum()))


def test_the_cli_refuses_a_deeply_nested_config_and_bench_seconds_that_never_end(tmp_path, capsys):
    from gan_core.cli import main

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 32_000 + "]" * 32_000)
    assert main(["train", "--config", str(deep), "--steps", "1"]) == 2
    for seconds in ("nan", "-1", "inf", "0"):
        assert main(["bench", "--seconds", seconds]) == 2, seconds
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "--seconds nan is out of range" in err and "--seconds -1 is out" in err
    assert "Traceback" not in err and not (tmp_path / "runs").exists()
