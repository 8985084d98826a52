"""The dashboard tells the truth at a glance (issue 13): the real state of every run, only the failure of a failed
run, rates of 0 when nothing trains, critic scores named as such, a preset kept across pages, watchers' knobs."""
from apptest_helpers import click, open_app, poll, set_knob, stop, tiny

from gan_core.config import list_presets
from ui import run_reads, server

TRAIN = "pages/train.py"


def _session(at):
    return server.registry().get(at.session_state["run"])


def _label(run_id, **query):
    """The run picker's label of ``run_id`` in a browser that opens the page now (AppTest draws the sidebar on
    an app's first run only)."""
    picker = open_app(TRAIN, run=run_id, **query).selectbox(key="run_picker")
    return picker.options[[r["run_id"] for r in run_reads.run_list()].index(run_id)]


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_the_run_picker_shows_each_runs_real_state_in_both_languages():
    at = tiny(open_app(TRAIN))
    click(at, "btn_start")
    sess = _session(at)
    assert poll(at, lambda: sess.snapshot().state == "running")
    assert "· running" in _label(sess.run_id) and "· 训练中" in _label(sess.run_id, lang="zh")
    stop(at)
    assert sess.wait(10) and sess.snapshot().state == "stopped"
    label = _label(sess.run_id)
    assert "· stopped · " in label and "live" not in label and label.endswith(f"{sess.snapshot().step:,}")
    zh = _label(sess.run_id, lang="zh")
    assert "· 已停止 · " in zh and "进行中" not in zh


def test_a_run_that_fails_at_once_shows_only_its_cause_and_what_to_try(runs_dir):
    from gan_core.paths import uploads_dir

    at = open_app(TRAIN)
    folder = uploads_dir(runs_dir, at.session_state["browser_id"])   # this browser's own uploads
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bad.csv").write_text("x,y\n1,2\nhello,world\n")
    set_knob(at, "dataset", "points")
    set_knob(at, "data_root", "bad.csv")
    click(at, "btn_start")
    sess = _session(at)
    assert poll(at, lambda: sess.snapshot().state == "failed")
    at.run()
    assert not at.success and not at.toast, [s.value for s in [*at.success, *at.toast]]   # no "Started run ..."
    captions = " ".join(c.value for c in at.caption)
    assert "No points yet" not in captions and "Samples appear" not in captions
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "row 3" in errors[0] and "bad.csv" in errors[0]
    assert str(runs_dir) not in errors[0] and "ValueError" not in errors[0]    # one sentence, no server path
    assert any("What to try" in i.value and "Start" in i.value for i in at.info)


def test_the_cause_of_a_failure_is_one_sentence_without_server_paths():
    from ui.panels import cause

    assert cause("ValueError: /srv/runs/_uploads/bad.csv: row 3 'a,b' is not two numbers\nTraceback ...") == \
        "bad.csv: row 3 'a,b' is not two numbers"
    assert cause("RuntimeError: C:\\data\\x\\img.npz holds no images") == "img.npz holds no images"
    assert cause("batch_size=64 does not fit") == "batch_size=64 does not fit"


def test_rates_are_zero_when_paused_or_stopped_and_d_keeps_its_last_verdict_after_a_g_step():
    at = tiny(open_app(TRAIN), log_every=1)
    click(at, "btn_start")
    sess = _session(at)
    assert poll(at, lambda: sess.snapshot().state == "running" and sess.snapshot().steps_per_second > 0)
    at.run()
    click(at, "btn_pause")
    assert poll(at, lambda: sess.snapshot().state == "paused")
    at.run()
    assert sess.snapshot().steps_per_second > 0, "the session keeps its last rate: the page must not show it"
    assert _metric(at, "steps/s") == "0" and _metric(at, "points/s") == "0"
    d_real = _metric(at, "D(x)")
    assert d_real != "–"
    at.segmented_control(key="step_part").set_value("g").run()
    before = sess.snapshot().step
    click(at, "btn_step")
    assert poll(at, lambda: sess.snapshot().step == before + 1 and sess.snapshot().state == "paused")
    at.run()
    assert "d_real" not in sess.snapshot().metrics, "a G-only step logs no D output"
    assert _metric(at, "D(x)") == d_real and _metric(at, "D(G(z))") != "–"
    stop(at)
    assert sess.wait(10) and sess.snapshot().state == "stopped"
    at.run()
    assert _metric(at, "steps/s") == "0"


