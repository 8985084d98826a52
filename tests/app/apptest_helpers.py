"""AppTest helpers (module ``apptest_helpers``; both test folders have a conftest.py, so import this instead).

The app opened on a page, knobs set by widget key, polling until a condition holds."""
from pathlib import Path

from streamlit.testing.v1 import AppTest
from waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
TINY = {"g_hidden": "16,16", "d_hidden": "16,16", "n_points": 2000, "batch_size": 64}


def open_app(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page and page != "pages/train.py":  # Train is the default page; AppTest.switch_page drops the sidebar
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def set_knob(at: AppTest, name: str, value) -> AppTest:
    """Set a config knob by its widget key, whatever widget it is."""
    for kind in ("number_input", "text_input", "select_slider", "selectbox", "checkbox"):
        for w in getattr(at, kind):
            if w.key == f"k.{name}":
                w.set_value(value).run()
                assert not at.exception, at.exception
                return at
    raise KeyError(name)


def tiny(at: AppTest, **extra) -> AppTest:
    """Shrink the networks and data so a run takes a few seconds at most."""
    for name, value in {**TINY, **extra}.items():
        set_knob(at, name, value)
    return at


def poll(at: AppTest, cond, timeout: float = 20.0):
    """Re-run the app (AppTest's run_every never ticks) until ``cond()`` is true; no exception in between."""
    def rerun():
        at.run()
        assert not at.exception, at.exception
    return wait_for(cond, timeout, every=0.3, between=rerun)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def stop(at: AppTest, key: str = "btn_stop") -> AppTest:
    """Press a page's Stop (the Train page's by default) and confirm it in its dialog."""
    return click(click(at, key), "btn_confirm_stop")


def disk_run(runs_dir, cfg, evaluate: bool = False) -> str:
    """Train ``cfg`` to its end in the runs folder (not in the page's registry): a run on disk. Without
    ``evaluate``, no quality evaluation (images would train a feature classifier first)."""
    from gan_core import TrainingSession
    from gan_core.runtime import store

    kw = {} if evaluate else {"evaluator_factory": lambda trainer: None}
    sess = TrainingSession(cfg, run_dir=store.new_run_dir(cfg.dataset, runs_dir), **kw)
    sess.start()
    assert sess.wait(120) and sess.snapshot().state == "finished", sess.snapshot()
    return sess.run_id


def tiny_cfg(**kw):
    """A ring8 config that trains its 20 steps in a moment (``kw`` overrides)."""
    from gan_core import TrainConfig

    return TrainConfig.for_dataset("ring8", **{"g_hidden": [8], "d_hidden": [8], "n_points": 500, "batch_size": 32,
                                               "max_steps": 20, "log_every": 5, "snapshot_every": 10, **kw})


def ring8_run(runs_dir, steps: int = 20, **kw) -> str:
    """A tiny ring8 run (with its quality evaluation) trained to its end on disk."""
    return disk_run(runs_dir, tiny_cfg(max_steps=steps, **kw), evaluate=True)


TEXT_KINDS = ("error", "warning", "info", "success", "caption", "markdown", "text", "toast", "title", "header",
              "subheader")


def texts(at) -> str:
    """Every message, caption and text the page shows, as one string."""
    return "\n".join(str(e.value) for kind in TEXT_KINDS for e in getattr(at, kind))
