"""The translation tables (ui/locales/*.toml): every language complete and consistent, every key the pages use."""
import ast
import re
import string
import unicodedata
from pathlib import Path

import pytest

from ui import i18n
from ui.i18n import LANGS, load, t

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]


def _forms(entry):
    """The texts of one entry: a plain text, or each of its plural forms."""
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _t_calls():
    """(file, line, first argument) of every call of t() in the app's sources."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and node.args and (
                    (isinstance(node.func, ast.Name) and node.func.id == "t")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "t"
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "i18n")):
                yield path.relative_to(ROOT), node.lineno, node.args[0]


def test_every_language_has_the_same_keys():
    en = set(load("en"))
    assert len(en) > 500
    for lang in LANGS:
        assert set(load(lang)) == en, (lang, sorted(set(load(lang)) ^ en))


def test_every_language_has_the_same_placeholders():
    """Every form of a text in every language fills the same ``{names}`` (a plural's "one" keeps its count)."""
    for key in load("en"):
        found = {frozenset(_fields(text)) for lang in LANGS for text in _forms(load(lang)[key])}
        assert len(found) == 1, (key, found)


def test_no_text_is_empty():
    for lang in LANGS:
        assert all(text.strip() for entry in load(lang).values() for text in _forms(entry)), lang


def _literal_keys(arg):
    """The keys an argument names outright: ``"a.b"``, or either side of ``"a.b" if x else "a.c"``."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _literal_keys(arg.body) + _literal_keys(arg.orelse)
    return []


def _fixed_start(arg):
    """The fixed start of a key built at run time: ``f"state.{s}"`` or ``"state." + s`` -> "state."."""
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return arg.values[0].value
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add) and isinstance(arg.left, ast.Constant):
        return arg.left.value
    return None


def test_every_literal_key_in_the_sources_exists():
    keys = set(load("en"))
    used = [(f"{path}:{line}", key) for path, line, arg in _t_calls() for key in _literal_keys(arg)]
    assert len(used) > 300
    assert not [f"{where}: {key}" for where, key in used if key not in keys]


def test_every_dynamic_key_family_exists():
    """``t(f"state.{s}")``: some key starts with the fixed start; the families whose values are known are complete."""
    keys = set(load("en"))
    starts = [(f"{path}:{line}", _fixed_start(arg)) for path, line, arg in _t_calls() if _fixed_start(arg)]
    assert len(starts) > 20
    assert not [f"{where}: no key starts with {start!r}" for where, start in starts
                if not any(k.startswith(start) for k in keys)]

    from gan_core.lessons.augment import ARMS
    from gan_core.lessons.explain import STAGES
    from gan_core.lessons.shift import SHIFTS
    from gan_core.runtime.snapshot import STATES
    from ui.charts import PANELS
    from ui.compare_charts import METRICS
    from ui.controls import GROUPS, KNOBS

    want = [f"state.{s}" for s in (*STATES, "unknown")] + [f"group.{g}" for g in GROUPS]
    want += [f"curves.{p}" for p in PANELS] + [f"compare.m.{m}" for m in METRICS]
    want += [f"part.{p}" for p in ("both", "d", "g")] + [f"disc.part_{p}" for p in ("d", "g")]
    want += [f"{kind}.{k}" for k in KNOBS for kind in ("knob", "help")]
    want += [f"stage.{s}{end}" for s in STAGES for end in ("", ".text")]
    want += [f"shift.{kind}.{s}" for s in SHIFTS for kind in ("kind", "what")] + [f"aug.arm.{a}" for a in ARMS]
    assert not [k for k in want if k not in keys]


def test_every_preset_has_a_description_in_every_language():
    """The JSON keeps the English for ``python -m gan_core presets``; the dashboard shows ``preset.<name>``."""
    from gan_core.config import list_presets

    presets = list_presets()
    assert len(presets) >= 8
    for name, preset in presets.items():
        assert preset["description"] and "description_zh" not in preset, name
        assert load("en")[f"preset.{name}"] == preset["description"], name
        assert t(f"preset.{name}", "zh") != preset["description"], name


# "{n} points", "{n:,} images", "{n} real iterations", "{n} target test images": a count, then a plural noun
COUNTED = re.compile(r"\{(?:n|count)(?:[:!][^}]*)?\} (?:[a-z]+ ){0,2}?[a-z]+s\b")


def _count_name(entry):
    """The value a plural text is chosen by, as t() picks it: n, else count, else the only placeholder."""
    names = _fields(entry["other"])
    for name in ("n", "count"):
        if name in names:
            return name
    assert len(names) == 1, f"no n or count and several placeholders: {names}"
    return names.pop()


def test_english_texts_with_a_count_have_plural_forms():
    en = load("en")
    plain = [key for key, entry in en.items() if isinstance(entry, str) and COUNTED.search(entry)]
    assert not plain, f"give these {{ one = ..., other = ... }} in en.toml: {plain}"
    plural = {key for key, entry in en.items() if isinstance(entry, dict)}
    assert {"own.n_drawn", "own.saved", "own.err.count", "step.iteration", "side.cpu", "curves.empty"} <= plural


def test_t_picks_the_singular_for_a_count_of_one():
    for key, entry in load("en").items():
        if not isinstance(entry, dict):
            continue
        assert set(entry) == {"one", "other"} and entry["one"] != entry["other"], key
        count = _count_name(entry)
        others = {name: 2 for name in _fields(entry["other"]) if name != count}
        assert t(key, "en", **{count: 1}, **others) == entry["one"].format(**{count: 1}, **others), key
        for n in (0, 2, 1000):
            assert t(key, "en", **{count: n}, **others) == entry["other"].format(**{count: n}, **others), key
        zh = load("zh")[key]
        assert isinstance(zh, str), f"{key}: Chinese has no plural forms"
        assert t(key, "zh", **{count: 1}, **others) == zh.format(**{count: 1}, **others)
    assert t("own.n_drawn", "en", n=1) == "1 point drawn." and t("own.n_drawn", "en", n=3) == "3 points drawn."
    assert t("own.n_drawn", "en", n=0) == "0 points drawn." and t("side.cpu", "en", threads=1) == "CPU · 1 thread"
    assert t("own.images_saved", "en", n=1200, size=28, colour="gray", classes="", path="p").startswith(
        "Saved 1,200 images")
    assert t("own.n_drawn", "en") == "{n} points drawn."   # no count: the "other" text, unfilled, as before
    assert i18n.texts("own.n_", "en") == {"drawn": "{n} points drawn."}


FIELD = re.compile(r"\{[^{}]*\}")


def _punct(ch):
    return unicodedata.category(ch)[0] in "PS"   # CommonMark's Unicode punctuation: P* and S*


def _bold_problems(text):
    """Where ``**`` would stay literal under CommonMark (Streamlit's markdown): each ``**`` must open (left-flanking)
    and close (right-flanking) in turn. A closing ``**`` after punctuation (a full-width colon: "**注意：**对")
    is right-flanking only if whitespace or punctuation follows it."""
    text = FIELD.sub("1", text)   # placeholders as their values will look (a number)
    problems, is_open = [], False
    for m in re.finditer(r"\*+", text):
        if len(m.group()) != 2:
            continue
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        left = not after.isspace() and (not _punct(after) or before.isspace() or _punct(before))
        right = not before.isspace() and (not _punct(before) or after.isspace() or _punct(after))
        if is_open and not right:
            problems.append(f"closing ** at {m.start()} ({before!r} before, {after!r} after) cannot close")
        elif not is_open and not left:
            problems.append(f"opening ** at {m.start()} ({before!r} before, {after!r} after) cannot open")
        is_open = not is_open
    return problems + (["unbalanced **"] if is_open else [])


def _all_texts():
    for lang in LANGS:
        for key, entry in load(lang).items():
            for text in _forms(entry):
                yield lang, key, text


def _bold_in_code():
    """Keys the pages wrap in bold themselves: ``f"**{t('disc.notice')}** "``."""
    pattern = re.compile(r"""\*\*\{t\((['"])([^'"]+)\1[^}]*\)\}\*\*""")
    return {m.group(2) for path in SOURCES for m in pattern.finditer(path.read_text(encoding="utf-8"))}


def test_bold_markup_closes_in_every_language():
    """The Chinese alarm once showed "**可能出现模式崩溃：**覆盖的..." with its asterisks: the colon goes outside."""
    wrapped = _bold_in_code()
    assert {"disc.notice", "train.plane"} <= wrapped
    bad = [f"{lang} {key}: {p}" for lang, key, text in _all_texts() for p in _bold_problems(text)]
    bad += [f"{lang} {key} in **...**: {p}" for lang in LANGS for key in wrapped
            for text in _forms(load(lang)[key]) for p in _bold_problems(f"**{text}** ·")]
    assert not bad, bad


def test_bold_check_catches_the_full_width_colon():
    assert _bold_problems("**注意观察：**对抗样本") and not _bold_problems("**注意观察**：对抗样本")
    assert not _bold_problems("**What to notice:** the") and _bold_problems("**a** and **b")
    assert not _bold_problems("移动了 **{real:.3g}**；形心") and not _bold_problems("距离 **{a:.4f} → {b:.4f}**。")


def test_markdown_renders_no_literal_asterisks():
    """The same with a CommonMark renderer (markdown-it-py, where installed)."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark")
    bad = [(lang, key) for lang, key, text in _all_texts() if "**" in text and "**" in md.render(FIELD.sub("1", text))]
    assert not bad, bad


def test_t_fills_placeholders_and_falls_back_to_the_key():
    assert t("train.lesson", "zh", n=3) == "第3课" and t("train.lesson", "en", n=3) == "Lesson 3"
    assert t("train.lesson", "fr", n=3) == "Lesson 3"   # an unknown language reads English, as before
    assert t("no.such.key") == "no.such.key" and t("no.such.key", n=1) == "no.such.key"
    assert t("train.lesson", "en", m=3) == "Lesson {n}"   # a missing value leaves the text unfilled
    assert t("plotly:Snapshot succeeded", "zh") == "截图成功" and t("own.err.empty", "zh") == "文件是空的"


def test_texts_gives_plotlys_own_texts_by_their_english():
    zh = i18n.texts("plotly:", "zh")
    assert zh["Zoom in"] == "放大" and zh["Double-click to zoom back out"] == "双击恢复原来的缩放"
    assert i18n.texts("plotly:", "en")["Zoom in"] == "Zoom in" and len(zh) >= 18


def test_the_tables_are_read_once():
    assert load("zh") is load("zh")


@pytest.mark.parametrize("bad", ["[a]\nb = 1\n", "[a]\nb = { few = \"x\" }\n", "[a.b]\nc = \"x\"\n"])
def test_a_file_that_breaks_the_layout_is_refused(bad, tmp_path, monkeypatch):
    (tmp_path / "xx.toml").write_text(bad, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    with pytest.raises(ValueError, match="xx.toml"):
        load.__wrapped__("xx")


def _refusals() -> list[ValueError]:
    """One refusal of every code gan_core gives a setting (``checks.ConfigError.code``)."""
    from gan_core.config import TrainConfig
    from gan_core.data.user import browser_data_root
    from gan_core.models import check_step_cost

    out = []
    for values in ({"loss": "x"}, {"latent_dim": 0}, {"lr_g": -1.0}, {"lr_g": "nan"}, {"g_hidden": "16,abc"},
                   {"g_hidden": [0]}, {"model": "dcgan"}, {"dataset": "points"}, {"device": "tpu"},
                   {"speed": 11}):
        with pytest.raises(ValueError) as err:
            TrainConfig.from_dict({"dataset": "ring8", **values}).validate()
        out.append(err.value)
    with pytest.raises(ValueError) as err:
        browser_data_root("/etc/passwd", [Path("/nonexistent-uploads")])
    out.append(err.value)
    from gan_core.config import live_change
    with pytest.raises(ValueError) as err:
        live_change(TrainConfig(), {"latent_dim": 4}, {"lr_g"})
    out.append(err.value)
    import torch
    with pytest.raises(ValueError) as err:
        check_step_cost(TrainConfig(g_hidden=[4096] * 8, d_hidden=[4096] * 8, batch_size=1024, d_steps=100,
                                    latent_dim=1024), (2,), 0, torch.device("cpu"))
    out.append(err.value)
    return out


def test_every_refused_setting_is_said_in_the_students_language():
    refusals = _refusals()
    codes = {getattr(e, "code", None) for e in refusals}
    assert None not in codes and len(codes) == 12   # every kind of refusal carries its code
    for exc in refusals:
        en, zh = i18n.refusal(exc, "en"), i18n.refusal(exc, "zh")
        assert "refuse." not in en + zh and en != zh, (exc.code, en, zh)
        assert not re.search(r"[a-z]{3,} (is|are|not) ", re.sub(r"`[^`]*`", "", zh)), zh   # no English left
        if "{value}" in load("zh")[f"refuse.{exc.code}"]:   # the value as typed, in code: never markdown
            from gan_core.checks import shown
            assert i18n.code(shown(exc.value)) in zh
    assert i18n.refusal(ValueError("plain [link](http://x)"), "zh") == i18n.plain("plain [link](http://x)")
