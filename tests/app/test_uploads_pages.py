"""Files sent through the pages (AppTest): configs and checkpoints on the Train page, images and CSV points on Your
own data. Good files do what they say; bad ones give one message naming the problem, in the page's language, and
change nothing: no run, no file, the form as it was."""
import io
import zipfile

import pytest
import torch
from apptest_helpers import click, disk_run, open_app, poll
from PIL import Image

from gan_core.config import TrainConfig
from gan_core.paths import uploads_dir
from gan_core.runtime import store
from ui import server

RING = dict(g_hidden=[16], d_hidden=[16], n_points=256, batch_size=32, max_steps=20, snapshot_every=10)


def png(value: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (28, 28), value).save(buf, format="PNG")
    return buf.getvalue()


def uploads_left(runs_dir) -> list[str]:
    """What lies in the browsers' own uploads folders (each browser has one: ``uploads_dir(root, browser)``)."""
    folder = uploads_dir(runs_dir)
    return sorted(p.name for sub in folder.iterdir() for p in sub.iterdir()) if folder.exists() else []


def open_file(at, name: str, raw: bytes):
    at.file_uploader(key="open_file").set_value((name, raw, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def test_open_a_config_fills_the_form_and_a_bad_one_changes_nothing():
    at = open_app()
    before = dict(at.session_state["form"])
    open_file(at, "bad.json", b'{"dataset": "ring8", "lr_g": -1}')
    assert any("lr_g=-1" in e.value and "bad.json" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["form"] == before
    good = TrainConfig.for_dataset("grid25", lr_g=5e-4, seed=7)
    open_file(at, "lesson.json", good.to_json().encode())
    assert at.session_state["form"]["dataset"] == "grid25" and at.session_state["form"]["lr_g"] == 5e-4
    assert at.session_state["k.seed"] == 7 and any("lesson.json" in s.value for s in at.toast)   # a toast: it fades


def test_open_a_checkpoint_makes_a_run_and_a_hostile_one_runs_nothing(runs_dir, tmp_path):
    source = disk_run(runs_dir, TrainConfig.for_dataset("ring8", **RING))
    raw = (store.safe_run_dir(source, runs_dir) / "checkpoints" / "latest.pt").read_bytes()
    at = open_app()
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = io.BytesIO()
    torch.save({"format": store.CHECKPOINT_FORMAT, "version": 1, "x": Evil()}, evil)
    for name, payload in (("evil.pt", evil.getvalue()), ("half.pt", raw[: len(raw) // 2])):
        open_file(at, name, payload)
        assert any("cannot be opened" in e.value and name in e.value for e in at.error), [e.value for e in at.error]
        assert [r["run_id"] for r in store.list_runs(runs_dir)] == [source] and uploads_left(runs_dir) == []
    assert not marker.exists()
    open_file(at, "ring.pt", raw)
    runs = [r["run_id"] for r in store.list_runs(runs_dir)]
    assert len(runs) == 2 and at.session_state["run"] in runs and at.session_state["run"] != source
    assert any("ring.pt" in s.value for s in at.toast)
    assert at.button(key="btn_resume_disk")        # the imported run trains on from its checkpoint
    assert any("has no curves yet" in c.value for c in at.caption)   # not an empty chart
    assert store.read_status(store.safe_run_dir(at.session_state["run"], runs_dir))["step"] == 20


def test_upload_images_trains_on_them(runs_dir):
    at = open_app("pages/own_data.py")
    assert at.button(key="btn_train_images").disabled
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for cls, value in (("dark", 30), ("light", 220)):
            for i in range(12):
                z.writestr(f"shapes/{cls}/{i}.png", png(value + i))
    at.file_uploader(key="own_images").set_value(("shapes.zip", buf.getvalue(), "application/zip")).run()
    at.button(key="btn_train_images").click().run()
    assert not at.exception, at.exception
    assert poll(at, lambda: server.registry().sessions(), timeout=30)   # decoded off the page, then started
    sess = server.registry().sessions()[0]
    assert sess.config.dataset == "folder" and sess.config.data_root == str(uploads_dir(runs_dir, sess.owner) /
                                                                             uploads_left(runs_dir)[0])
    assert any("24 images (28x28, gray, 2 classes: dark, light)" in s.value for s in at.toast), at.toast


@pytest.mark.parametrize("files, message", [
    ([("empty.zip", b"PK\x05\x06" + b"\0" * 18)], "'empty.zip' holds no image files"),
    ([("broken.npz", b"PK\x03\x04junk")], "'broken.npz' could not be read"),
    ([("a.png", b"\x89PNG\r\n\x1a\nbroken"), ("b.png", b"")], "holds no readable images"),
])
def test_bad_image_uploads_say_why_and_start_nothing(runs_dir, files, message):
    at = open_app("pages/own_data.py")
    at.file_uploader(key="own_images").set_value([(n, raw, "application/octet-stream") for n, raw in files]).run()
    click(at, "btn_train_images")
    assert poll(at, lambda: any(message in e.value for e in at.error), timeout=30), [e.value for e in at.error]
    assert not server.registry().sessions() and uploads_left(runs_dir) == []


def test_bad_csv_points_say_why_in_chinese():
    at = open_app()
    at.session_state["lang"] = "zh"   # what ?lang=zh sets, for a switch_page run without app.py
    at.switch_page("pages/own_data.py").run()
    at.file_uploader(key="own_upload").set_value(("p.csv", b"x,y\n1,2,3\n", "text/csv")).run()
    assert not at.exception and any("该文件无法使用" in e.value for e in at.error)
    click(at, "btn_train_csv")
    assert not server.registry().sessions()


def test_uploads_decode_one_at_a_time_off_the_page_and_can_be_cancelled(monkeypatch):
    """The server's decoder takes one upload at a time (the next browser's waits), reports progress, and Cancel
    stops a running job or one still waiting (which then never runs); a browser's new upload cancels its old."""
    import time

    import pytest
    from waiting import wait_for

    from gan_core.data.user import Cancelled
    from gan_core.runtime import uploads
    from ui import upload_jobs

    calls = []

    def slow_save(files, root, browser, progress):
        calls.append(browser)
        for i in range(3000):
            progress(i + 1, 3000)
            time.sleep(0.005)
        return "path", "data"

    monkeypatch.setattr(uploads, "save_images", slow_save)
    files = [("set.zip", b"zip")]
    a = upload_jobs.start(files, "runs", "browser-a")
    assert wait_for(lambda: a.done > 0, 10) and a.total == 3000 and not a.waiting
    b = upload_jobs.start(files, "runs", "browser-b")
    assert b.waiting and upload_jobs.current("browser-b") is b     # behind a's upload
    b.cancel.set()
    a2 = upload_jobs.start(files, "runs", "browser-a")             # a's new upload cancels the old one
    with pytest.raises(Cancelled):
        a.future.result(10)
    with pytest.raises(Cancelled):
        b.future.result(10)
    assert wait_for(lambda: a2.done > 0, 10)
    a2.cancel.set()
    with pytest.raises(Cancelled):
        a2.future.result(10)
    assert calls == ["browser-a", "browser-a"]                     # b never ran
    upload_jobs.take("browser-a", a)                               # an old job: a2 stays the browser's job
    assert upload_jobs.current("browser-a") is a2
    upload_jobs.take("browser-a", a2)
    assert upload_jobs.current("browser-a") is None
