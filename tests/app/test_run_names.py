"""Readable run names (issue 13 item 2): made from the preset or dataset and the knobs that differ, editable, used
in the run picker, legends, captions and on Compare; the id stays in the URL."""
from apptest_helpers import disk_run, open_app

from gan_core import TrainConfig
from gan_core.config import load_preset
from ui import run_names

TRAIN = "pages/train.py"
SMALL = dict(max_steps=5, device="cpu", threads=1)


def test_a_name_is_the_nearest_preset_or_dataset_and_what_differs():
    collapse = load_preset("ring8-collapse").to_dict()
    assert run_names.auto_name(collapse) == "ring8-collapse"
    assert run_names.auto_name({**collapse, "seed": 1, "max_steps": 900}) == "ring8-collapse · seed 1"
    assert run_names.auto_name({**collapse, "lr_d": 0.002, "seed": 1}) == "ring8-collapse · lr_d 0.002 · seed 1"
    assert run_names.auto_name(TrainConfig.for_dataset("grid25").to_dict()) == "grid25"
    many = TrainConfig.for_dataset("spiral", lr_g=0.005, lr_d=0.002, d_steps=2, g_steps=3, batch_size=64).to_dict()
    assert run_names.auto_name(many) == "spiral · lr_g 0.005 · lr_d 0.002 · d_steps 2 · +2"
    assert "/" not in run_names.auto_name(TrainConfig.for_dataset("points", data_root="/srv/up/a.csv").to_dict())
    assert run_names.clean("  my\nrun\x00 " + "x" * 100) == ("my run " + "x" * 100)[:run_names.MAX_LEN]


def test_names_in_the_picker_and_on_compare_and_a_name_a_student_gives(runs_dir):
    cfg = load_preset("ring8-collapse").replace(seed=1, **SMALL)
    one, two = disk_run(runs_dir, cfg), disk_run(runs_dir, cfg)
    picker = open_app(TRAIN, run=one).selectbox(key="run_picker")
    assert any(f"· ring8-collapse · seed 1 · #{one[-4:]} · finished" in o for o in picker.options)
    at = open_app(TRAIN, run=one)
    assert at.query_params["run"] in (one, [one])                    # the id stays the address
    box = at.text_input(key=f"run_name.{one}")
    assert box.placeholder.startswith("ring8-collapse")
    box.set_value("high lr_g\tcollapse").run()
    assert not at.exception and (runs_dir / one / "name.txt").read_text().strip() == "high lr_g collapse"
    assert "This run is now called high lr_g collapse." in " ".join(s.value for s in at.toast)
    labels = open_app(TRAIN, run=one).selectbox(key="run_picker").options
    assert any(" · high lr_g collapse · " in o for o in labels) and not any(one in o for o in labels)
    compare = open_app("pages/compare.py", run=one)
    assert any(o.startswith("high lr_g collapse · ") for o in compare.multiselect(key="compare_pick").options)
    table = compare.dataframe[0].value
    assert table.columns[0] == "name" and "high lr_g collapse" in list(table["name"])
    assert list(table["run"]) == compare.multiselect(key="compare_pick").value   # ids kept beside the names
    at.text_input(key=f"run_name.{one}").set_value("").run()           # empty: back to the automatic name
    assert not (runs_dir / one / "name.txt").exists() and run_names.name_of(one).startswith("ring8-collapse")
    assert run_names.names([one, two])[one] != run_names.names([one, two])[two]
