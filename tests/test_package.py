"""The installable package: the wheel's contents, the console scripts in a fresh venv, where an installed copy
writes (the user's folders, never the package), and the file modes of a run folder under the process umask.

The fresh venv (slow test) gets the project's wheel with ``pip install --no-deps`` and borrows the dependencies
from this test environment's site-packages through a ``.pth`` file: a real, separate interpreter prefix with
its own console scripts, without installing torch again. ``pip check`` there proves that this environment
satisfies every ``Requires-Dist`` the wheel declares.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from waiting import wait_for

from gan_core import paths
from gan_core.config import TrainConfig
from gan_core.runtime.session import TrainingSession

ROOT = Path(__file__).resolve().parent.parent
DEV_SITE = Path(sysconfig.get_paths()["purelib"])   # where this environment's torch, streamlit, ... live
POSIX = os.name == "posix"


def _source_copy(dest: Path) -> Path:
    """The files a clone has (tracked and untracked-but-not-ignored), copied so a build leaves no build/ or
    .egg-info in the checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to list the source files")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = _source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(out), str(src)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    (found,) = out.glob("gan_classroom-*.whl")
    return found


def _tracked(pattern: str) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern) if "__pycache__" not in p.parts]


def test_wheel_ships_the_engine_the_dashboard_and_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p: p for p in _tracked("gan_core/**/*.py") + _tracked("ui/**/*.py") + _tracked("ui/locales/*.toml")}
    expected |= {p: "gan_classroom/" + p for p in _tracked("pages/*.py")}
    expected |= {p: "gan_core/presets/" + Path(p).name for p in _tracked("assets/presets/*.json")}
    expected |= {"app.py": "gan_classroom/app.py", ".streamlit/config.toml": "gan_classroom/.streamlit/config.toml",
                 "ui/components/plotly_live/frontend/index.html": "ui/components/plotly_live/frontend/index.html"}
    assert len(expected) > 60 and any(p.startswith("gan_core/presets/") for p in expected.values())
    missing = sorted(src for src, where in expected.items() if where not in names)
    assert not missing, f"not in the wheel (list the package in pyproject.toml): {missing}"
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"gan_classroom", "gan_core", "ui", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    assert not [n for n in names if n.endswith("plotly.min.js")]   # it comes from the plotly package at run time


