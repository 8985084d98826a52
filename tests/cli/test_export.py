"""Interop: a run as TensorBoard events (read back with tensorboard's own reader), the metrics as a pandas
DataFrame, and the notebook example docs/notebook.py, executed."""
from __future__ import annotations

import importlib.util
import json
import math
import os
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from waiting import wait_for

from gan_core.cli import main
from gan_core.config import TrainConfig
from gan_core.runtime.session import TrainingSession
from gan_core.runtime.store import metrics_frame, read_metrics

ROOT = Path(__file__).resolve().parents[2]
HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory) -> Path:
    """A short digits run with samples, a knob change and an evaluation-free metrics table."""
    cfg = TrainConfig.for_dataset("digits", g_hidden=[16], d_hidden=[16], batch_size=32, max_steps=20,
                                  log_every=2, snapshot_every=10, eval_every=1000)
    session = TrainingSession(cfg, run_dir=tmp_path_factory.mktemp("runs") / "digits-run")
    session.start()
    assert wait_for(lambda: session.snapshot().step >= 4, timeout=120)   # a change once training runs: an event
    session.update(lr_g=1.5e-4)
    assert session.wait(120) and session.snapshot().state == "finished"
    return Path(session.run_dir)


def test_metrics_frame_has_one_row_per_step_and_a_column_per_metric(digits_run):
    frame = metrics_frame(digits_run)
    columns = read_metrics(digits_run)
    assert frame.index.name == "step" and frame.index.is_unique and frame.index.is_monotonic_increasing
    assert list(frame.index) == sorted(set(columns["step"].tolist()))
    assert {"time", "loss_d", "loss_g", "d_real", "d_fake"} <= set(frame.columns)
    assert frame["loss_d"].notna().all() and np.allclose(frame["loss_d"].to_numpy(), columns["loss_d"])
    assert list(metrics_frame(digits_run, keys=["loss_g"]).columns) == ["time", "loss_g"]


def test_export_without_tensorboard_says_how_to_install_it(digits_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorboard", None)           # `import tensorboard` now fails
    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard", raising=False)
    assert main(["export", str(digits_run), "--tensorboard", str(tmp_path / "tb")]) == 2
    err = capsys.readouterr().err
    assert "pip install tensorboard" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "tb").exists()


def test_export_refuses_what_is_not_a_run(tmp_path, capsys):
    assert main(["export", str(tmp_path), "--tensorboard", str(tmp_path / "tb")]) == 2
    assert "is not a run folder" in capsys.readouterr().err
    assert main(["export", str(tmp_path)]) == 2
    assert "--tensorboard DIR" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_TENSORBOARD, reason="tensorboard is not installed (optional: pip install tensorboard)")
def test_export_writes_scalars_events_samples_and_hparams_tensorboard_reads_back(digits_run, tmp_path, capsys):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logdir = tmp_path / "class"
    for _ in range(2):   # exporting again replaces the first export instead of doubling its points
        assert main(["export", str(digits_run), "--tensorboard", str(logdir)]) == 0
        result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (run,) = result["runs"]
    assert run["logdir"] == str(logdir / digits_run.name)
    acc = EventAccumulator(run["logdir"], size_guidance={"scalars": 0, "images": 0, "tensors": 0}).Reload()
    columns = read_metrics(digits_run)
    loss = acc.Scalars("loss/loss_d")
    assert [e.step for e in loss] == columns["step"].tolist()
    assert np.allclose([e.value for e in loss], columns["loss_d"], rtol=1e-6)
    assert math.isclose(loss[0].wall_time, columns["time"][0], rel_tol=1e-9)
    pngs = sorted((digits_run / "samples").glob("step_*.png"))
    images = acc.Images("samples")
    assert len(pngs) >= 2 and [e.step for e in images] == [int(p.stem.split("_")[1]) for p in pngs]
    assert run["images"] == len(pngs) and run["scalars"] == sum(len(acc.Scalars(t)) for t in acc.Tags()["scalars"]
                                                                 if not t.startswith("hparam/"))
    texts = [e.tensor_proto.string_val[0].decode() for e in acc.Tensors("events/text_summary")]
    assert any("update" in t and "lr_g" in t for t in texts) and len(texts) == run["events"]
    assert acc.Scalars("hparam/loss_g")[-1].value == pytest.approx(float(columns["loss_g"][-1]))
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = acc.PluginTagToContent("hparams")
    data = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hp = data.session_start_info.hparams
    assert hp["dataset"].string_value == "digits" and hp["batch_size"].number_value == 32
    assert json.loads(hp["g_hidden"].string_value) == [16]


def test_notebook_example_trains_reads_a_dataframe_and_plots(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_NOTEBOOK_STEPS", "60")
    monkeypatch.chdir(tmp_path)
    ns = runpy.run_path(str(ROOT / "docs" / "notebook.py"), run_name="__main__")
    frame, fig = ns["frame"], ns["fig"]
    assert ns["session"].snapshot().state == "finished" and frame.index.max() == 60
    assert frame["loss_d"].notna().sum() >= 5 and Path(ns["session"].run_dir).is_relative_to(os.environ["GAN_RUNS_DIR"])
    drawn = {trace.name: np.asarray(trace.y, dtype=float) for trace in fig.data}
    assert {"loss_d", "loss_g"} <= set(drawn)
    assert np.allclose(drawn["loss_d"], frame["loss_d"].dropna().to_numpy(), equal_nan=True)
