"""The Distribution shift and Augment pages in headless Chromium: a live DANN run (curves growing, the three
sections, 简体中文, Stop) and a one-seed augmentation experiment to its results. Screenshots land in
tests/e2e/screenshots/ (shift-*.png, augment-*.png)."""
import pytest
from browser_helpers import MAIN, no_exception, open_page, settle, shot, text, trace_points, warm
from waiting import wait_for

pytestmark = pytest.mark.e2e


def test_distribution_shift_live_run(page, server):
    warm(page, server)
    open_page(page, server, "shift", heading="Distribution shift")
    no_exception(page)
    assert wait_for(lambda: page.locator(f'{MAIN} [data-testid="stImage"] img').count() >= 20), "the preview"
    assert "Press Start" in text(page)
    shot(page, "shift-idle")
    thumbs = page.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]')
    thumbs.nth(1).focus()          # the longest run (20,000 steps): it must still train when Stop is pressed
    thumbs.nth(1).press("End")
    settle(page, 0.3)
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("heading", name="3 · Domain-adversarial training (DANN)").wait_for(timeout=120_000)
    if not wait_for(lambda: trace_points(page, "DANN · target") >= 2, timeout=180):
        shot(page, "shift-no-target-curve")
        pytest.fail(f"the target curve: {trace_points(page, 'DANN · target')} points; page: {text(page)[:1500]}")
    first = trace_points(page, "DANN · target")
    assert wait_for(lambda: trace_points(page, "DANN · target") > first, timeout=180), "the curve does not grow"
    assert "of 20,000" in text(page), "the steps slider set the run's length"
    for label in ("Source accuracy", "Target accuracy", "Domain AUC", "DANN on the target", "Lost to the shift"):
        assert label in text(page)
    assert page.get_by_role("button", name="Start", exact=True).is_disabled()
    no_exception(page)
    shot(page, "shift-running")
    page.get_by_role("radio", name="简体中文").or_(page.get_by_text("简体中文", exact=True)).first.click()
    if not wait_for(lambda: page.get_by_role("heading", name="3 · 域对抗训练（DANN）").count() > 0, timeout=120):
        shot(page, "shift-no-zh")
        side = page.inner_text('[data-testid="stSidebar"]')
        pytest.fail(f"no Chinese heading after 120 s; url {page.url}; sidebar: {side[:300]!r}; "
                    f"page: {text(page)[:1500]!r}")
    assert wait_for(lambda: trace_points(page, "DANN · 目标域") >= 2, timeout=60)
    assert "源域准确率" in text(page) and "域 AUC" in text(page)
    no_exception(page)
    shot(page, "shift-running-zh")
    page.get_by_role("button", name="停止", exact=True).click()
    assert wait_for(lambda: not page.get_by_role("button", name="开始", exact=True).is_disabled(), timeout=60)
    no_exception(page)


def test_augment_experiment_to_its_results(page, server):
    warm(page, server)
    open_page(page, server, "augment", heading="Augment")
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
