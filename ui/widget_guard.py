"""Widget values from the browser are checked before Streamlit stores them (issue 17: forged widget messages).

A websocket message can carry any value of any kind for any widget id. Streamlit 1.67 stores it as sent and
turns it into a Python value later with the widget's own deserialiser, checking neither: a float for an integer
box, a string for a slider, JSON nested 5,000 deep raise inside Streamlit's session-state code before the page
runs (every later rerun of that browser then shows a traceback), a value of the wrong kind is written back into
the widget's metadata, and a select box, radio or button group returns any string it is sent, listed or not.

Here every widget value of a rerun request is checked first, against the widget as the previous run drew it:
the kind of value the widget holds, a value its deserialiser accepts, and for the select-type widgets one of
its options. A value that fails is dropped from the request, as if the browser had not sent it: the widget keeps
the value it had. What passes (a number outside a knob's
range, a NaN in a float box) reaches the page as a value of the right kind, and the page's own checks refuse it
by name (``TrainConfig.validate``).

``install()`` (called when ``ui`` is imported) patches two methods of Streamlit's: the rerun request's values are
checked before they are stored, and a value stored before its widget was drawn (a client can send one with its
very first message: widget ids are the same in every session) is checked when the widget reads it.
``tests/test_forged_widgets.py`` sends forged messages to a real server and fails if a Streamlit upgrade moves them.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state import session_state as _ss

log = logging.getLogger(__name__)
_original_rerun = _ss.SessionState.on_script_will_rerun
_original_get = _ss.WStates.__getitem__
_NOT_REPLAYED = {"file_uploader_state_value", "chat_input_value"}   # deserialising them twice is not free
# the kinds a browser really sends for a widget registered with another: an integer number box is registered
# with double_value and its frontend sends int_value (NumberInput.js: DataType.INT -> setIntValue)
_ALSO_SENT = {"double_value": {"int_value"}}


def _is_choice(serde: Any, value: Any) -> bool:
    """Whether ``value`` is one of the options of a select-type widget (True for every other widget)."""
    options = getattr(serde, "options", None)
    if options is None:
        return True
    chosen = value if isinstance(value, (list, tuple)) else [value]
    try:
        return all(v is None or any(v is o or v == o for o in options) for v in chosen)
    except Exception:   # an option whose == raises: not a choice the page offered
        return False


def _unpack(state: Any) -> Any:
    """What a widget's deserialiser receives for ``state``: the value set, an array's or a trigger message's
    ``data``, JSON text parsed, None for a cleared value (Streamlit's own unpacking, 1.66 and 1.67 alike)."""
    field = state.WhichOneof("value")
    if field is None:
        return None
    value = getattr(state, field)
    if field.endswith("_array_value") or field == "string_trigger_value":
        return value.data
    return json.loads(value) if field == "json_value" else value


def accepts(meta: Any, state: Any) -> bool:
    """Whether the widget that ``meta`` describes can hold the value of ``state`` (a ``WidgetState`` proto)."""
    sent = state.WhichOneof("value")
    if meta is None or sent is None:   # a widget not drawn yet (checked when it is: _checked_get), or "no value"
        return True
    if meta.value_type and sent != meta.value_type and sent not in _ALSO_SENT.get(meta.value_type, ()):
        return False                   # (a v1 component may send bytes or a table; ours send JSON)
    if sent in _NOT_REPLAYED:
        return True
    try:
        value = meta.deserializer(_unpack(state))
    except Exception:   # the deserialiser refused it: ValueError, TypeError, RecursionError, OverflowError, ...
        return False
    return _is_choice(getattr(meta.deserializer, "__self__", None), value)


def _checked_rerun(self: Any, fresh_widget_states: Any = None, **kwargs: Any) -> None:
    """Drop what no widget of the last run can hold before Streamlit stores it (no callback fires for it)."""
    if fresh_widget_states is not None:
        metadata = self._new_widget_state.widget_metadata
        kept = [w for w in fresh_widget_states.widgets if accepts(metadata.get(w.id), w)]
        if len(kept) != len(fresh_widget_states.widgets):
            log.warning("a browser sent %d widget value(s) no widget of its page can hold; ignored",
                        len(fresh_widget_states.widgets) - len(kept))
            fresh_widget_states = WidgetStates(widgets=kept)
    _original_rerun(self, fresh_widget_states, **kwargs)


def _checked_get(self: Any, key: str) -> Any:
    """A stored value read for the first time: refused as "not sent" (the widget's default or previous value)
    when the widget, now drawn, cannot hold it: a value sent before its page had drawn that widget."""
    wstate = self.states.get(key)
    if isinstance(wstate, _ss.Serialized) and not accepts(self.widget_metadata.get(key), wstate.value):
        raise KeyError(key)
    return _original_get(self, key)


def install() -> None:
    """Check every widget value from now on (idempotent)."""
    _ss.SessionState.on_script_will_rerun = _checked_rerun
    _ss.WStates.__getitem__ = _checked_get
