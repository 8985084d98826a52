"""The bad-input matrix of the pages (issue 17): the query strings every page reads and the run files a page
opens, each fed what a hostile or careless student (or a damaged disk) gives it. Every input must leave the page
up (no exception) showing no server folder, no file contents and no traceback; an echoed value must never render
as markdown (a link, an image, coloured text); nothing may start or be written. Counts are printed (``-s``) and
quoted in the README beside tests/test_bad_input_matrix.py (entry points without a page) and
tests/test_forged_widgets.py (forged widget messages to a real server).
"""
import json
import re
import shutil

import pytest
import torch
from apptest_helpers import ROOT, TEXT_KINDS, disk_run, open_app, texts, tiny_cfg

from ui import server
from ui.run_names import NAME_FILE

TRAIN = "pages/train.py"
RUN_PAGES = ("pages/train.py", "pages/live_curves.py", "pages/compare.py", "pages/discriminator.py",
             "pages/step_explained.py", "pages/latent_space.py")
MARKDOWN = ["[new link](http://evil.example/x)", "![x](http://evil.example/x.png)",
            ":red[**Your run is broken: go to evil.example**]", "`x` [y](http://evil.example) **b**",
            "x http&#58;//evil.example/a", ":material/warning: evil :smile:"]
HOSTILE = ["../../etc/passwd", "/proc/self/environ", "é✓中文", "a\x00b", "<script>alert(1)</script>", "x" * 20_000,
           "", "%2e%2e%2f", *MARKDOWN]
# an input's link or image, colour or bare address (made a link by itself), neither in code nor escaped
RENDERED = re.compile(r"(?<!\\)\]\(|(?<!\\):red\[|(?i:https?://|www\.)|(?<!\\)&#?\w+;|:material/|:smile:")
QUERY = {"preset": TRAIN, "hide": TRAIN, "teacher": TRAIN, "lang": TRAIN, "run": RUN_PAGES}


def outside_code(markdown: str) -> str:
    """``markdown`` without its code spans (CommonMark: a run of backticks up to the next run of the same length)."""
    return re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", markdown)


def _problem(at, *folders, secret: str = "s3cret") -> str | None:
    """What the page shows that it must not, or None."""
    if at.exception:
        return f"exception: {str(at.exception[0].value)[:160]}"
    shown = texts(at)
    for bad in ("Traceback", secret, "root:x:", *map(str, folders)):
        if bad in shown:
            return f"shows {bad[:40]!r}"
    for kind in TEXT_KINDS:
        for e in getattr(at, kind):
            rest = outside_code(str(e.value))   # escaped (\\[, \\:) the input shows as typed
            if "evil" in rest and RENDERED.search(rest):
                return f"renders markdown from the input: {str(e.value)[:120]!r}"
    return None


def _pages(at, pages):
    """``at`` on each page in turn (the first is the page it opened on)."""
    yield pages[0]
    for page in pages[1:]:
        at.switch_page(page).run()
        yield page


def test_every_hostile_query_string_is_refused_on_every_page_that_reads_it(runs_dir, capsys):
    tried, failures = 0, []
    for key, pages in QUERY.items():
        pages = (pages,) if isinstance(pages, str) else pages
        for value in HOSTILE:
            at = open_app(None, **{key: value})
            for page in _pages(at, pages):
                tried += 1
                problem = _problem(at, runs_dir, ROOT)
                if problem is None and at.session_state["lang"] not in ("en", "zh"):
                    problem = f"lang {at.session_state['lang']!r}"
                if problem is None and "teacher" in at.session_state and at.session_state["teacher"]:
                    problem = "teacher mode"
                if problem is None and (server.registry().sessions() or any(runs_dir.iterdir())):
                    problem = "something started or was written"
                if problem:
                    failures.append(f"?{key}={value[:40]!r} on {page}: {problem}")
            if key in ("preset", "hide") and value and not any("lesson link" in e.value for e in at.error):
                failures.append(f"?{key}={value[:40]!r}: no message says the lesson link is wrong")
    with capsys.disabled():
        print(f"\npage input matrix: query strings: {tried} tried, {tried - len(failures)} handled")
    assert not failures, "\n".join(failures)


def _code_pickle() -> bytes:
    import io

    class Boom:
        def __reduce__(self):
            return (print, ("a checkpoint ran code",))

    buf = io.BytesIO()
    torch.save({"config": {}, "x": Boom()}, buf)
    return buf.getvalue()


