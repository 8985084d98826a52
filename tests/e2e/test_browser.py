"""The dashboard in headless Chromium: every page, a live run, pause, a live knob, 简体中文, zoom that survives."""
import time

import pytest
from browser_helpers import chart, charts_ready, drag_zoom, first_point, no_exception, shot, stop_run, warm
from waiting import wait_for

pytestmark = pytest.mark.e2e


def _zoom(pg):
    """The x range of the curves chart once the user has zoomed (autorange off), else None."""
    info = chart(pg, True)[1]
    return info.get("range") if info.get("auto") is False else None


def _zoom_kept_and_drawn(pg, frame, name, min_lines):
    """Zoom into the curves, let the chart update twice, and check that the zoom stayed and the lines are drawn
    inside it (an empty zoomed window once passed a range-only check)."""
    drag_zoom(pg, frame)
    zoomed = wait_for(lambda: _zoom(pg), 10)
    assert zoomed, "the drag did not zoom"
    renders = chart(pg, True)[1].get("renders", 0)
    assert wait_for(lambda: chart(pg, True)[1].get("renders", 0) >= renders + 2, timeout=30), "no more updates"
    after = chart(pg, True)[1]
    assert after["range"] == pytest.approx(zoomed, rel=1e-6), "the zoom was reset by an update"
    assert min(after["fin"]) >= 2, f"traces without points inside the zoomed steps {zoomed}: {after['fin']}"
    assert after["lines"] >= min_lines, f"only {after['lines']} lines drawn in the zoomed window"
    shot(pg, name)


def metric(pg, i=0) -> str:
    return pg.locator('[data-testid="stMetricValue"]').nth(i).inner_text()


def stop(pg, label="Stop", stopped="stopped", confirm="Stop the run", shot_name=None):
    """Press Stop, confirm it, and see the stopped state promptly (it also frees the training slot for the next
    test); the time counts from the confirm's click."""
    t0 = time.time()
    stop_run(pg, label, confirm, shot_name)
    pg.get_by_text(stopped, exact=True).first.wait_for(timeout=15_000)
    return time.time() - t0


def start(pg):
    """Press Start on the Train page (its empty charts loaded first); seconds until the first point shows."""
    start_button = pg.get_by_role("button", name="Start", exact=True)
    start_button.wait_for(timeout=60_000)
    assert charts_ready(pg), "the empty charts were not drawn before Start"
    before = chart(pg, True)[1].get("rev")
    t0 = time.time()
    start_button.click()
    assert first_point(pg, before), "no point on the loss curve"
    return time.time() - t0


def test_every_page_opens(page, server):
    for path, title, ready in (("", "Train", "Start"), ("curves", "Live curves", None),
                               ("compare-runs", "Compare runs", None),
                               ("own-data", "Your own data", "Train on these points"),
                               ("step", "One step, slowly", "Run one iteration in slow motion")):
        page.goto(f"{server['url']}/{path}?lang=en")
        page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
        if ready:
            page.get_by_role("button", name=ready, exact=True).wait_for(timeout=30_000)
        assert "Traceback" not in page.content()
        shot(page, f"page-{path or 'train'}")


