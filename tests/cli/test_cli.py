import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, timeout=180):
    out = subprocess.run([sys.executable, "-m", "gan_core", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("args,needle", [
    (["train", "--set", "dataset=imagenet"], "dataset='imagenet'"),
    (["train", "--set", "lr_g=-1"], "lr_g"),
    (["train", "--set", "lr_g=nan"], "lr_g"),
    (["train", "--set", "batch_size=ten"], "batch_size"),
    (["train", "--set", "nonsense=1"], "nonsense"),
    (["train", "--preset", "nope"], "preset='nope'"),
    (["train", "--steps", "many"], "--steps"),
    (["sample", "/nonexistent", "--out", "x.npy"], "RUN_DIR"),
    (["fly"], "fly"),
    (["train", "--set", "lr_d=inf"], "lr_d"),
    (["train", "--set", "batch_size=1000000"], "batch_size"),
    (["train", "--set", "g_hidden=16,-3"], "g_hidden"),
    (["train", "--set", "latent_dim=0"], "latent_dim"),
    (["train", "--set", "loss=magic"], "loss='magic'"),
    (["train", "--set", "dataset=folder"], "data_root"),
    (["train", "--config", "/nonexistent.json"], "/nonexistent.json"),
    (["sample", "/nonexistent", "--out", "x.npy", "--n", "-5"], "--n"),
    (["robustness", "--dataset", "digits", "--eps", "-1"], "eps"),
    (["shift", "--dataset", "digits", "--shift", "nope"], "nope"),
    (["augment", "--dataset", "digits", "--labels-per-class", "0"], "labels"),
])
def test_bad_input_exits_2_with_one_line(args, needle):
    code, stdout, stderr = cli(*args)
    assert code == 2
    lines = [line for line in stderr.strip().splitlines() if line]
    assert len(lines) == 1, stderr
    assert needle in lines[0]
    assert "Traceback" not in stderr


def test_train_sample_evaluate_presets(tmp_path):
    run = tmp_path / "run"
    code, stdout, stderr = cli("train", "--set", "dataset=ring8", "--set", "g_hidden=32,32", "--set",
                               "d_hidden=32,32", "--set", "loss=nonsaturating", "--set", "d_steps=1", "--set",
                               "threads=1", "--steps", "120", "--out", str(run), "--device", "cpu")
    assert code == 0, stderr
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["status"] == "finished" and result["steps"] == 120
    assert result["run_dir"] == str(run) and result["images_per_second"] > 0
    assert {"loss_d", "loss_g", "d_real", "d_fake"} <= set(result["metrics"])
    for name in ("config.json", "metrics.sqlite", "checkpoints/latest.pt"):
        assert (run / name).exists()
    out = tmp_path / "fake.npy"
    code, stdout, stderr = cli("sample", str(run), "--n", "50", "--out", str(out))
    assert code == 0, stderr
    points = np.load(out)
    assert points.shape == (50, 2) and points.dtype == np.float32
    assert np.abs(points).max() < 10  # dataset coordinates (the ring has radius 2)
    code, stdout, _ = cli("evaluate", str(run))
    assert code == 0
    assert json.loads(stdout.strip().splitlines()[-1])["latest"]["step"] == 120
    code, stdout, _ = cli("presets")
    assert code == 0 and "quadratic-classic" in stdout
    assert "quadratic-classic" in json.loads(stdout.strip().splitlines()[-1])["presets"]


def test_image_samples_are_in_unit_range(tmp_path):
    run = tmp_path / "digits"
    code, _, stderr = cli("train", "--set", "dataset=digits", "--set", "threads=1", "--steps", "5", "--out", str(run))
    assert code == 0, stderr
    out = tmp_path / "d.npy"
    code, _, stderr = cli("sample", str(run), "--n", "8", "--out", str(out), "--seed", "1")
    assert code == 0, stderr
    x = np.load(out)
    assert x.shape == (8, 1, 8, 8) and x.min() >= 0 and x.max() <= 1


def test_a_preset_on_another_dataset_keeps_its_own_model():
    """`--preset mnist-mlp-classic --set dataset=fashion_mnist`: the classic MLP on Fashion-MNIST (the dataset's
    tuned defaults would be a DCGAN), while `--set dataset=X` alone gives X's defaults."""
    from gan_core.cli import build_config

    cfg = build_config("mnist-mlp-classic", None, ["dataset=fashion_mnist"], None, None, None)
    assert (cfg.dataset, cfg.model, cfg.g_hidden, cfg.latent_dim) == ("fashion_mnist", "mlp", [256, 512, 1024], 100)
    assert build_config(None, None, ["dataset=fashion_mnist"], None, None, None).model == "dcgan"
    assert build_config("mnist-mlp-classic", None, ["lr_g=0.001"], None, None, None).dataset == "mnist"


def test_bad_data_device_or_out_leaves_no_run_folder(tmp_path, monkeypatch):
    import torch

    runs = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(runs))
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path / "home"))   # MNIST is nowhere (CI converts it into ~/.cache)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = [(["train", "--set", "dataset=mnist", "--set", f"data_root={tmp_path / 'typo'}"], "data_root"),
             (["train", "--out", str(a_file)], "--out"),
             (["sample", str(tmp_path), "--out", str(tmp_path / "missing" / "x.npy")], "--out")]
    if not torch.cuda.is_available():
        cases.append((["train", "--device", "cuda"], "device='cuda'"))
    for args, needle in cases:
        code, _, stderr = cli(*args, "--steps", "5") if args[0] == "train" else cli(*args)
        assert code == 2 and needle in stderr and "Traceback" not in stderr, (args, stderr)
    assert not runs.exists() or not any(runs.iterdir())
    assert not (tmp_path / "typo").exists()  # a mistyped data_root is not created
