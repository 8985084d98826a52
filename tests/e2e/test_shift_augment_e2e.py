"""The Distribution shift and Augment pages in headless Chromium: a live DANN run (curves growing, the three
sections, 简体中文, Stop) and a one-seed augmentation experiment to its results. Screenshots land in
tests/e2e/screenshots/ (shift-*.png, augment-*.png)."""
import time

import pytest
from conftest import SHOTS

pytestmark = pytest.mark.e2e
MAIN = '[data-testid="stMain"]'
POINTS = """(name) => { const g = document.getElementById('chart');
  if (!g || !g._fullData) return -1;
  const tr = g._fullData.find(d => d.name === name);
  return tr && tr.x ? Array.from(tr.x).filter(v => v === v && v !== null).length : -1; }"""


def wait_for(cond, timeout=30.0, every=0.5):
    end = time.time() + timeout
    while time.time() < end:
        value = cond()
        if value:
            return value
        time.sleep(every)
    return cond()


def settle(pg, seconds=1.0):
    pg.wait_for_timeout(500)
    wait_for(lambda: pg.locator('[data-testid="stStatusWidget"]').count() == 0, timeout=60)
    pg.wait_for_timeout(int(seconds * 1000))


def shot(pg, name):
    """Full height: Streamlit scrolls inside its main block, so grow the viewport to the content first."""
    height = pg.evaluate(f"() => document.querySelector('{MAIN}').scrollHeight")
    pg.set_viewport_size({"width": 1400, "height": max(1000, min(int(height) + 40, 6000))})
    pg.wait_for_timeout(1500)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    pg.set_viewport_size({"width": 1400, "height": 1000})


def text(pg) -> str:
    return pg.inner_text(MAIN)


def no_exception(pg):
    assert pg.get_by_text("Page not found").count() == 0
    assert pg.locator('[data-testid="stException"]').count() == 0, pg.locator(
        '[data-testid="stException"]').first.inner_text()


def trace_points(pg, name) -> int:
    """Points of the trace ``name`` in any live chart of the page (-1 when no chart has it)."""
    best = -1
    for frame in pg.frames:
        if "plotly_live" in frame.url:
            try:
                best = max(best, frame.evaluate(POINTS, name))
            except Exception:  # noqa: BLE001 - a frame being replaced
                continue
    return best


def open_page(pg, server, path, heading, lang="en"):
    pg.goto(f"{server['url']}/{path}?lang={lang}")
    pg.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
    settle(pg)


def warm(pg, server):
    """A fresh server must run app.py once before a deep link (else Streamlit shows 'Page not found')."""
    pg.goto(f"{server['url']}/?lang=en")
    pg.get_by_role("heading", name="Train").first.wait_for(timeout=90_000)


def test_distribution_shift_live_run(page, server):
    warm(page, server)
    open_page(page, server, "shift", "Distribution shift")
    no_exception(page)
    assert wait_for(lambda: page.locator(f'{MAIN} [data-testid="stImage"] img').count() >= 20), "the preview"
    assert "Press Train" in text(page)
    shot(page, "shift-idle")
    thumbs = page.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]')
    thumbs.nth(1).focus()          # the longest run (20,000 steps): it must still train when Stop is pressed
    thumbs.nth(1).press("End")
    settle(page, 0.3)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("heading", name="3 · Domain-adversarial training (DANN)").wait_for(timeout=120_000)
    assert wait_for(lambda: trace_points(page, "DANN · target") >= 2, timeout=180), "the target curve"
    first = trace_points(page, "DANN · target")
    assert wait_for(lambda: trace_points(page, "DANN · target") > first, timeout=180), "the curve does not grow"
    assert "of 20,000" in text(page), "the steps slider set the run's length"
    for label in ("Source accuracy", "Target accuracy", "Domain AUC", "DANN on the target", "Lost to the shift"):
        assert label in text(page)
    assert page.get_by_role("button", name="Train", exact=True).is_disabled()
    no_exception(page)
    shot(page, "shift-running")
    page.get_by_role("radio", name="简体中文").or_(page.get_by_text("简体中文", exact=True)).first.click()
    page.get_by_role("heading", name="3 · 域对抗训练（DANN）").wait_for(timeout=60_000)
    assert wait_for(lambda: trace_points(page, "DANN · 目标域") >= 2, timeout=60)
    assert "源域准确率" in text(page) and "域 AUC" in text(page)
    no_exception(page)
    shot(page, "shift-running-zh")
    page.get_by_role("button", name="停止", exact=True).click()
    assert wait_for(lambda: not page.get_by_role("button", name="开始训练", exact=True).is_disabled(), timeout=60)
    no_exception(page)


def test_augment_experiment_to_its_results(page, server):
    warm(page, server)
    open_page(page, server, "augment", "Augment")
    no_exception(page)
    thumbs = page.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]')
    assert thumbs.count() == 4          # labels per class, GAN steps, classifier steps, generated per class
    for i in range(4):                  # the smallest experiment: 1 label per class, 200 + 100 steps, 10 images
        thumbs.nth(i).focus()
        thumbs.nth(i).press("Home")
        settle(page, 0.3)
    seeds = page.get_by_label("Seeds (repeats)", exact=True).and_(page.get_by_test_id("stNumberInputField"))
    seeds.fill("1")
    seeds.press("Enter")
    settle(page)
    page.get_by_role("button", name="Run the experiment", exact=True).click()
    assert wait_for(lambda: "training the conditional GAN" in text(page), timeout=60)
    assert wait_for(lambda: trace_points(page, "loss_D") >= 2, timeout=120), \
        f"the GAN curve; chart frames: {[f.url[-40:] for f in page.frames if 'plotly_live' in f.url]}"
    no_exception(page)
    shot(page, "augment-gan-phase")
    assert wait_for(lambda: page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() == 1, timeout=300)
    settle(page, 2)
    body = text(page)
    assert "points on average" in body and "Label agreement" in body and "With random labels" in body
    assert "Seed 1 of 1: done" in body
    no_exception(page)
    shot(page, "augment-done")
    page.get_by_role("radio", name="简体中文").or_(page.get_by_text("简体中文", exact=True)).first.click()
    page.get_by_role("heading", name="多个种子的结果（完整测试集）").wait_for(timeout=60_000)
    assert "标签一致率" in text(page)
    no_exception(page)
    shot(page, "augment-done-zh")
