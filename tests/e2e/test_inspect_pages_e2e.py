"""The Discriminator and Latent space pages in headless Chromium: finished runs (lesson 1 and digits), a live
lesson-1 run, clicking two samples, the GIF, 简体中文. Screenshots land in tests/e2e/screenshots/."""
import io
import re
import urllib.request

import pytest
from browser_helpers import MAIN, SHOTS, no_exception, open_page, settle, shot, stop_run, warm
from waiting import wait_for

from gan_core import TrainConfig, TrainingSession, load_preset
from gan_core.runtime import store

pytestmark = pytest.mark.e2e


def _finished(runs, cfg: TrainConfig) -> str:
    sess = TrainingSession(cfg, run_dir=store.new_run_dir(cfg.dataset, runs), evaluator_factory=lambda tr: None)
    sess.start()
    assert sess.wait(120) and sess.snapshot().state == "finished"
    return sess.run_id


@pytest.fixture(scope="module")
def finished(server):
    """A lesson-1 run (D's last hidden layer of 2 units) and a digits MLP run, trained to their end on disk."""
    quad = _finished(server["runs"], load_preset("quadratic-classic").replace(
        device="cpu", threads=1, max_steps=600, snapshot_every=100, n_points=5000))
    dig = _finished(server["runs"], TrainConfig.for_dataset("digits", max_steps=300, device="cpu", threads=1,
                                                            eval_every=10**6))
    return {"quadratic": quad, "digits": dig}


def nav(pg, name):
    """Click a sidebar link once no dialog covers the page (a dialog's text is reported, then closed)."""
    dialog = pg.get_by_role("dialog")
    if not wait_for(lambda: dialog.count() == 0, timeout=15):
        print("dialog open:", dialog.first.inner_text()[:300])
        pg.screenshot(path=str(SHOTS / "debug-dialog.png"))
        pg.keyboard.press("Escape")
    link = pg.get_by_role("link", name=name)
    try:
        link.click(timeout=20_000)
    except Exception:
        print(f"sidebar link {name!r} not clickable; opening its address instead")
        pg.goto(link.get_attribute("href") + "?lang=en")


def wait_text(pg, *texts, timeout=60):
    return wait_for(lambda: all(t in pg.inner_text(MAIN) for t in texts), timeout=timeout)


def charts(pg) -> int:
    return pg.locator('[data-testid="stPlotlyChart"] .main-svg').count()


def test_discriminator_page_on_finished_runs(page, server, finished):
    warm(page, server)
    open_page(page, server, "features", finished["quadratic"], heading="Discriminator's features")
    page.get_by_role("heading", name="One update, before and after").wait_for(timeout=60_000)
    assert wait_text(page, "Real features moved by at most 0;")      # one G update never moves the real ones
    no_exception(page)
    assert wait_for(lambda: charts(page) >= 5), "feature space, D(x) histogram, surface, before, after"
    assert re.search(r"Linear-probe accuracy\S*\s+\d+%", page.inner_text(MAIN))
    shot(page, "disc-quadratic-finished")
    page.get_by_role("radio", name="discriminator", exact=True).click()
    assert wait_for(lambda: "After 1 discriminator update(s)" in page.inner_text(MAIN), timeout=30)
    settle(page)
    assert "Real features moved by at most 0;" not in page.inner_text(MAIN)
    shot(page, "disc-quadratic-d-update")

    open_page(page, server, "features", finished["digits"], heading="Discriminator's features")
    page.get_by_role("heading", name="One update, before and after").wait_for(timeout=60_000)
    no_exception(page)
    assert wait_text(page, "principal axes", "Real features moved by at most 0;")
    shot(page, "disc-digits-finished")

    open_page(page, server, "features", finished["quadratic"], lang="zh", heading="判别器的特征空间")
    page.get_by_role("heading", name="一次更新的前后对比").wait_for(timeout=60_000)
    assert wait_text(page, "形心", "真实样本的特征最多移动了 0")
    no_exception(page)
    shot(page, "disc-quadratic-zh")


def _click_sample(pg, index):
    box = pg.locator('[data-testid="stPlotlyChart"]').first.locator(".scatterlayer .point").nth(index).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    pg.mouse.move(x, y)
    pg.wait_for_timeout(300)
    pg.mouse.click(x, y)
    settle(pg, 0.5)


