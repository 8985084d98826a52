"""AppTest fixtures; the helpers live in apptest_helpers.py."""
import pytest


@pytest.fixture(autouse=True)
def _fresh_runs(runs_dir):
    """Every test gets an empty runs folder (so its own registry); runs still training are stopped after it."""
    yield runs_dir
    from ui import server

    server.registry_at(str(runs_dir)).stop_all()
