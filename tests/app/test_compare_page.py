"""The Compare page in AppTest: runs on disk overlaid (evaluated 2-D runs and an image run with sample grids),
the final-figures table, the samples at one step side by side, and the pure helpers behind them."""
import numpy as np
from apptest_helpers import disk_run, open_app

from gan_core import TrainConfig
from ui import compare_charts as cc
from ui import run_names

PAGE = "pages/compare.py"


def ring(**kw) -> TrainConfig:
    return TrainConfig.for_dataset("ring8", **{**dict(g_hidden=[32, 32], d_hidden=[32, 32], n_points=2000,
                                                      batch_size=64, max_steps=300, eval_every=100,
                                                      snapshot_every=100, device="cpu", threads=1), **kw})


def digits() -> TrainConfig:
    return TrainConfig.for_dataset("digits", g_hidden=[32], d_hidden=[32], latent_dim=8, batch_size=32,
                                   max_steps=40, snapshot_every=10, eval_every=10**6, device="cpu", threads=1)


def test_no_runs_says_what_to_do():
    at = open_app(PAGE)
    assert at.info and not at.exception


def test_two_ring_runs_and_an_image_run(runs_dir):
    slow = disk_run(runs_dir, ring(lr_g=1e-4, lr_d=1e-4), evaluate=True)
    fast = disk_run(runs_dir, ring(), evaluate=True)
    grid = disk_run(runs_dir, digits())
    at = open_app(PAGE, run=slow)
    assert not at.exception, at.exception
    picker = at.multiselect(key="compare_pick")
    assert picker.value[0] == slow and len(picker.value) == 3        # the current run, then the two newest
    metrics = at.multiselect(key="compare_metrics")
    assert "modes covered" in metrics.options and "hq_fraction" in metrics.value   # evaluations come first
    table = at.dataframe[0].value
    assert list(table["run"]) == picker.value and len(table) == 3
    ring_rows = table[table["dataset"] == "ring8"]
    assert ring_rows["modes covered"].notna().all() and (ring_rows["steps"] == 300).all()
    assert table[table["run"] == grid]["modes covered"].isna().all()          # no evaluation, no number
    assert "JS divergence (bits)" in table.columns and "best JS divergence (bits)" in table.columns
    captions = " ".join(c.value for c in at.caption)
    names = run_names.names([slow, fast, grid])                               # readable names, not cut ids
    assert f"{names[grid]} · step 40" in captions                            # the image run's last grid
    assert f"{names[fast]}: no sample grid" in captions                      # 2-D runs: their plane instead
    at.select_slider(key="compare_step").set_value(20).run()
    assert f"{names[grid]} · step 20" in " ".join(c.value for c in at.caption)
    picker.set_value([fast]).run()
    assert len(at.dataframe[0].value) == 1 and not at.exception


def test_compare_helpers():
    a = {"step": np.array([0, 100, 200]), "fid": np.array([np.nan, 40.0, 30.0]), "loss_d": np.ones(3)}
    b = {"step": np.array([0, 100]), "fid": np.array([np.nan, np.nan]), "loss_d": np.zeros(2)}
    assert cc.available([a, b]) == ["fid", "loss_d"]
    fig = cc.compare_figure([("a", a), ("b", b)], ["fid", "loss_d"])
    assert [d["name"] for d in fig["data"]] == ["a", "b", "a", "b"]
    assert fig["data"][0]["showlegend"] and not fig["data"][2]["showlegend"] and "yaxis2" in fig["layout"]
    assert list(fig["data"][0]["y"]) == [40.0, 30.0]                             # NaN rows dropped
    rows = cc.final_rows([("a", {"dataset": "digits"}, {"state": "finished", "step": 200}, a)], ["fid"])
    assert rows[0]["FID"] == 30.0 and rows[0]["best FID"] == 30.0 and rows[0]["steps"] == 200
    assert cc.nearest_at_or_before([10, 20, 30], 25) == 20 and cc.nearest_at_or_before([10, 20], 5) == 10
    assert cc.nearest_at_or_before([], 5) is None


def test_a_run_without_the_first_metric_still_has_a_legend_entry():
    a = {"step": np.array([0, 100]), "fid": np.array([50.0, 40.0]), "loss_d": np.ones(2)}
    c = {"step": np.array([0, 100]), "loss_d": np.zeros(2)}                    # never evaluated: no fid at all
    fig = cc.compare_figure([("a", a), ("c", c)], ["fid", "loss_d"])
    assert [d["name"] for d in fig["data"] if d["showlegend"]] == ["a", "c"]


def test_samples_of_different_steps_say_so_and_chips_show_the_translated_state(runs_dir):
    every_10 = disk_run(runs_dir, digits())
    every_15 = disk_run(runs_dir, digits().replace(snapshot_every=60))   # early views every 60 // 4 = 15 steps
    at = open_app(PAGE, run=every_10)
    assert not [w for w in at.warning if "not from the same step" in w.value]   # the default: a common step
    at.select_slider(key="compare_step").set_value(20).run()
    captions = " ".join(c.value for c in at.caption)
    names = run_names.names([every_10, every_15])    # the same settings but for snapshot_every: told apart by id
    assert names[every_10] != names[every_15] and names[every_10].endswith(f"#{every_10[-4:]}")
    assert f"{names[every_10]} · step 20" in captions and f"{names[every_15]} · step 15" in captions
    assert any("not from the same step (15, 20)" in w.value for w in at.warning)
    zh = open_app(PAGE, lang="zh", run=every_10)
    assert all(o.endswith("· 已完成") for o in zh.multiselect(key="compare_pick").options)
