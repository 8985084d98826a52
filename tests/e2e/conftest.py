"""Browser-test fixtures: the real server on a free port with a temporary runs folder, and headless Chromium."""
import subprocess

import pytest
from browser_helpers import ARGS, CHROMIUM, SHOTS, free_port, need_browser, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need_browser()
    runs = tmp_path_factory.mktemp("e2e-runs")
    port = free_port()
    proc = start_server(runs, port, runs / "server.log")
    yield {"url": f"http://127.0.0.1:{port}", "runs": runs, "log": runs / "server.log"}
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    SHOTS.mkdir(exist_ok=True)
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield pg
    pg.close()
