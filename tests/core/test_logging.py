"""The server's log (gan_core/logs.py): one line per event of a run's life, refusals naming key and value, the
level knob (GAN_LOG_LEVEL, --log-level), and a library that configures no handler."""
import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from waiting import wait_for

from gan_core import logs
from gan_core.cli import main as cli_main
from gan_core.config import TrainConfig
from gan_core.runtime import uploads
from gan_core.runtime.registry import RunRegistry
from gan_core.runtime.session import TrainingSession

ROOT = Path(__file__).resolve().parents[2]


def cfg(**kw):
    base = dict(g_hidden=[16], d_hidden=[16], n_points=500, batch_size=32, log_every=1, snapshot_every=5)
    return TrainConfig.for_dataset("ring8", **{**base, **kw})


@pytest.fixture
def lines(caplog):
    """The gan_core log lines (INFO and up) of the test so far, as text."""
    caplog.set_level(logging.INFO, logger="gan_core")
    return lambda: [r.getMessage() for r in caplog.records if r.name.startswith("gan_core")]


@pytest.fixture
def project_loggers():
    """The project's loggers as they were, put back after a test that configures them."""
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers)) for n in logs.LOGGERS}
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


def _one(found, text):
    hits = [line for line in found if text in line]
    assert len(hits) == 1, (text, found)
    return hits[0]


def test_a_finished_run_logs_its_start_and_its_end(runs_dir, lines, caplog):
    s = TrainingSession(cfg(max_steps=20), owner="browser-ab12").start()
    assert s.wait(60) and s.snapshot().state == "finished"
    start = _one(lines(), f"run {s.run_id} started")
    assert "owner=browser-ab12" in start and "dataset=ring8" in start and "max_steps=20" in start
    assert _one(lines(), f"run {s.run_id} finished at step 20")
    assert [r.levelname for r in caplog.records if s.run_id in r.getMessage()] == ["INFO", "INFO"]


def test_a_stopped_run_logs_its_stop(runs_dir, lines):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.snapshot().step > 3)
    s.stop()
    step = s.snapshot().step
    assert "owner=cli" in _one(lines(), f"run {s.run_id} started")
    assert _one(lines(), f"run {s.run_id} stopped at step {step}")


def test_a_failed_run_logs_its_message_as_an_error(runs_dir, lines, caplog, monkeypatch):
    s = TrainingSession(cfg()).start()
    assert wait_for(lambda: s.trainer is not None and s.snapshot().step > 1)

    def boom(*a, **k):
        raise RuntimeError("the GPU caught fire")

    monkeypatch.setattr(s.trainer, "step", boom)
    assert wait_for(lambda: s.snapshot().state == "failed")
    line = _one(lines(), f"run {s.run_id} failed at step")
    assert line.endswith("RuntimeError: the GPU caught fire")
    assert [r.levelname for r in caplog.records if r.getMessage() == line] == ["ERROR"]


def test_a_queued_run_logs_its_wait_and_when_it_gets_its_place(runs_dir, lines):
    reg = RunRegistry(max_running=1, slots=1)
    first = reg.create(cfg()).start()
    assert wait_for(lambda: first.snapshot().state == "running")
    second = reg.create(cfg()).start()
    assert wait_for(lambda: second.snapshot().state == "queued" and second.snapshot().queue_position == 1)
    assert _one(lines(), f"run {second.run_id} waiting in the memory queue (position 1")
    assert not any(f"run {second.run_id} started" in line for line in lines())
    first.stop()
    assert wait_for(lambda: second.snapshot().state == "running")
    assert _one(lines(), f"run {second.run_id} got its place after")
    assert _one(lines(), f"run {second.run_id} started")
    reg.stop_all()


def test_a_refused_config_names_its_key_and_value(runs_dir, lines):
    reg = RunRegistry(max_running=2)
    with pytest.raises(ValueError, match="lr_g"):
        reg.create(cfg(lr_g=100.0), owner="browser-ab12")
    line = _one(lines(), "run refused")
    assert "owner=browser-ab12" in line and "key=lr_g value=100.0" in line
    reg.stop_all()


def test_a_refused_live_change_names_its_key_and_value(runs_dir, lines):
    s = TrainingSession(cfg(), owner="browser-ab12").start()
    assert wait_for(lambda: s.snapshot().state == "running")
    with pytest.raises(ValueError):
        s.update(lr_d=-1.0)
    with pytest.raises(ValueError):
        s.update(model="dcgan")   # not a live knob
    refused = [line for line in lines() if "live change refused" in line]
    assert len(refused) == 2 and all(s.run_id in line for line in refused)
    assert "key=lr_d value=-1.0" in refused[0] and "key=model value='dcgan'" in refused[1]
    s.stop()


