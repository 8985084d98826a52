"""The server's health endpoint tells whether it can serve a page (issue 17 item 8): with the server out of file
descriptors every page load fails, and /_stcore/health still says 200; /_stcore/script-health-check (enabled in
.streamlit/config.toml) runs the first page and fails (503, or 500 when not even its session can be made)."""
import resource
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))
from browser_helpers import free_port, start_server

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_script_health_check_fails_when_pages_cannot_be_served(tmp_path):
    port = free_port()
    proc = start_server(tmp_path, port, tmp_path / "server.log")
    try:
        url = f"http://127.0.0.1:{port}/_stcore"
        assert _get(f"{url}/script-health-check") == (200, "ok")
        open_now = len(list(Path(f"/proc/{proc.pid}/fd").iterdir()))
        resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (open_now + 2, open_now + 2))   # no descriptors left
        assert _get(f"{url}/script-health-check")[0] in (500, 503)    # not ok, however it fails
        assert _get(f"{url}/health")[0] == 200                    # what Streamlit's own endpoint still says
    finally:
        proc.terminate()
        proc.wait(30)
