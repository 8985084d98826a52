"""The Attacks page in headless Chromium: open it, attack a digit with a larger eps, see the bound and the
prediction panel update, screenshot (tests/e2e/screenshots/attacks-*.png)."""
import pytest
from browser_helpers import MAIN, no_exception, open_page, settle, shot, stop_run, text, trace_points, warm
from waiting import wait_for

pytestmark = pytest.mark.e2e


def test_attack_one_digit(page, server):
    warm(page, server)
    open_page(page, server, "adversarial", heading="Adversarial attacks")
    assert wait_for(lambda: "Largest pixel change" in text(page), timeout=120), "the first attack"
    no_exception(page)
    assert "eps = 0.100" in text(page)   # the default: a light speckle at most on an 8x8 digit
    box = page.locator(f'{MAIN} input[aria-label="eps"]').first
    box.fill("0.25")
    box.press("Enter")
    settle(page)
    assert wait_for(lambda: "eps = 0.250" in text(page), timeout=60), "the new bound"
    page.get_by_role("button", name="Random image").click()
    settle(page, 2.0)
    no_exception(page)
    body = text(page)
    assert "Prediction after" in body and "Accuracy against eps" in body
    assert page.locator(f'{MAIN} .js-plotly-plot').count() >= 3, "images, probabilities, accuracy vs eps"
    shot(page, "attacks-one")
    box.fill("2")
    box.press("Enter")
    settle(page)
    assert wait_for(lambda: "eps=2" in text(page), timeout=30), "the error for a bad eps"
    no_exception(page)
    box.fill("0.15")
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Start", exact=True).click()
    assert wait_for(lambda: "Step 1" in text(page) or "Step 2" in text(page), timeout=90), "the training run"
    assert wait_for(lambda: trace_points(page, "Robust accuracy (PGD)") >= 3, timeout=120), "robust accuracy curve"
    no_exception(page)
    shot(page, "attacks-training")
    stop_run(page)     # Stop asks first, as on the Train page
    settle(page)
