"""``gan-classroom``: serve the dashboard from any folder, from a source checkout or an installed package.

``gan-classroom [OPTIONS]`` is ``streamlit run <app.py> [OPTIONS]``: every option of ``streamlit run`` passes
through, e.g. ``gan-classroom --server.port 8600 --server.address 0.0.0.0``. The app's own settings
(``.streamlit/config.toml`` next to app.py) apply wherever it starts: Streamlit reads a config file next to the
main script after the user's and the working folder's, and command-line options win over all of them.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = """usage: gan-classroom [STREAMLIT OPTIONS]

Serve GAN Classroom's dashboard (http://localhost:8501 unless --server.port says otherwise).
Every option of `streamlit run` passes through, e.g. --server.port 8600 --server.address 0.0.0.0;
`streamlit run --help` lists them. Runs go to $GAN_RUNS_DIR if set, else to runs/ in a source
checkout, else to the user data folder (~/.local/share/gan_classroom/runs on Linux).
$GAN_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR or CRITICAL; default INFO): the server log on stderr."""


def app_path() -> Path:
    """The dashboard's entry script: ``<site-packages>/gan_classroom/app.py`` when installed (pyproject.toml maps
    app.py and pages/ into the package ``gan_classroom``), ``<checkout>/app.py`` in a source checkout."""
    base = Path(__file__).resolve().parent.parent
    for candidate in (base / "gan_classroom" / "app.py", base / "app.py"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"the dashboard's app.py is missing next to {base / 'ui'}; reinstall gan-classroom")


def main(argv: list[str] | None = None) -> int:
    """Run the Streamlit server in this process until it stops; returns its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    try:
        app = app_path()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads (see gan_core/__init__.py)
    from gan_core.logs import level_from_env

    try:
        level_from_env()   # a bad $GAN_LOG_LEVEL: one line before the server starts (app.py configures it)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from streamlit.web import cli

    try:
        cli.main(args=["run", str(app), *args], prog_name="gan-classroom")
    except SystemExit as exc:  # click ends every command with sys.exit
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