def test_wgan_shows_critic_scores_not_d_of_x():
    at = tiny(open_app(TRAIN))
    set_knob(at, "loss", "wgan_gp")
    click(at, "btn_start")
    sess = _session(at)
    assert poll(at, lambda: sess.snapshot().state == "running" and "d_real" in sess.snapshot().metrics)
    at.run()
    labels = [m.label for m in at.metric]
    assert "Critic(x)" in labels and "Critic(G(z))" in labels and "D(x)" not in labels
    stop(at)


def test_the_preset_survives_a_page_switch_and_presets_come_in_lesson_order():
    at = open_app(TRAIN)
    at.selectbox(key="preset").set_value("ring8-collapse").run()
    at.switch_page("pages/live_curves.py").run()
    at.switch_page(TRAIN).run()
    assert not at.exception
    assert at.selectbox(key="preset").value == "ring8-collapse"
    presets = list_presets()
    options = at.selectbox(key="preset").options[1:]
    lessons = [int(o.split("Lesson ")[-1]) for o in options]
    assert lessons == sorted(lessons) and options[0].startswith("quadratic-classic")
    assert len(options) == len(presets)


def test_a_watcher_sees_the_knobs_disabled_with_the_reason():
    owner = tiny(open_app(TRAIN))
    click(owner, "btn_start")
    sess = _session(owner)
    assert poll(owner, lambda: sess.snapshot().state == "running")
    other = open_app(TRAIN, run=sess.run_id)
    knobs = [w for kind in ("number_input", "text_input", "select_slider", "selectbox", "checkbox")
             for w in getattr(other, kind) if (w.key or "").startswith("k.")]
    assert len(knobs) > 10 and all(w.disabled for w in knobs), [w.key for w in knobs if not w.disabled]
    assert any("another browser trains" in c.value for c in other.caption)
    owner.run()
    assert not next(w for w in owner.select_slider if w.key == "k.lr_g").disabled, "the owner still re-tunes"
    stop(owner)


def test_select_knobs_show_translated_values_in_chinese():
    at = open_app(TRAIN, lang="zh")
    loss = at.selectbox(key="k.loss")
    assert "非饱和 (nonsaturating)" in loss.options and loss.value in ("minimax", "nonsaturating", "wgan_gp")
    assert any("(ring8)" in o for o in at.selectbox(key="k.dataset").options)
    en = open_app(TRAIN)
    assert "nonsaturating" in en.selectbox(key="k.loss").options


def test_without_lang_the_browsers_language_is_used(monkeypatch):
    import streamlit as st

    from ui.i18n import from_locale

    assert from_locale("zh-CN") == from_locale("zh-Hant-TW") == from_locale("zh") == "zh"
    assert from_locale("en-GB") == from_locale(None) == from_locale("fr-FR") == "en"
    monkeypatch.setattr(type(st.context), "locale", property(lambda self: "zh-CN"))
    at = open_app(TRAIN)
    assert at.title[0].value == "训练" and at.query_params["lang"] in ("zh", ["zh"])
    assert open_app(TRAIN, lang="en").title[0].value == "Train"          # ?lang= still wins


def test_the_checkpoint_uploader_has_a_translated_caption():
    at = open_app(TRAIN, lang="zh")
    assert any("浏览文件" in c.value and "50 MB" in c.value for c in at.caption)


def test_before_start_the_plane_previews_the_real_data_and_the_curves_have_frames():
    import json

    at = open_app(TRAIN)
    assert any("Preview: the real data (ring8)" in m.value for m in at.markdown)
    specs = [json.loads(c.proto.json_args)["spec"] for c in at.get("component_instance")]
    plane = next(json.loads(s) for s in specs if '"scaleanchor"' in s)
    assert plane["data"][0]["name"] == "real" and plane["layout"]["xaxis"]["range"][0] < -2   # ring8: radius 2
    curves = next(json.loads(s) for s in specs if '"yaxis2"' in s)
    assert {d["yaxis"] for d in curves["data"]} == {"y", "y2"}, "both panels draw their axes"
    set_knob(at, "dataset", "digits")
    assert not any("Preview" in m.value for m in at.markdown)                 # images: no plane to preview