def test_wheel_metadata_reads_requirements_txt_and_declares_the_console_scripts(wheel):
    z = zipfile.ZipFile(wheel)
    info = next(n.split("/")[0] for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    meta = z.read(f"{info}/METADATA").decode()
    declared = [Requirement(line.split(":", 1)[1]) for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    runtime = sorted(str(r) for r in declared if r.marker is None)
    listed = sorted(str(Requirement(line)) for line in (ROOT / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#"))
    assert runtime == listed and "streamlit" in " ".join(runtime)
    extras = {line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Provides-Extra:")}
    assert extras == {"dev", "ray"}
    dev = [r.name for r in declared if r.marker is not None and r.marker.evaluate({"extra": "dev"})]
    assert "pytest" in dev and "torch" not in dev
    scripts = z.read(f"{info}/entry_points.txt").decode()
    assert "gan-classroom = ui.launch:main" in scripts and "gan-core = gan_core.cli:main" in scripts


def _tree(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under ``folders`` but Python's own bytecode caches: size and modification time."""
    out = {}
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                st = p.stat()
                out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


APPTEST = """
import json
import sys
from streamlit.testing.v1 import AppTest
import gan_core, ui.launch
app = ui.launch.app_path()
at = AppTest.from_file(str(app), default_timeout=120).run()
assert not at.exception, at.exception
loaded = "ui.components.plotly_live" in sys.modules   # the default page imported it
import ui.components.plotly_live as live
print(json.dumps({"app": str(app), "gan_core": gan_core.__file__, "served": live.served_folder().as_posix(),
                  "plotly_live": loaded}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not POSIX, reason="the venv layout (bin/, lib/pythonX.Y) of POSIX systems")
def test_fresh_venv_console_scripts_serve_from_any_folder(wheel, tmp_path):
    venv, home, elsewhere = tmp_path / "venv", tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    (site / "_dev_dependencies.pth").write_text(f"{DEV_SITE}\n")
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GAN_", "XDG_", "PYTHON", "STREAMLIT_")) and k != "VIRTUAL_ENV"}
    env.update(HOME=str(home), OMP_NUM_THREADS="1")

    procs: list[subprocess.Popen] = []

    def start(*cmd, out=subprocess.PIPE) -> subprocess.Popen:
        procs.append(subprocess.Popen([str(c) for c in cmd], cwd=elsewhere, env=env, stdout=out,
                                      stderr=subprocess.STDOUT, text=True))
        return procs[-1]

    def output(proc: subprocess.Popen, timeout: float = 180) -> str:
        out, _ = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, f"{proc.args}: {out[-3000:]}"
        return out

    output(start(py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel))
    output(start(py, "-m", "pip", "check"))
    assert (venv / "bin" / "gan-classroom").is_file() and (venv / "bin" / "gan-core").is_file()
    installed = [site / "gan_core", site / "ui", site / "gan_classroom"]
    before = _tree(installed)
    assert any(p.endswith("gan_classroom/app.py") for p in before)

    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    # the three at once (they mostly wait on imports): the server, a headless run, the app's script in AppTest
    server = start(venv / "bin" / "gan-classroom", "--server.port", port, "--server.address", "127.0.0.1", out=log)
    try:
        train = start(venv / "bin" / "gan-core", "train", "--preset", "quadratic-classic", "--steps", "50")
        script = start(py, "-c", APPTEST)
        result = json.loads(output(train).strip().splitlines()[-1])
        assert result["status"] == "finished" and result["steps"] == 50
        user_runs = home / ".local" / "share" / "gan_classroom" / "runs"
        assert Path(result["run_dir"]).parent == user_runs and (Path(result["run_dir"]) / "config.json").is_file()

        page = json.loads(output(script).strip().splitlines()[-1])
        assert page["app"] == str(site / "gan_classroom" / "app.py") and page["gan_core"].startswith(str(site))
        assert page["plotly_live"] and page["served"].startswith((home / ".cache" / "gan_classroom").as_posix())

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    return r.status == 200 and r.read().strip() == b"ok"
            except OSError:
                return server.poll() is not None   # stop waiting on a server that died
        assert wait_for(healthy, timeout=90) and server.poll() is None, (tmp_path / "server.log").read_text()
    finally:
        for proc in procs:   # the server, and whatever a failed assertion left running
            proc.terminate()
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
    assert _tree(installed) == before   # nothing written into the installed package
    assert not (elsewhere / "runs").exists()


def test_runs_root_outside_a_checkout_is_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("GAN_RUNS_DIR", raising=False)
    assert paths.IS_CHECKOUT and paths.runs_root() == ROOT / "runs"   # this source tree keeps runs/ as ever
    monkeypatch.setattr(paths, "IS_CHECKOUT", False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.runs_root() == tmp_path / "xdg" / "gan_classroom" / "runs"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")   # the XDG spec: relative paths are ignored
    assert paths.runs_root() == tmp_path / ".local" / "share" / "gan_classroom" / "runs"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert paths.runs_root() == tmp_path / "Library" / "Application Support" / "gan_classroom" / "runs"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert paths.runs_root() == tmp_path / "local" / "gan_classroom" / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "mine"))   # the variable still wins
    assert paths.runs_root() == tmp_path / "mine"


def test_plotly_live_serves_a_cache_folder_and_writes_nothing_into_the_package(tmp_path):
    import plotly

    from ui.components import plotly_live

    package = Path(plotly_live.__file__).parent
    before = _tree([package])
    script = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    folder = plotly_live.served_folder(tmp_path / "cache")
    assert folder.parent == tmp_path / "cache" and sorted(p.name for p in folder.iterdir()) == [
        "index.html", "plotly.min.js"]
    assert (folder / "plotly.min.js").read_bytes() == script
    assert (folder / "index.html").read_bytes() == (plotly_live.FRONTEND / "index.html").read_bytes()
    stamp = (folder / "plotly.min.js").stat().st_mtime_ns
    assert plotly_live.served_folder(tmp_path / "cache") == folder                    # made once, then reused
    assert (folder / "plotly.min.js").stat().st_mtime_ns == stamp
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [folder.name]          # no temp folder left over
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    fallback = plotly_live.served_folder(blocked)    # an unwritable cache: a private temporary folder instead
    assert (fallback / "plotly.min.js").read_bytes() == script and not fallback.is_relative_to(tmp_path)
    shutil.rmtree(fallback)
    assert _tree([package]) == before
    served = Path(plotly_live._component.path)       # what the module declared at import
    assert served != plotly_live.FRONTEND and (served / "plotly.min.js").is_file()


def _modes(run_dir: Path) -> dict[str, int]:
    return {p.relative_to(run_dir).as_posix(): p.stat().st_mode & 0o777 for p in [run_dir, *run_dir.rglob("*")]}


@pytest.mark.skipif(not POSIX, reason="POSIX file modes")
@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["umask022", "umask077"])
def test_run_folder_files_follow_the_umask(tmp_path, umask):
    cfg = TrainConfig.for_dataset("digits", g_hidden=[16], d_hidden=[16], batch_size=32, max_steps=12,
                                  log_every=1, snapshot_every=4, checkpoint_every=6, eval_every=1000)
    old = os.umask(umask)
    try:
        session = TrainingSession(cfg, run_dir=tmp_path / "run").start()
        assert session.wait(120)
    finally:
        os.umask(old)
    modes = _modes(tmp_path / "run")
    kinds = {"config.json", "status.json", "metrics.sqlite", "checkpoints/latest.pt"}
    assert kinds <= set(modes) and any(k.startswith("samples/") and k.endswith(".png") for k in modes), modes
    for name, mode in modes.items():
        is_dir = (tmp_path / "run" / name).is_dir()
        assert mode == (0o777 if is_dir else 0o666) & ~umask, f"{name}: {oct(mode)} under umask {oct(umask)}"

