"""Forged widget messages (issue 17's bad-input matrix, the entry point a hostile student reaches with a websocket
client instead of a browser): every widget of every page, sent values of every wrong kind and hostile values of
its own kind, on a real server. Each must leave the page running (no exception, no traceback, no server folder
shown) and the server healthy; a forged knob sent together with Start must never train a run whose settings
the server would refuse. Counts are printed (``-s``); the README's security section quotes them.

Before ``ui.widget_guard``, a NaN for an integer box broke every later rerun of that browser with a traceback
("cannot convert float NaN to integer"), and a string for a select box reached the page unchecked.
"""
import json
import math
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))
from browser_helpers import ROOT, free_port, start_server

from gan_core.config import TrainConfig

pytestmark = pytest.mark.slow

PAGES = ("train", "curves", "compare-runs", "own-data", "step", "features", "latent", "shift", "augment",
         "adversarial")
# values of a kind the widget does not hold (each widget gets one, in turn: the guard's kind check is one check)
WRONG_KIND = [("double_value", math.nan), ("string_value", "evil"), ("int_array_value", [999]),
              ("json_value", "[" * 5000 + "]" * 5000), ("bytes_value", b"\xff" * 9), ("string_array_value", ["evil"])]
# hostile values of each widget's own kind (each widget gets two, in turn)
OWN_KIND = {"double_value": [1e308, -1e308, math.nan, math.inf],
            "string_value": ["evil", "x" * 200_000, "a\x00b", "../../etc/passwd", "[l](http://evil.example)"],
            "double_array_value": [[1e308], [math.nan], [-1.0, 2.0, 3.0]],
            "string_array_value": [["evil"], ["a"] * 50],
            "json_value": ["[" * 5000 + "]" * 5000, '{"strokes": 1e999}', '"x"'],
            "bool_value": [], "trigger_value": [], "file_uploader_state_value": []}
KINDS = {"number_input": "double_value", "text_input": "string_value", "selectbox": "string_value",
         "slider": "double_array_value", "select_slider": "string_array_value", "button_group": "string_array_value",
         "multiselect": "string_array_value", "checkbox": "bool_value", "button": "trigger_value",
         "component_instance": "json_value", "file_uploader": "file_uploader_state_value", "text_area": "string_value",
         "radio": "string_value", "toggle": "bool_value", "download_button": "trigger_value"}


def _strings(msg, out: list[str]) -> None:
    """Every string an element carries (its text, label, help, ...)."""
    for field, value in msg.ListFields():
        values = value if field.is_repeated else [value]
        if field.type == field.TYPE_STRING:
            out.extend(values)
        elif field.type == field.TYPE_MESSAGE:
            for v in values:
                if hasattr(v, "ListFields"):
                    _strings(v, out)


class Browser:
    """One websocket session as a forging client: reruns with any widget states, and what each run drew."""

    def __init__(self, url: str, page: str, query: str = "lang=en", first: list | None = None):
        self.url, self.page, self.query, self.page_hash = url, page, query, ""
        self.first: dict = {}
        urllib.request.urlopen(f"{url}/?{query}", timeout=60).read()
        self._ctx = connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                            origin=url, max_size=None, open_timeout=60)
        self.ws = self._ctx.__enter__()
        self.widgets: dict[str, tuple[str, str]] = {}   # key -> (element type, widget id)
        self.first = self.rerun(first or [])   # ``first``: states sent before the page has drawn any widget

    def close(self) -> None:
        self._ctx.__exit__(None, None, None)

    def rerun(self, states: list[tuple[str, str, object]], timeout: float = 90) -> dict:
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string, rs.page_script_hash, rs.page_name = self.query, self.page_hash, self.page
        for wid, field, value in states:
            w = rs.widget_states.widgets.add()
            w.id = wid
            if field.endswith("_array_value"):
                getattr(w, field).data.extend(value)
            else:
                setattr(w, field, value)
        self.ws.send(msg.SerializeToString())
        texts, exceptions, end = [], [], time.time() + timeout
        while time.time() < end:
            f = ForwardMsg()
            f.ParseFromString(self.ws.recv(timeout=max(0.01, end - time.time())))
            kind = f.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = f.new_session.page_script_hash
            elif kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                element = f.delta.new_element
                which = element.WhichOneof("type")
                sub = getattr(element, which)
                if which == "exception":
                    exceptions.append(f"{sub.type}: {sub.message}"[:200])
                if getattr(sub, "id", ""):   # a select slider is a Slider element of its own type
                    kind = "select_slider" if which == "slider" and sub.type == sub.SELECT_SLIDER else which
                    self.widgets[sub.id.rsplit("-", 1)[-1]] = (kind, sub.id)
                _strings(sub, texts)
            elif kind == "script_finished" and f.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return {"texts": texts, "exceptions": exceptions, "finished": True}
        return {"texts": texts, "exceptions": exceptions, "finished": False}


def _problem(result: dict, folders) -> str | None:
    if not result["finished"]:
        return "the page did not finish"
    if result["exceptions"]:
        return result["exceptions"][0]
    shown = "\n".join(result["texts"])
    for bad in ("Traceback", *map(str, folders)):
        if bad in shown:
            return f"the page shows {bad!r}"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    runs = tmp_path_factory.mktemp("forged-runs")
    from gan_core import TrainingSession
    from gan_core.runtime import store

    cfg = TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=500, batch_size=32, max_steps=20,
                                  log_every=5, snapshot_every=10)
    sess = TrainingSession(cfg, run_dir=store.new_run_dir(cfg.dataset, runs))
    sess.start()
    assert sess.wait(120) and sess.snapshot().state == "finished"
    port = free_port()
    proc = start_server(runs, port, runs.parent / f"{runs.name}.log")
    yield {"url": f"http://127.0.0.1:{port}", "runs": runs, "run": sess.run_id}
    proc.terminate()
    proc.wait(30)


