"""The Train page in AppTest: buttons call the session, live knobs change it, bad values show st.error."""
from apptest_helpers import click, open_app, poll, set_knob, stop, tiny

from gan_core.config import list_presets
from ui import controls, run_names, run_reads, server

TRAIN = "pages/train.py"


def _session(at):
    return server.registry().get(at.session_state["run"])


def _running(rerun: bool = True):
    """The Train page with a tiny run started from it and training; ``rerun``: once more, so the buttons and the
    form know that it runs."""
    at = tiny(open_app(TRAIN))
    click(at, "btn_start")
    sess = _session(at)
    assert poll(at, lambda: sess.snapshot().state == "running")
    if rerun:
        at.run()
    return at, sess


def test_renders_without_runs():
    at = open_app(TRAIN)
    assert any("Start" in b.label for b in at.button)
    assert at.info, "an empty runs folder says what to do"


def test_start_pause_step_stop():
    at = tiny(open_app(TRAIN))
    click(at, "btn_start")
    sess = _session(at)
    assert sess is not None and at.query_params["run"] == [sess.run_id] or at.query_params["run"] == sess.run_id
    assert [s.value for s in at.toast] == [f"Started run {run_names.name_of(sess.run_id)}."], at.toast
    assert not at.success, "a confirmation is a toast, not a box that stays above the charts"
    assert poll(at, lambda: sess.snapshot().state == "running" and sess.snapshot().step > 0)
    at.run()  # the buttons drawn now know that it runs
    click(at, "btn_pause")
    assert poll(at, lambda: sess.snapshot().state == "paused")
    before = sess.snapshot().step
    at.number_input(key="step_n").set_value(5).run()
    click(at, "btn_step")
    assert poll(at, lambda: sess.snapshot().step == before + 5 and sess.snapshot().state == "paused")
    stop(at)
    assert sess.wait(10) and sess.snapshot().state == "stopped"


def test_stop_asks_first_and_cancel_keeps_the_run_training():
    at, sess = _running()
    click(at, "btn_stop")
    assert at.button(key="btn_confirm_stop"), "Stop opens its confirm step"
    assert any("ends here for good" in m.value for m in at.markdown)
    assert sess.snapshot().state == "running", "nothing stops before the confirm"
    click(at, "btn_cancel_stop")
    at.run()
    assert not [b for b in at.button if b.key == "btn_confirm_stop"], "Cancel closes it for good"
    assert sess.snapshot().state == "running"
    stop(at)
    assert sess.wait(10) and sess.snapshot().state == "stopped"


def test_live_knob_updates_the_running_session_and_leaves_a_marker():
    at, sess = _running()  # rerun once active: the form locks its non-live knobs
    assert next(w for w in at.selectbox if w.key == "k.model").disabled
    set_knob(at, "lr_g", 0.005)
    assert [s.value for s in at.toast] == ["lr_g = 0.005 applied to the running model."], at.toast   # it fades
    assert not at.success, "a confirmation is a toast, not a box that stays on the page"
    assert sess.config.lr_g == 0.005
    assert poll(at, lambda: any(e["kind"] == "update" and "lr_g" in e["detail"] for e in sess.events()))


def test_bad_value_shows_error_without_exception():
    at = open_app(TRAIN)
    set_knob(at, "g_hidden", "12a,x")
    assert any("g_hidden" in e.value for e in at.error)
    click(at, "btn_start")
    assert any("g_hidden" in e.value for e in at.error)
    assert not server.registry().sessions()


def test_preset_fills_the_knobs_and_shows_its_description():
    at = open_app(TRAIN)
    at.selectbox(key="preset").set_value("quadratic-classic").run()
    assert not at.exception
    assert at.session_state["form"]["dataset"] == "quadratic"
    assert any("y = 10 + x^2" in c.value for c in at.caption)


def test_language_switch_translates_labels_and_preset_descriptions():
    at = open_app(TRAIN)  # AppTest drops the sidebar on reruns under st.navigation: switch first
    at.segmented_control(key="lang_picker").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "训练" and at.query_params["lang"] in ("zh", ["zh"])
    names = ["__custom__", *controls.preset_order(list_presets())]   # the picker's order
    at.selectbox(key="preset").select_index(names.index("quadratic-classic")).run()
    assert any("第1课" in c.value for c in at.caption)
    assert any(b.label == "开始" for b in at.button)


def test_dataset_change_loads_its_defaults():
    at = open_app(TRAIN)
    set_knob(at, "dataset", "grid25")
    assert at.session_state["form"]["g_hidden"] == [256, 256, 256]


def test_a_zoomed_window_comes_at_full_resolution():
    import numpy as np

    at = tiny(open_app(TRAIN), log_every=1)
    click(at, "btn_start")
    sess = _session(at)
    assert poll(at, lambda: len(sess.series(max_points=10**6)["step"]) >= 200, timeout=60)
    sess.pause()
    overview = run_reads.series(sess.run_id, max_points=20)
    lo = float(overview["step"][5]) + 1
    hi = lo + 5  # between two rows of the overview (they are ~10 steps apart)
    assert ((overview["step"] >= lo) & (overview["step"] <= hi)).sum() <= 1
    zoomed = run_reads.series(sess.run_id, max_points=20, zoom=(lo, hi))
    inside = (zoomed["step"] >= lo) & (zoomed["step"] <= hi)
    assert inside.sum() == hi - lo + 1, "every logged step of the window"
    assert np.isfinite(zoomed["loss_d"][inside]).all() and np.all(np.diff(zoomed["step"]) > 0)
    assert zoomed["step"][0] == overview["step"][0] and zoomed["step"][-1] >= overview["step"][-1]


