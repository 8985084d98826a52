import numpy as np

from gan_core.runtime.series import SeriesBuffer


def test_sparse_metrics_survive_downsampling():
    buf = SeriesBuffer()
    for step in range(1, 5001):
        row = {"loss_d": float(step)}
        if step % 500 == 0:
            row["fid"] = 100.0 / step  # an evaluation every 500 steps
        buf.append(step, row)
    out = buf.get(["loss_d", "fid"], max_points=100)
    assert np.isfinite(out["fid"]).sum() == 10  # every evaluation is drawn
    assert len(out["step"]) <= 100 + 10 + 1
    assert out["step"][-1] == 5000 and np.all(np.diff(out["step"]) > 0)


def test_late_rows_slot_in_and_reserved_keys_are_dropped():
    buf = SeriesBuffer()
    for step in (10, 20, 30):
        buf.append(step, {"loss_d": 1.0})
    buf.append(20, {"fid": 5.0, "step": 20})  # a late evaluation result at its own step
    buf.append(15, {"fid": 6.0})
    out = buf.get()
    assert out["step"].tolist() == [10, 15, 20, 30]
    assert np.isnan(out["fid"][0]) and out["fid"][1] == 6.0 and out["fid"][2] == 5.0


def test_memory_stays_bounded():
    buf = SeriesBuffer(max_rows=1000)
    for step in range(10_000):
        buf.append(step, {"x": 1.0})
    assert len(buf) <= 1000
    assert buf.get(["x"])["step"][-1] == 9999