def _health(url: str) -> int:
    with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=60) as r:
        return r.status


def test_forged_widget_values_on_every_page_are_dropped_or_refused(server, capsys):
    folders = (server["runs"], ROOT)
    tried, failures, widgets = 0, [], 0
    for page in PAGES:
        b = Browser(server["url"], page, query=f"lang=en&run={server['run']}")
        found = dict(b.widgets)
        # app.py drew its sidebar: a client naming a page on a fresh server cannot run pages/<name>.py alone
        assert "lang_picker" in found, (page, sorted(found))
        widgets += len(found)
        for n, (key, (which, wid)) in enumerate(sorted(found.items())):
            own = KINDS.get(which)
            wrong = [fv for fv in WRONG_KIND if fv[0] != own]    # one wrong kind each (they meet one check), in turn
            mine = OWN_KIND.get(own, [])   # and two hostile values of its own kind, in turn across the widgets
            forged = [wrong[(n + widgets) % len(wrong)]] + [(own, mine[(n + i) % len(mine)]) for i in (0, 1)
                                                              if len(mine) > i]
            for field, value in forged:
                tried += 1
                problem = _problem(b.rerun([(wid, field, value)]), folders)
                if problem:
                    failures.append(f"{page} {key} ({which}) {field}={str(value)[:30]!r}: {problem}")
                    b.close()
                    b = Browser(server["url"], page, query=f"lang=en&run={server['run']}")
        b.close()
    with capsys.disabled():
        print(f"\nforged widget values: {len(PAGES)} pages, {widgets} widgets, {tried} values tried, "
              f"{tried - len(failures)} handled")
    assert not failures, "\n".join(failures[:30])
    assert _health(server["url"]) == 200


def test_a_forged_knob_sent_with_start_never_trains_a_refused_setting(server, capsys):
    """The knob and the Start press in one message: what a hostile client sends to skip the page's checks."""
    b = Browser(server["url"], "train")
    knobs = {k: v for k, v in b.widgets.items() if k.startswith("k.")}
    start, steps = b.widgets["btn_start"][1], knobs["k.max_steps"][1]
    before = {p.name for p in server["runs"].iterdir()}
    tried, failures = 0, []
    for n, (key, (which, wid)) in enumerate(sorted(knobs.items())):
        own = KINDS.get(which)
        values = OWN_KIND.get(own, [])
        for value in [values[n % len(values)]] if values else []:   # one each, in turn across the knobs
            tried += 1
            result = b.rerun([(steps, "double_value", 20.0), (wid, own, value), (start, "trigger_value", True)])
            problem = _problem(result, (server["runs"], ROOT))
            if problem:
                failures.append(f"{key} {own}={str(value)[:30]!r}: {problem}")
                b.close()
                b = Browser(server["url"], "train")
    b.close()
    started = sorted({p.name for p in server["runs"].iterdir()} - before)
    for run in started:   # whatever did start holds settings the server accepts
        config = server["runs"] / run / "config.json"
        if config.exists():
            TrainConfig.from_dict(json.loads(config.read_text())).validate()
    with capsys.disabled():
        print(f"\nforged knobs with Start: {tried} tried, {tried - len(failures)} handled, {len(started)} runs "
              "started (each with valid settings)")
    assert not failures, "\n".join(failures[:30])


def test_a_forged_value_sent_before_the_page_drew_its_widget_is_dropped_too(server):
    """Widget ids are the same in every session: a client can send a value with its very first message."""
    ids = Browser(server["url"], "train").widgets
    for key, field, value in [("k.n_points", "string_value", "evil"), ("k.dataset", "double_value", math.nan),
                              ("k.lr_g", "string_value", "evil"), ("k.loss", "string_value", "evil")]:
        b = Browser(server["url"], "train", first=[(ids[key][1], field, value)])
        assert _problem(b.first, (server["runs"], ROOT)) is None, (key, b.first["exceptions"])
        assert _problem(b.rerun([]), (server["runs"], ROOT)) is None, key   # and the next run is sound too
        b.close()


def test_what_a_real_browser_sends_is_kept(server):
    """An integer box as Chromium sends it (int_value, while Streamlit registers every number box as
    double_value), a float box, a text box and a select box, together with Start: the run gets them all."""
    b = Browser(server["url"], "train")
    w = {k: v[1] for k, v in b.widgets.items()}
    before = {p.name for p in server["runs"].iterdir()}
    result = b.rerun([(w["k.max_steps"], "int_value", 30), (w["k.latent_dim"], "int_value", 3),
                      (w["k.beta1"], "double_value", 0.25), (w["k.g_hidden"], "string_value", "12,12"),
                      (w["k.loss"], "string_value", "hinge"), (w["btn_start"], "trigger_value", True)])
    assert _problem(result, (server["runs"], ROOT)) is None
    b.close()
    started = sorted({p.name for p in server["runs"].iterdir()} - before)
    assert len(started) == 1, started
    cfg = json.loads((server["runs"] / started[0] / "config.json").read_text())
    assert (cfg["max_steps"], cfg["latent_dim"], cfg["beta1"], cfg["g_hidden"], cfg["loss"]) == (
        30, 3, 0.25, [12, 12], "hinge"), cfg
