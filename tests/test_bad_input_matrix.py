"""The bad-input matrix (issue 17): every entry point a browser or the command line reaches, fed inputs it must
refuse. Each must be refused with one short line (a ValueError, or exit status 2 and one line on stderr for the
command line) that shows no server folder, no file contents and no traceback; nothing may be accepted and
nothing may raise anything else. The test prints the counts tried and handled per entry point (``-s``); the
README's security section quotes them.

The query strings, forged widget values and run files of the pages are in tests/app/test_security_pages.py and
tests/app/test_truth.py (AppTest); this module keeps to what needs no page, so it runs in seconds.
"""
import dataclasses
import io
import json
import zipfile

import numpy as np
import torch

from gan_core.config import TrainConfig
from gan_core.data.user import browser_data_root
from gan_core.paths import browser_roots, uploads_dir
from gan_core.runtime import uploads

MAX_MESSAGE = 1000    # a refusal may list what is allowed (every config key: ~700 characters), no more
# values of the wrong kind for every knob: what a forged widget message or a hand-written config may hold
WRONG = [{"x": 1}, [[1]], "not a number", float("nan"), float("inf"), -float("inf"), 10**400, None,
         "a" * 100_000, b"bytes", True and [1, "x"]]


def _refusal(call, echo: str, *folders) -> str | None:
    """None when ``call()`` refuses properly, else what went wrong. ``echo``: the input itself, which the message
    may quote (bounded) when a student typed it; no other folder may appear."""
    try:
        call()
    except ValueError as exc:
        msg = str(exc)
        shown = msg.replace(echo, "") if echo else msg
        if not msg or "\n" in msg or len(msg) > MAX_MESSAGE:
            return f"message not one short line: {msg[:120]!r}"
        if "Traceback" in msg or "s3cret" in msg or any(str(f) in shown for f in folders):
            return f"message shows what it must not: {msg[:160]!r}"
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    return "accepted"


def _png(value: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (8, 8), value).save(buf, format="PNG")
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, raw in members.items():
            z.writestr(name, raw)
    return buf.getvalue()


def _checkpoint(**config) -> bytes:
    buf = io.BytesIO()
    torch.save({"config": config, "step": 0}, buf)
    return buf.getvalue()


def cases(tmp_path, secret) -> dict[str, list[tuple[str, object]]]:
    """``{entry point: [(what, call)]}``: every call must be refused."""
    root = tmp_path / "runs"
    uploads_dir(root, "alice").mkdir(parents=True)
    uploads_dir(root, "bob").mkdir(parents=True)
    (uploads_dir(root, "bob") / "theirs.csv").write_text("1,2\n3,4\n")
    roots = browser_roots(root, "alice")
    knobs = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "data_root"]   # data_root: a path, below
    out: dict[str, list] = {}
    out["config knob (form, widget message, config file)"] = [
        (f"{k}={v!r:.30}", lambda k=k, v=v: TrainConfig.from_dict({k: v}).validate()) for k in knobs for v in WRONG]
    out["config knob (form, widget message, config file)"] += [
        (f"{k}={v!r}", lambda k=k, v=v: TrainConfig.from_dict({k: v}).validate()) for k, v in [
            ("dataset", "../../etc"), ("dataset", "ring8\x00"), ("loss", "wgan; rm -rf /"), ("model", "dcgan"),
            ("lr_g", -1), ("lr_d", 0), ("batch_size", 0), ("batch_size", 10**9), ("latent_dim", 0),
            ("g_hidden", []), ("g_hidden", [0]), ("g_hidden", [4096] * 9), ("d_hidden", [10**6]),
            ("d_steps", 0), ("d_steps", 10**6), ("beta1", 1.5), ("beta2", -0.1), ("dropout_d", 1.0),
            ("label_smoothing", 1.0), ("instance_noise", -1), ("ema", 1.0), ("seed", -1), ("device", "cuda:99x"),
            ("device", "/dev/sda"), ("threads", -1), ("max_seconds", -5), ("snapshot_every", 0),
            ("unknown_knob", 1)]]
    out["config JSON (upload, run folder, --config)"] = [
        (what, lambda text=text: TrainConfig.from_json(text)) for what, text in [
            ("nested 32,000 deep", "[" * 32_000 + "]" * 32_000), ("an array", "[1, 2]"), ("a number", "7"),
            ("not JSON", "{lr_g: 0.1}"), ("truncated", '{"lr_g": 0.1'), ("an integer of 5,000 digits",
                                                                           '{"seed": ' + "9" * 5000 + "}"),
            ("NaN literal", '{"lr_g": NaN}'), ("empty", ""), ("null", "null"), ("a string", '"ring8"')]]
    out["config upload (Train page)"] = [
        (what, lambda raw=raw: uploads.read_config(raw, "c.json")) for what, raw in [
            ("not UTF-8", b"\xff\xfe\x00{"), ("over 64 KB", b'{"seed": 1, "x": "' + b"a" * 70_000 + b'"}'),
            ("binary", bytes(range(256))), ("a checkpoint sent as config", _checkpoint())]]
    out["data_root typed or carried in a file"] = [
        (repr(bad)[:40], lambda bad=bad: browser_data_root(bad, roots)) for bad in [
            str(secret), "/etc/passwd", "/proc/self/environ", ".", "..", "../bob/theirs.csv",
            str(uploads_dir(root, "bob") / "theirs.csv"), str(root), "~", "~root/.ssh/id_rsa", "a\x00b",
            "a" * 100_000, 5, ["/etc"], {"path": "/etc"}]]
    from ui.owndata import parse_points
    out["points upload (Your own data)"] = [
        (what, lambda raw=raw: parse_points(raw)) for what, raw in [
            ("empty", b""), ("only a header", b"x,y\n"), ("three columns", b"1,2,3\n"), ("words", b"1,2\na,b\n"),
            ("NaN", b"1,2\nnan,3\n"), ("infinite", b"1,2\ninf,3\n"), ("finite in float64 only", b"5e307,1\n1,2\n"),
            ("not UTF-8", b"\xff\xfe1,2"), ("over the size limit", b"1,2\n" * 600_000), ("binary", bytes(range(256)))]]
    out["image upload (Your own data)"] = [
        (what, lambda files=files: uploads.save_images(files, root, "alice")) for what, files in [
            ("nothing", []), ("a text file", [("a.txt", b"hello")]), ("a broken PNG", [("a.png", b"\x89PNG\r\n")]),
            ("an empty zip", [("e.zip", b"PK\x05\x06" + b"\0" * 18)]),
            ("a zip of text", [("t.zip", _zip({"a.txt": b"x"}))]),
            ("a zip slipping out", [("s.zip", _zip({"../../evil.png": _png(1)}))]),
            ("not a zip", [("n.zip", b"PK\x03\x04junk")]), ("not an npz", [("n.npz", b"PK\x03\x04junk")]),
            ("a pickled npy", [("p.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, "
                                          b"'shape': (1,), }" + b" " * 60 + b"\n")]),
            ("over 50 MB", [("big.png", b"\0" * (uploads.MAX_UPLOAD_BYTES + 1))])]]
    npz = io.BytesIO()
    np.savez(npz, x=np.zeros((2, 3)))
    out["checkpoint upload (Train page)"] = [
        (what, lambda raw=raw: uploads.import_checkpoint(raw, "c.pt", root, browser="alice")) for what, raw in [
            ("random bytes", bytes(range(256)) * 4), ("empty", b""), ("a zip", _zip({"a": b"b"})),
            ("an npz", npz.getvalue()), ("no config", _checkpoint()),
            ("a config reading a server file", _checkpoint(dataset="points", data_root=str(secret))),
            ("a config reading another browser's upload",
             _checkpoint(dataset="points", data_root=str(uploads_dir(root, "bob") / "theirs.csv"))),
            ("a config of the wrong kind", _checkpoint(lr_g="fast")), ("truncated", _checkpoint(lr_g=0.1)[:100])]]
    return out