def test_live_run(page, server):
    page.goto(f"{server['url']}/?lang=en")
    first_point_s = start(page)
    print(f"\nStart -> first point on the curve: {first_point_s:.2f} s")  # bench/ui_overhead.py measures it
    n1 = chart(page, True)[1]["n"][0]
    fake1 = wait_for(lambda: chart(page, False)[1].get("fake"))
    assert wait_for(lambda: chart(page, True)[1].get("n", [0])[0] > n1), "the curve does not grow"
    assert wait_for(lambda: chart(page, False)[1].get("fake") != fake1, 60), "the samples do not change"
    plane = chart(page, False)[1]
    assert plane["plot"][0] > 250 and abs(plane["plot"][0] - plane["plot"][1]) <= 0.05 * plane["plot"][0], (
        f"the 2-D plane should fill its column, square: plot area {plane['plot']}")
    shot(page, "train-running")

    # zoom into the loss curve: the zoom survives updates and the lines are drawn inside it
    assert wait_for(lambda: chart(page, True)[1].get("n", [0])[0] >= 12, 60)
    _zoom_kept_and_drawn(page, chart(page, True)[0], "train-zoom-kept", min_lines=4)
    chart(page, True)[0].locator(".nsewdrag").first.dblclick()  # back to autoscale

    # change the learning rate live: the marker appears on the curves
    slider = page.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert wait_for(lambda: chart(page, True)[1].get("shapes", 0) >= 1, timeout=30), "no marker for the change"
    assert any("lr_g" in n for n in chart(page, True)[1].get("notes", []))
    shot(page, "train-lr-marker")

    # pause: the step stops
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_text("paused", exact=True).first.wait_for(timeout=15_000)
    s1 = metric(page)
    page.wait_for_timeout(2500)
    assert metric(page) == s1, "the step moved while paused"
    shot(page, "train-paused")

    # 简体中文: every label follows, the preset box included (its label once stayed English, then broke it)
    page.get_by_text("简体中文", exact=True).first.click()
    page.get_by_role("heading", name="训练").first.wait_for(timeout=15_000)
    assert page.get_by_role("button", name="开始", exact=True).count() == 1
    preset = page.get_by_role("combobox", name="预设（课程）")
    assert wait_for(lambda: preset.input_value() == "（自定义设置）", 15), preset.input_value()
    page.get_by_text("已暂停", exact=True).first.wait_for(timeout=15_000)
    no_exception(page)
    shot(page, "train-zh")
    print(f"Stop -> stopped shown: {stop(page, '停止', '已停止', '停止训练', 'train-stop-confirm-zh'):.2f} s")
    no_exception(page)


def test_curves_page_zoom_survives_updates(page, server):
    page.goto(f"{server['url']}/?lang=en")
    start(page)
    page.get_by_role("link", name="Live curves").click()
    page.get_by_role("heading", name="Live curves").first.wait_for(timeout=15_000)
    assert wait_for(lambda: chart(page, True)[1].get("n", [0])[0] >= 12, timeout=60)
    _zoom_kept_and_drawn(page, chart(page, True)[0], "curves-zoom-kept", min_lines=8)
    page.get_by_role("link", name="Train").click()
    stop(page)


def _stroke(pg, box, cx, cy):
    pg.mouse.move(box["x"] + cx * box["width"], box["y"] + cy * box["height"])
    pg.mouse.down()
    for i in range(12):
        pg.mouse.move(box["x"] + (cx + 0.01 * i) * box["width"], box["y"] + (cy + 0.008 * i) * box["height"])
    pg.mouse.up()


def _drawn(pg) -> int:
    """The count in the page's caption "N points drawn." (what Python received), 0 before any."""
    caption = pg.get_by_text("points drawn").first
    if not caption.count():
        return 0
    words = caption.inner_text().split()
    return int(words[0]) if words and words[0].isdigit() else 0


def test_draw_points_train_on_them_and_slow_motion(page, server):
    warm(page, server)
    page.goto(f"{server['url']}/own-data?lang=en")
    page.get_by_role("button", name="Train on these points", exact=True).wait_for(timeout=30_000)
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=15_000)
    box = canvas.bounding_box()
    _stroke(page, box, 0.3, 0.3)  # two strokes: two clouds; each one reruns the page, so wait for it
    first = wait_for(lambda: _drawn(page), 30)
    assert first, "the first stroke did not reach Python"
    _stroke(page, box, 0.7, 0.6)
    assert wait_for(lambda: _drawn(page) > first, 30), "the second stroke did not reach Python"
    shot(page, "own-data-drawn")
    drawn = _drawn(page)
    page.get_by_role("button", name="Train on these points", exact=True).click()
    page.get_by_role("heading", name="Train").first.wait_for(timeout=30_000)
    assert wait_for(lambda: chart(page, False)[1].get("fake"), timeout=60), "no plane for the drawn points"
    shot(page, "own-data-training")
    stop(page)
    page.get_by_role("link", name="Your own data").click()       # back: the drawing is still there
    assert wait_for(lambda: _drawn(page) == drawn, 30), f"the drawing was lost: {_drawn(page)} of {drawn} points"
    assert page.locator(".gc-canvas .count").first.inner_text().strip() == str(drawn)   # on the canvas too
    shot(page, "own-data-kept")

    page.get_by_role("link", name="One step, slowly").click()
    page.get_by_role("button", name="Run one iteration in slow motion", exact=True).click()
    page.get_by_role("heading", name="1 · Noise sampled").wait_for(timeout=30_000)
    for i in range(2, 11):  # Next, sub-step by sub-step (each click reruns the page)
        page.get_by_role("button", name="Next", exact=True).click()
        page.get_by_role("heading", name=f"{i} · ").wait_for(timeout=15_000)
    page.get_by_role("heading", name="10 · G updated").wait_for(timeout=15_000)
    assert "never move" in page.content()
    shot(page, "step-g-updated")


