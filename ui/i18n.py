"""The dashboard's texts: every label, help text and message in English and 简体中文.

The texts live in one data file per language, ``ui/locales/<lang>.toml``, one TOML table per page or area: the
key ``train.preset`` is ``preset`` in the table ``[train]`` (names with more dots are quoted, ``[own]
"err.size"``; keys without a dot, like ``plotly:Zoom``, come first, outside any table). Each file is read once
per process.

``t(key, **values)`` returns the text in the current language (``st.session_state["lang"]``, set from
``?lang=`` by app.py); ``{name}`` placeholders are filled from ``values``. Terms follow LESSONS.md.
A key missing from the table is returned as itself, so a typo shows on the page instead of crashing it.
A text shown with a count may have plural forms, ``{ one = "...", other = "..." }``: ``one`` when the count is 1.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

# isort: split
import tomllib  # stdlib from Python 3.11; its own block while ruff's target-version still says py310

LANGS = {"en": "English", "zh": "简体中文"}
LOCALES = Path(__file__).resolve().parent / "locales"
PLURAL_FORMS = ("one", "other")   # English needs no more; a language without plurals has plain strings

Entry = str | dict[str, str]   # a text, or its plural forms


@functools.cache
def load(lang: str) -> dict[str, Entry]:
    """Every text of ``lang`` (a key of ``LANGS``) by its full key, as ``locales/<lang>.toml`` writes it.

    Raises ValueError for a file that breaks the layout (a nested table, plural forms other than one/other).
    """
    with open(LOCALES / f"{lang}.toml", "rb") as f:
        data = tomllib.load(f)
    out: dict[str, Entry] = {}
    for name, value in data.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, entry in items:
            key = name if sub is None else f"{name}.{sub}"
            if isinstance(entry, dict) and sub is not None:
                if "other" not in entry or not set(entry) <= set(PLURAL_FORMS) or \
                        not all(isinstance(s, str) for s in entry.values()):
                    raise ValueError(f"{lang}.toml: {key} must be a text or plural forms {PLURAL_FORMS}")
            elif not isinstance(entry, str):
                raise ValueError(f"{lang}.toml: {key} must be a text")
            out[key] = entry
    return out


def from_locale(locale: str | None) -> str:
    """The dashboard's language for a browser's locale (``navigator.language``: "zh-CN", "zh-Hant-TW", "en-GB"):
    Chinese for any ``zh``, else English."""
    return "zh" if str(locale or "").strip().lower().replace("_", "-").split("-")[0] == "zh" else "en"


def current_lang() -> str:
    """The language of this browser session ("en" or "zh"); "en" outside a Streamlit script."""
    try:
        import streamlit as st

        lang = st.session_state.get("lang", "en")
    except Exception:
        lang = "en"
    return lang if lang in LANGS else "en"


def _table(lang: str | None) -> dict[str, Entry]:
    lang = lang or current_lang()
    return load(lang if lang in LANGS else "en")


def _count(values: dict[str, object]) -> object:
    """The count a plural text is chosen by: ``n``, else ``count``, else the only value given."""
    if "n" in values:
        return values["n"]
    if "count" in values:
        return values["count"]
    return next(iter(values.values())) if len(values) == 1 else None


def _pick(entry: Entry, values: dict[str, object]) -> str:
    if isinstance(entry, str):
        return entry
    return entry.get("one", entry["other"]) if _count(values) == 1 else entry["other"]


def t(key: str, /, lang: str | None = None, **values: object) -> str:
    """The text for ``key`` in ``lang`` (default: the session's), with ``{placeholders}`` filled."""
    entry = _table(lang).get(key)
    if entry is None:
        entry = load("en").get(key)   # every language has every key (tests/app/test_i18n.py); just in case
    if entry is None:
        return key
    text = _pick(entry, values)
    if values:
        try:
            return text.format(**values)
        except (KeyError, ValueError, IndexError):
            return text
    return text


def texts(prefix: str, lang: str | None = None) -> dict[str, str]:
    """Every text whose key starts with ``prefix``, keyed by the rest of its key (plural texts: their ``other``).

    ``texts("plotly:", "zh")`` is Plotly's own chart texts in Chinese, keyed by their English.
    """
    return {key[len(prefix):]: _pick(entry, {}) for key, entry in _table(lang).items() if key.startswith(prefix)}


_MARKDOWN = re.compile(r"([\\`*{}\[\]()!|<>~$:&]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")  # markdown anywhere in a line
                                               # (an underscore inside a word, as in n_points, emphasises nothing)
_LINE_START = re.compile(r"^(\d+(?=[.)])|[#>+\-=])")      # and what does at its start (a heading, a list, a quote)
# what becomes a link, an icon or an emoji by itself: a bare address (http://, www., a@b) and :name: shortcodes
# (Streamlit reads :material/...: and :smile: before markdown's escapes), each broken by an invisible joiner
_AUTOLINK = re.compile(r"(?i)(:|www(?=\.)|@)")
_JOINER = "\u2060"                                       # WORD JOINER: invisible, and no link begins across it


def plain(value: object) -> str:
    """``value`` (a name or message that carries what a browser sent: a run's name, an uploaded file's name, an
    error naming a value) for a markdown text, every markdown character escaped so it shows as written, in the
    text's own font: never a link, an image, a colour, maths, bold, a heading or a character reference (``&#58;``);
    and a bare address (``http://...``, ``www.``, ``a@b``) or a shortcode (``:material/warning:``, ``:smile:``)
    broken by an invisible joiner, so it is not made a link, an icon or an emoji either. One line."""
    text = _AUTOLINK.sub(lambda m: m.group(0) + _JOINER, " ".join(str(value).split()))
    return _LINE_START.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0),
                           _MARKDOWN.sub(r"\\\1", text))


def code(value: object) -> str:
    """``value`` (a message or name that echoes what a browser sent) as inline code for a markdown text, so it
    shows as typed: never as a link, an image, a colour, maths or bold (``?preset=[link](http://x)``). One line
    (a blank line would end the code span), fenced with more backticks than it holds."""
    text = " ".join(str(value).split())
    if not text:
        return ""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def refusal(exc: BaseException, lang: str | None = None) -> str:
    """A refused setting as the student reads it, for a markdown text: the refusal in their language
    (``refuse.<code>`` of a ``gan_core.checks.ConfigError``: the setting by its label, the value as typed in
    code), or, for a refusal without a code, its message as it came (markdown escaped)."""
    from gan_core.checks import shown

    kind = getattr(exc, "code", None)
    if not kind or f"refuse.{kind}" not in load("en"):
        return plain(exc)
    params = dict(getattr(exc, "params", {}))
    key = getattr(exc, "key", None)
    label = t(f"knob.{key}", lang) if key and f"knob.{key}" in load("en") else key or ""
    what = t("refuse.what", lang, label=label, key=code(key)) if label != key else code(key)
    values = {"what": what, "value": code(shown(exc.value))}
    if kind == "not_type":
        params["kind"] = t(f"refuse.kind.{params.get('kind')}", lang)
    if kind == "too_large":
        parts = [t("refuse.too_slow", lang, **params)] if "step_s" in params else []
        parts += [t("refuse.too_big", lang, **params)] if "need_gb" in params else []
        params = {"why": "; ".join(parts), "knobs": code(params.get("knobs", ""))}
    if kind == "dcgan_images" or kind == "needs_data_root":
        params["dataset"] = code(params.get("dataset", ""))
    return t(f"refuse.{kind}", lang, **{**params, **values})
