"""Widget values from the browser are checked before Streamlit stores them (issue 17: forged widget messages).

A websocket message can carry any value of any kind for any widget id. Streamlit 1.67 stores it as sent and
turns it into a Python value later with the widget's own deserialiser, checking neither: a float for an integer
box, a string for a slider, JSON nested 5,000 deep raise inside Streamlit's session-state code before the page
runs (every later rerun of that browser then shows a traceback), a value of the wrong kind is written back into
the widget's metadata, and a select box, radio or button group returns any string it is sent, listed or not.

Here every widget value of a rerun request is checked first, against the widget as the previous run drew it:
the kind of value the widget holds, a value its deserialiser
accepts, and for the select-type widgets one of its options. A value that fails is dropped from the request, as
if the browser had not sent it: the widget keeps the value it had. What passes (a number outside a knob's
range, a NaN in a float box) reaches the page as a value of the right kind, and the page's own checks refuse it
by name (``TrainConfig.validate``).

``install()`` patches one method of Streamlit's; ``tests/test_forged_widgets.py`` sends forged messages to a
real server and fails if a Streamlit upgrade moves it.
"""
from __future__ import annotations

import logging
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state import session_state as _ss

log = logging.getLogger(__name__)
_original = _ss.SessionState.on_script_will_rerun
_NOT_REPLAYED = {"file_uploader_state_value", "chat_input_value"}   # deserialising them twice is not free


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


def accepts(meta: Any, state: Any) -> bool:
    """Whether the widget that ``meta`` describes can hold the value of ``state`` (a ``WidgetState`` proto)."""
    sent = state.WhichOneof("value")
    if meta is None or sent is None:   # a widget the last run did not draw, or "no value": Streamlit's own cases
        return True
    if meta.value_type and sent != meta.value_type:   # (a v1 component may send bytes or a table; ours send JSON)
        return False
    if sent in _NOT_REPLAYED:
        return True
    try:
        value = meta.deserializer(_ss.unpack_widget_state_value(state))
    except Exception:   # the deserialiser refused it: ValueError, TypeError, RecursionError, OverflowError, ...
        return False
    return _is_choice(getattr(meta.deserializer, "__self__", None), value)


def _checked(self: Any, fresh_widget_states: Any = None, **kwargs: Any) -> None:
    if fresh_widget_states is not None:
        metadata = self._new_widget_state.widget_metadata
        kept = [w for w in fresh_widget_states.widgets if accepts(metadata.get(w.id), w)]
        if len(kept) != len(fresh_widget_states.widgets):
            log.warning("a browser sent %d widget value(s) no widget of its page can hold; ignored",
                        len(fresh_widget_states.widgets) - len(kept))
            fresh_widget_states = WidgetStates(widgets=kept)
    _original(self, fresh_widget_states, **kwargs)


def install() -> None:
    """Check every widget value from now on (idempotent)."""
    _ss.SessionState.on_script_will_rerun = _checked