def _damages(secret) -> dict:
    """``{name: (file, how)}``: ``how(path)`` damages that file of a run folder."""
    def config(f):
        return lambda p: p.write_text(f(json.loads(p.read_text())))

    def raw(data):
        return lambda p: p.write_bytes(data)

    return {
        "config.json not JSON": ("config.json", raw(b"{lr_g: 0.1")),
        "config.json a list": ("config.json", raw(b"[1, 2, 3]")),
        "config.json wrong types": ("config.json", config(lambda c: json.dumps(
            {**c, "lr_g": "fast", "g_hidden": {"a": 1}, "latent_dim": 10**9, "loss": ["x"]}))),
        "config.json not UTF-8": ("config.json", raw(b"\xff\xfe{}")),
        "config.json nested 32,000 deep": ("config.json", raw(b"[" * 32_000 + b"]" * 32_000)),
        "config.json reading a server file": ("config.json", config(lambda c: json.dumps(
            {**c, "dataset": "points", "data_root": str(secret)}))),
        "config.json gone": ("config.json", lambda p: p.unlink()),
        "metrics.sqlite not a database": ("metrics.sqlite", raw(b"this is not a database" * 200)),
        "metrics.sqlite empty": ("metrics.sqlite", raw(b"")),
        "metrics.sqlite gone": ("metrics.sqlite", lambda p: p.unlink()),
        "latest.pt truncated": ("checkpoints/latest.pt", lambda p: p.write_bytes(p.read_bytes()[:300])),
        "latest.pt random bytes": ("checkpoints/latest.pt", raw(bytes(range(256)) * 8)),
        "latest.pt runs code when unpickled": ("checkpoints/latest.pt", raw(_code_pickle())),
        "latest.pt gone": ("checkpoints/latest.pt", lambda p: p.unlink()),
        "name.txt markdown": (NAME_FILE, raw(MARKDOWN[0].encode())),
        "name.txt an image and colours": (NAME_FILE, raw((MARKDOWN[1] + " " + MARKDOWN[2]).encode())),
        "name.txt 100,000 characters": (NAME_FILE, raw(b"n" * 100_000)),
        "name.txt not UTF-8": (NAME_FILE, raw(b"\xff\xfe\x00")),
    }


def test_every_damaged_run_file_gives_a_message_on_every_page(runs_dir, secret, capsys):
    trained = disk_run(runs_dir, tiny_cfg())
    pristine = runs_dir.parent / "pristine"
    shutil.copytree(runs_dir / trained, pristine)
    shutil.rmtree(runs_dir / trained)   # its writer (this process) still holds the database open
    tried, failures = 0, []
    for n, (name, (file, damage)) in enumerate(_damages(secret).items()):
        run = f"{trained}-{n}"
        folder = runs_dir / run
        shutil.copytree(pristine, folder)
        for part in ("metrics.sqlite-wal", "metrics.sqlite-shm"):
            (folder / part).unlink(missing_ok=True)
        damage(folder / file)
        at = open_app(TRAIN, run=run)
        for page in _pages(at, RUN_PAGES):
            tried += 1
            problem = _problem(at, runs_dir, ROOT)
            if problem:
                failures.append(f"{name} on {page}: {problem}")
        assert not server.registry().sessions()
        shutil.rmtree(folder)
    corrupt = [("metrics.sqlite not a database", p) for p in RUN_PAGES[:3]]
    corrupt += [("latest.pt truncated", p) for p in ("pages/discriminator.py", "pages/step_explained.py")]
    for name, page in corrupt:
        folder = runs_dir / f"{trained}-broken"    # the pages that read the broken file name it and its run
        shutil.copytree(pristine, folder)
        file, damage = _damages(secret)[name]
        damage(folder / file)
        at = open_app(page, run=folder.name)
        if not any("corrupt" in e.value and folder.name in e.value for e in at.error):
            failures.append(f"{name} on {page}: no message names the corrupt file")
        shutil.rmtree(folder)
    with capsys.disabled():
        print(f"\npage input matrix: run files: {len(_damages(secret))} damages, {tried} page loads, "
              f"{tried - len(failures)} handled")
    assert not failures, "\n".join(failures)
    assert not list(runs_dir.iterdir())


@pytest.mark.parametrize("value", MARKDOWN)
def test_markdown_in_a_lesson_link_shows_as_code(value):
    at = open_app(TRAIN, preset=value)
    errors = [e.value for e in at.error if "lesson link" in e.value]
    assert errors
    rest = outside_code(errors[0])   # what would render as markdown
    assert "evil.example" not in rest and "](" not in rest and ":red[" not in rest and "**" not in rest, errors[0]