def test_upload_images_then_open_the_checkpoint(page, server, tmp_path):
    """A zip of real digits (one folder per class) through the browser's file picker, trained on at once; then
    that run's checkpoint opened again on the Train page as a run of its own."""
    import io
    import zipfile

    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    archive = tmp_path / "digits.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i, (image, label) in enumerate(zip(digits.images[:200], digits.target[:200], strict=True)):
            buf = io.BytesIO()
            Image.fromarray((image * 16).clip(0, 255).astype("uint8")).save(buf, format="PNG")
            z.writestr(f"digits/{label}/{i}.png", buf.getvalue())
    warm(page, server)
    page.goto(f"{server['url']}/own-data?lang=en")
    page.get_by_role("tab", name="Upload images").click()
    panel = page.get_by_role("tabpanel", name="Upload images")
    panel.locator('input[type="file"]').set_input_files(str(archive))
    page.get_by_text("digits.zip").first.wait_for(timeout=30_000)
    panel.get_by_role("button", name="Train on these images", exact=True).click()
    page.get_by_role("heading", name="Train").first.wait_for(timeout=60_000)
    page.get_by_text("Saved 200 images (32x32, gray, 10 classes: 0, 1, 2").wait_for(timeout=30_000)
    assert wait_for(lambda: page.locator('[data-testid="stMain"] [data-testid="stImage"] img').count() >= 1, 90)
    no_exception(page)
    shot(page, "upload-images-training")
    stop(page)
    run = page.evaluate("() => new URLSearchParams(location.search).get('run')")
    checkpoint = server["runs"] / run / "checkpoints" / "latest.pt"
    assert wait_for(checkpoint.is_file, 30), "no checkpoint after Stop"
    page.locator('[data-testid="stFileUploader"]').filter(has_text="Open a config").locator(
        'input[type="file"]').set_input_files(str(checkpoint))
    page.get_by_text("Opened latest.pt as run").wait_for(timeout=60_000)
    assert page.evaluate("() => new URLSearchParams(location.search).get('run')") != run
    page.get_by_role("button", name="Resume from its checkpoint").wait_for(timeout=30_000)
    no_exception(page)
    shot(page, "open-checkpoint")


def test_a_reload_keeps_the_owner_and_a_link_does_not_make_one(page, browser, server):
    """Ownership belonged to the websocket session: F5 made the owner a watcher of their own run, which nobody
    could then pause or stop. The owner is this browser's cookie token now; a classmate's link gives none."""
    page.goto(f"{server['url']}/?lang=en")
    start(page)
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
    def cookie():
        return [c for c in page.context.cookies() if c["name"] == "gan_classroom_owner"]

    assert wait_for(lambda: len(cookie()) == 1, 30)
    cookie = cookie()
    assert len(cookie) == 1 and len(cookie[0]["value"]) == 32 and cookie[0]["value"] not in page.url
    assert wait_for(lambda: "run=" in page.url, 30)
    link = page.url
    page.reload()
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=60_000)
    assert "started in another browser" not in page.inner_text("body")
    other = browser.new_context().new_page()      # a classmate: no cookie of ours, the same link
    try:
        other.goto(link)
        other.get_by_text("started in another browser", exact=False).first.wait_for(timeout=60_000)
        pause = other.get_by_role("button", name="Pause", exact=True)
        assert pause.count() == 0 or pause.is_disabled()
        shot(other, "watcher-of-a-link")
    finally:
        other.close()
    page.get_by_role("button", name="Pause", exact=True).click()    # the owner, after the reload, still can
    page.get_by_text("paused", exact=True).first.wait_for(timeout=15_000)
    stop(page)
    no_exception(page)