def test_collapse_alarm_shows_evidence_and_advice_in_both_languages():
    """The evaluator's alarm (a real one needs minutes of a collapsing run) reaches the page: what fell, which
    modes vanished, what to try; the latest evaluation's figures in one line."""
    at, sess = _running(rerun=False)
    sess.pause()
    assert poll(at, lambda: sess.snapshot().state == "paused")
    alarm = {"kind": "modes", "lost": [3, 6], "best": 8, "now": 6, "best_step": 1000, "step": 3000,
             "message": "2 modes lost"}
    evaluation = {"step": 3000, "modes_covered": 6.0, "hq_fraction": 0.8, "js": 0.25,
                  "mode_counts": [100, 90, 80, 0, 100, 90, 0, 100]}
    sess._publish(alarm=alarm, evaluation=evaluation)
    at.run()
    warning = " ".join(w.value for w in at.warning)
    assert "Mode collapse?" in warning and "from 8 (step 1,000) to 6 (step 3,000)" in warning
    assert "mode 3, mode 6" in warning and "WGAN-GP" in warning and "minibatch standard deviation" in warning
    assert any("modes covered 6/8" in c.value and "high quality 80%" in c.value for c in at.caption)
    stop(at)
    # the same texts in Chinese (AppTest drops the sidebar's language switch on reruns: call the builders)
    from ui.panels import alarm_text, quality_text
    zh = alarm_text(alarm, "ring8", lang="zh")
    assert "模式崩溃" in zh and "模式 3, 模式 6" in zh and "小批量标准差" in zh and "第 1,000 步" in zh
    assert "覆盖模式 6/8" in quality_text(evaluation, lang="zh")
    fashion = alarm_text({**alarm, "kind": "classes", "best": 3.2, "now": 1.1, "lost": [1, 9]}, "fashion_mnist")
    assert "3.20 bits" in fashion and "1 (Trouser), 9 (Ankle boot)" in fashion


def test_the_few_modes_alarm_says_how_few_and_since_when_in_both_languages():
    """A run collapsed from its start (metrics.collapse_alarm's "few_modes"): no "fell from" (there was no better
    evaluation), the count of the data's modes covered and the evaluations it held for, then the advice."""
    from gan_core.metrics import collapse_alarm
    from ui.panels import alarm_text

    row = {"modes_covered": 1, "hq_fraction": 0.95, "mode_counts": [0, 0, 300, 0, 0, 0, 0, 0]}
    alarm = collapse_alarm([{**row, "step": 500}, {**row, "step": 1000}])
    en = alarm_text(alarm, "ring8", lang="en")
    assert "Mode collapse?" in en and "only 1 of the 8 modes" in en and "from step 500 to step 1,000" in en
    assert "fell" not in en and "WGAN-GP" in en
    zh = alarm_text(alarm, "ring8", lang="zh")
    assert "模式崩溃" in zh and "8 个模式中的 1 个" in zh and "第 500 步到第 1,000 步" in zh


def test_a_finished_run_shows_its_last_collapse_alarm(runs_dir):
    from apptest_helpers import disk_run

    from gan_core import TrainConfig
    from gan_core.runtime import store

    run = disk_run(runs_dir, TrainConfig.for_dataset("ring8", g_hidden=[16], d_hidden=[16], n_points=500,
                                                     batch_size=32, max_steps=20, device="cpu", threads=1))
    with store.RunStore(runs_dir / run) as s:
        s.log_event(20, "collapse", {"kind": "modes", "lost": [2, 5, 7], "best": 8, "now": 5, "best_step": 10,
                                     "step": 20})
    at = open_app(TRAIN, run=run)
    warning = " ".join(w.value for w in at.warning)
    assert "from 8 (step 10) to 5 (step 20)" in warning and "mode 2, mode 5, mode 7" in warning


def test_a_classmate_watches_but_cannot_stop_or_retune_and_takes_over_only_a_left_run():
    owner = tiny(open_app(TRAIN))
    click(owner, "btn_start")
    sess = _session(owner)
    assert poll(owner, lambda: sess.snapshot().state == "running")
    lr = sess.config.lr_g
    other = open_app(TRAIN, run=sess.run_id)                 # another browser, through the run's link
    assert any("read-only" in i.value for i in other.info)
    assert other.button(key="btn_stop").disabled and other.button(key="btn_pause").disabled
    assert not [b for b in other.button if b.key == "btn_take_over"], "no take-over while the owner trains it"
    assert next(w for w in other.select_slider if w.key == "k.lr_g").disabled   # no knob reaches the run
    assert sess.config.lr_g == lr and sess.snapshot().state == "running"
    before = sess.last_seen
    other.run()                                               # watching does not keep the run alive
    assert sess.last_seen == before
    assert server.registry().pause_idle(now=sess.last_seen + 10**6) == [sess.run_id]   # the owner left
    assert poll(other, lambda: sess.owner_left())
    click(other, "btn_take_over")
    assert other.button(key="btn_stop").disabled, "taking over asks first"
    assert any("whose owner has left" in m.value for m in other.markdown)
    click(other, "btn_confirm_take_over")
    assert not other.button(key="btn_stop").disabled
    stop(other)
    assert sess.wait(10) and sess.snapshot().state == "stopped"


def test_a_data_root_outside_the_data_folders_is_refused():
    at = open_app(TRAIN)
    set_knob(at, "dataset", "folder")
    set_knob(at, "data_root", "../../../etc")
    assert any("(`data_root`) = `'../../../etc'`" in e.value and "outside" in e.value for e in at.error)
    click(at, "btn_start")
    assert not server.registry().sessions(), "nothing started"