def test_every_bad_input_is_refused_with_one_clean_line(tmp_path, secret, capsys):
    counts, failures = {}, []
    for entry, calls in cases(tmp_path, secret).items():
        handled = 0
        for what, call in calls:
            echo = call.__defaults__[0] if entry.startswith("data_root") else ""
            problem = _refusal(call, echo if isinstance(echo, str) else "", tmp_path, secret.parent)
            if problem is None:
                handled += 1
            else:
                failures.append(f"{entry}: {what}: {problem}")
        counts[entry] = (len(calls), handled)
    cli = _cli_cases(tmp_path, capsys)
    counts["command line (python -m gan_core)"] = (len(cli), sum(p is None for _, p in cli))
    failures += [f"command line: {what}: {p}" for what, p in cli if p is not None]
    with capsys.disabled():
        tried, handled = (sum(c[i] for c in counts.values()) for i in (0, 1))
        for entry, (n, h) in counts.items():
            print(f"\nbad-input matrix: {entry}: {n} tried, {h} handled", end="")
        print(f"\nbad-input matrix: {len(counts)} entry points, {tried} inputs tried, {handled} handled")
    assert not failures, "\n".join(failures)
    assert uploads_dir(tmp_path / "runs", "alice").exists() and not any(
        p.name.startswith(".") for p in uploads_dir(tmp_path / "runs", "alice").iterdir())   # nothing left behind


def _cli_cases(tmp_path, capsys) -> list[tuple[str, str | None]]:
    """Each bad command line must exit 2 with one line on stderr and no traceback."""
    from gan_core.cli import main

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 32_000 + "]" * 32_000)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"lr_g": "fast"}))
    argvs = {
        "a config nested 32,000 deep": ["train", "--config", str(deep), "--steps", "1"],
        "a config of the wrong kind": ["train", "--config", str(wrong), "--steps", "1"],
        "a config that does not exist": ["train", "--config", str(tmp_path / "none.json"), "--steps", "1"],
        "an unknown preset": ["train", "--preset", "no-such-preset", "--steps", "1"],
        "a bad --set": ["train", "--set", "lr_g=-1", "--steps", "1"],
        "an unknown knob in --set": ["train", "--set", "speed=11", "--steps", "1"],
        "bench --seconds nan": ["bench", "--seconds", "nan"],
        "bench --seconds -1": ["bench", "--seconds", "-1"],
        "bench --seconds inf": ["bench", "--seconds", "inf"],
    }
    out = []
    for what, argv in argvs.items():
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:   # argparse's own refusals
            code = exc.code
        except Exception as exc:
            out.append((what, f"{type(exc).__name__}: {str(exc)[:100]}"))
            continue
        err = capsys.readouterr().err.strip()
        if code != 2:
            out.append((what, f"exit {code}"))
        elif not err or "\n" in err or "Traceback" in err or str(tmp_path) in err.replace(argv[-3], ""):
            out.append((what, f"stderr {err[:160]!r}"))
        else:
            out.append((what, None))
    return out