def test_latent_page_on_finished_runs(page, server, finished):
    warm(page, server)
    open_page(page, server, "latent", finished["digits"], heading="Latent space")
    page.get_by_role("heading", name="Move one latent point").wait_for(timeout=60_000)
    no_exception(page)
    end_a, end_b = page.get_by_label("End A"), page.get_by_label("End B")
    _click_sample(page, 10)                                         # click a sample: end A
    assert wait_for(lambda: end_a.input_value() == "10", timeout=15)
    _click_sample(page, 21)                                         # click another: end B
    assert wait_for(lambda: end_b.input_value() == "21", timeout=15) and end_a.input_value() == "10"
    # the animation is a real animated GIF
    gif = next(img for img in page.locator(f"{MAIN} img").all() if "spherical" in (img.evaluate(
        "e => e.closest('[data-testid=\"stImage\"]')?.innerText || ''")))
    src = gif.get_attribute("src")
    data = urllib.request.urlopen(src if src.startswith("http") else server["url"] + src).read()
    from PIL import Image

    assert data[:6] == b"GIF89a" and Image.open(io.BytesIO(data)).n_frames > 8
    assert page.get_by_role("button", name="Download GIF").count() == 1
    shot(page, "latent-digits-picked")
    page.get_by_role("button", name="New batch").click()
    assert wait_for(lambda: "batch #1" in page.inner_text(MAIN), timeout=30)
    no_exception(page)

    open_page(page, server, "latent", finished["quadratic"], heading="Latent space")
    page.get_by_role("heading", name="The generator's map of the latent plane").wait_for(timeout=60_000)
    no_exception(page)
    assert wait_for(lambda: charts(page) >= 4), "batch, paths, slider point, mesh"
    shot(page, "latent-quadratic-finished")

    open_page(page, server, "latent", finished["digits"], lang="zh", heading="潜在空间")
    page.get_by_role("heading", name="两个潜在向量之间的插值").wait_for(timeout=60_000)
    no_exception(page)
    shot(page, "latent-digits-zh")


def test_both_pages_on_a_live_run(page, server, finished):
    open_page(page, server, "", heading="Train")
    picker = page.get_by_role("combobox", name="Preset (lesson)")
    picker.click()
    page.keyboard.type("quadratic-classic")
    page.keyboard.press("Enter")
    page.get_by_text("y = 10 + x^2").first.wait_for(timeout=15_000)
    page.get_by_role("button", name="Start", exact=True).click()
    new = lambda: [p.name for p in server["runs"].glob("*-quadratic-*") if p.name != finished["quadratic"]]
    assert wait_for(new, timeout=30)
    run = new()[0]

    nav(page, "Discriminator's features")
    page.get_by_role("heading", name="Feature space over training").wait_for(timeout=60_000)
    thumb = page.locator('[data-testid="stSliderThumbValue"]').first
    assert wait_for(lambda: thumb.count() and thumb.inner_text().replace(",", "").isdigit(), timeout=60)
    first = int(thumb.inner_text().replace(",", ""))
    assert wait_for(lambda: int(thumb.inner_text().replace(",", "")) > first, timeout=60), "the view follows training"
    assert wait_text(page, "Real features moved by at most 0;")
    no_exception(page)
    shot(page, "disc-quadratic-live")

    nav(page, "Latent space")
    page.get_by_role("heading", name="Samples from one latent batch").wait_for(timeout=60_000)
    settle(page)
    step = lambda: int(re.search(r"Model in use: step ([\d,]+)", page.inner_text(MAIN)).group(1).replace(",", ""))
    pinned = step()
    page.wait_for_timeout(2000)
    page.get_by_role("button", name="Newest model").click()
    settle(page)
    assert wait_for(lambda: step() > pinned, timeout=20), "the newest model is taken"
    no_exception(page)
    assert run in page.url                                         # the live run is the current one
    shot(page, "latent-quadratic-live")
    nav(page, "Train")                                               # free the training slot
    stop_run(page)
    assert wait_for(lambda: (server["runs"] / run / "checkpoints" / "latest.pt").exists(), timeout=30)