def test_a_refused_upload_names_the_file_and_the_key(runs_dir, lines):
    with pytest.raises(ValueError):
        uploads.read_config(json.dumps({"batch_size": 1}).encode(), "mine.json")
    assert "key=batch_size value=1" in _one(lines(), "config upload 'mine.json' refused")
    with pytest.raises(ValueError):
        uploads.save_images([("notes.txt", b"hello")], runs_dir, browser="ab12")
    assert "browser=ab12" in _one(lines(), "images upload 'notes.txt' refused")


def test_a_long_value_is_shortened_in_the_log(runs_dir, lines):
    with pytest.raises(ValueError):
        uploads.read_config(json.dumps({"loss": "x" * 5000}).encode())
    line = _one(lines(), "config upload")
    assert "key=loss" in line and len(line) < 600


def test_log_levels_are_checked(monkeypatch):
    assert logs.parse_level("debug") == logging.DEBUG and logs.parse_level(" Warning ") == logging.WARNING
    for bad in ("loud", "", "10", None):
        with pytest.raises(ValueError) as err:
            logs.parse_level(bad)
        assert f"GAN_LOG_LEVEL={bad!r}" in str(err.value) and "DEBUG, INFO, WARNING, ERROR, CRITICAL" in str(err.value)
    monkeypatch.delenv("GAN_LOG_LEVEL", raising=False)
    assert logs.level_from_env() == logging.INFO
    monkeypatch.setenv("GAN_LOG_LEVEL", "error")
    assert logs.level_from_env() == logging.ERROR
    monkeypatch.setenv("GAN_LOG_LEVEL", "verbose")
    with pytest.raises(ValueError, match="GAN_LOG_LEVEL='verbose' is not allowed"):
        logs.level_from_env()


def test_the_command_line_checks_its_log_level(monkeypatch, capsys, project_loggers):
    monkeypatch.delenv("GAN_LOG_LEVEL", raising=False)
    assert cli_main(["--log-level", "loud", "presets"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --log-level='loud' is not allowed; choose one of: DEBUG, INFO, WARNING, ERROR, "
                   "CRITICAL (any case)"]
    monkeypatch.setenv("GAN_LOG_LEVEL", "nope")
    assert cli_main(["presets"]) == 2
    assert "GAN_LOG_LEVEL='nope'" in capsys.readouterr().err
    assert cli_main(["presets", "--log-level", "warning"]) == 0   # the option wins over the variable
    assert logging.getLogger("gan_core").level == logging.WARNING


def test_configure_writes_each_line_once_and_only_the_projects(project_loggers):
    out = io.StringIO()
    for _ in range(3):   # app.py runs on every interaction
        logs.configure("info", stream=out)
    logging.getLogger("gan_core.runtime.session").info("run x started")
    logging.getLogger("gan_core.runtime.session").debug("not at info")
    logging.getLogger("somebody.else").warning("not ours")
    written = out.getvalue().splitlines()
    if logging.getLogger().handlers:   # pytest's own capture handler on the root logger: the lines go there
        assert written == []
    else:
        assert len(written) == 1 and written[0].endswith("INFO gan_core.runtime.session: run x started")


def test_the_command_line_logs_a_run_on_stderr(tmp_path):
    out = subprocess.run([sys.executable, "-m", "gan_core", "train", "--set", "dataset=ring8", "--set",
                          "g_hidden=16", "--set", "d_hidden=16", "--set", "threads=1", "--steps", "10",
                          "--out", str(tmp_path / "run")], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    err = out.stderr.splitlines()
    assert any(" INFO gan_core.runtime.session: run run started (owner=cli, dataset=ring8" in line for line in err)
    assert any(line.endswith("run run finished at step 10") for line in err), err
    assert json.loads(out.stdout.splitlines()[-1])["status"] == "finished"


def test_importing_gan_core_adds_no_handler():
    code = ("import logging; import gan_core, gan_core.cli, gan_core.runtime.uploads, gan_core.logs; "
            "loggers = [logging.getLogger()] + [logging.getLogger(n) for n in logging.Logger.manager.loggerDict "
            "if n.split('.')[0] in ('gan_core', 'ui')]; "
            "print(sum(len(x.handlers) for x in loggers), logging.getLogger().level, "
            "logging.getLogger('gan_core').level)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", str(logging.WARNING), str(logging.NOTSET)]


def test_the_dashboard_refuses_a_bad_log_level_with_one_message(monkeypatch, project_loggers):
    from streamlit.testing.v1 import AppTest

    from ui import launch

    monkeypatch.setenv("GAN_LOG_LEVEL", "chatty")
    assert launch.main(["--server.port", "1"]) == 2   # before any server starts
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["The server's setting GAN_LOG_LEVEL='chatty' is not allowed; choose one "
                                           "of: DEBUG, INFO, WARNING, ERROR, CRITICAL (any case)"]
    monkeypatch.setenv("GAN_LOG_LEVEL", "warning")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert logging.getLogger("gan_core").level == logging.WARNING
