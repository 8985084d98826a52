"""A student's browser as the server sees it: one websocket session speaking Streamlit's own protocol.

A real browser on a student's laptop costs the teacher's server what this client costs it: the HTML page, one
websocket, the script runs it asks for (the first page load, a button press, the live panel's timed fragment
reruns) and the messages those runs send back. It does no layout, JavaScript or chart drawing, which happen on
the student's machine, so 30 of them measure the server, where 30 headless Chromium tabs on the same 2 cores
measure mostly the tabs. Used by ``classroom_load.py --clients ws``.
"""
from __future__ import annotations

import threading
import time
import urllib.request

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


class Student(threading.Thread):
    """Open ``url`` + ``query`` as one browser session; press the button labelled ``press`` once loaded, then stay
    for ``hold`` seconds answering the page's timed fragment reruns as the browser would."""

    def __init__(self, url: str, query: str = "lang=en", press: str | None = None, hold: float = 60.0,
                 repeat: float = 0.0):
        super().__init__(daemon=True)
        self.url, self.query, self.press, self.hold, self.repeat = url, query, press, hold, repeat
        self.presses = 0                     # with ``repeat``: how often it pressed (a student spamming Start)
        self.load_s: float | None = None     # HTML page + websocket + first full script run, until it finished
        self.pressed_s: float | None = None  # the button press until that run finished
        self.fragment_runs = 0               # live-panel updates the server sent back
        self.exceptions: list[str] = []
        self.error: str | None = None
        self._buttons: dict[str, str] = {}
        self._timers: dict[str, float] = {}  # fragment id -> its interval (s)
        self._announced: dict[str, float] = {}  # the timers the run in progress announced
        self._page_hash = ""

    def run(self) -> None:
        try:
            self._visit()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def _send(self, ws, fragment_id: str = "", trigger: str | None = None) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_script_hash = self.query, self._page_hash
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, True
        if trigger:
            w = state.widget_states.widgets.add()
            w.id, w.trigger_value = trigger, True
        ws.send(msg.SerializeToString())

    def _until_finished(self, ws, deadline: float) -> bool:
        """Read messages until a full script run finishes; False at the deadline."""
        while time.time() < deadline:
            try:
                raw = ws.recv(timeout=max(0.01, deadline - time.time()))
            except TimeoutError:
                return False
            if self._read(raw) == ForwardMsg.FINISHED_SUCCESSFULLY:
                return True
        return False

    def _read(self, raw: bytes) -> int | None:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":      # every run begins with one, a fragment's too
            self._page_hash = msg.new_session.page_script_hash
            self._announced = {}
        elif kind == "auto_rerun":     # only a full run draws the fragments anew and announces their timers
            self._announced[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self._timers.pop(fid, None)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "button":
                self._buttons[element.button.label] = element.button.id
            elif which == "exception":
                self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self.fragment_runs += 1
            elif msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:   # a full run: its timers, no others
                self._timers = dict(self._announced)
            return msg.script_finished
        return None

    def _visit(self) -> None:
        t0 = time.perf_counter()
        urllib.request.urlopen(f"{self.url}/?{self.query}", timeout=60).read()   # index.html
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        with connect(ws_url, subprotocols=["streamlit"], origin=self.url, max_size=None,
                     open_timeout=60) as ws:
            self._send(ws)
            if not self._until_finished(ws, time.time() + 120):
                raise TimeoutError("the first page load did not finish in 120 s")
            self.load_s = time.perf_counter() - t0
            if self.press:
                if self.press not in self._buttons:
                    raise LookupError(f"no button {self.press!r} on the page: {sorted(self._buttons)}")
                t1 = time.perf_counter()
                self._send(ws, trigger=self._buttons[self.press])
                if self._until_finished(ws, time.time() + 120):
                    self.pressed_s = time.perf_counter() - t1
                self.presses = 1
                until = time.time() + self.repeat
                while time.time() < until and self.press in self._buttons:   # again, as fast as the page answers
                    self._send(ws, trigger=self._buttons[self.press])
                    self._until_finished(ws, time.time() + 60)
                    self.presses += 1
            self._stay(ws, time.time() + self.hold)

    def _stay(self, ws, end: float) -> None:
        due: dict[str, float] = {}
        while time.time() < end:
            now = time.time()
            for fid, every in list(self._timers.items()):
                if due.setdefault(fid, now + every) <= now:
                    self._send(ws, fragment_id=fid)
                    due[fid] = now + every
            wait = min([d for d in due.values()] + [end]) - time.time()
            try:
                self._read(ws.recv(timeout=max(0.01, min(wait, 1.0))))
            except TimeoutError:
                continue
