"""Novice tasks in a real browser: a creator who has just signed up completes the profile and the rate card,
asks for the practice offer on the growth page, walks it (accept, script, video, publish with a test link,
results) with the practice brand answering each step at once, and sees every task checked off — with no
money moved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from payouts.models import Hold, LedgerEntry
from tests.browser.data import PASSWORD, mp4_file
from tests.browser.pages import expect_message, screenshot, status_badge

pytestmark = pytest.mark.browser

TASKS = (
    "profile",
    "rate_card",
    "practice_answered",
    "practice_script",
    "practice_video",
    "practice_published",
    "practice_results",
)


def task(page, key: str):
    return page.locator(f'#novice-tasks li[data-novice="{key}"]')


def sign_up(page, base: str) -> None:
    page.goto(base + "/accounts/signup/")
    page.get_by_role("button", name="Sign up as a creator").click()
    page.locator("#id_email").fill("novice@example.test")
    page.locator("#id_display_name").fill("Nova Li")
    page.locator("#id_handle").fill("nova-li")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create my profile").click()
    expect(page).to_have_url(base + "/creator/")


def complete_profile(page, base: str) -> None:
    page.goto(base + "/creator/profile/")
    page.locator("#id_bio").fill("Skincare for students, tested on camera.")
    page.get_by_role("button", name="Save basics").click()
    expect_message(page, "Profile saved.")

    page.locator("#label-q").fill("Skin Care")
    result = page.locator("#label-results tr").filter(has_text="Skin Care").first
    result.locator('input[type="checkbox"]').check()
    page.get_by_role("button", name="Save labels").click()
    expect(page.locator("#label-rows")).to_contain_text("Skin Care")

    page.locator("#audience").get_by_label("Female").fill("100")
    page.get_by_role("button", name="Save audience").click()
    expect(page.locator("#audience").get_by_label("Female")).to_have_value("100")

    page.locator("#id_price_short_21_60").fill("800")
    page.get_by_role("button", name="Save rate card").click()
    expect_message(page, "Rate card saved.")


def test_a_new_creator_finishes_the_novice_tasks(browsers, taxonomy, tmp_path, transactional_db):
    base, artifacts = browsers.base_url, browsers.artifacts
    page = browsers.open("novice")
    sign_up(page, base)

    page.goto(base + "/creator/growth/")
    for key in TASKS:
        expect(task(page, key)).to_have_class("step-open")
    complete_profile(page, base)
    page.goto(base + "/creator/growth/")
    expect(task(page, "profile")).to_have_class("step-done")
    expect(task(page, "rate_card")).to_have_class("step-done")
    screenshot(page, artifacts, "novice-1-growth")

    # The practice offer: asked for on the growth page, labelled on the deal page, answered.
    page.get_by_role("button", name="Start the practice offer").click()
    expect_message(page, "The practice brand sent you an offer: answer it to start.")
    expect(page.locator("#practice-note")).to_contain_text("No money moves")
    expect(page.locator("h1 .practice-badge")).to_have_text("Practice")
    page.get_by_role("button", name="Accept").first.click()
    expect(status_badge(page)).to_have_text("Accepted")

    # Script, video, post: the practice brand answers each at once.
    page.locator("#id_submit_script_script").fill("Open on the product, show it in use, end on the link.")
    page.get_by_role("button", name="Submit the script").click()
    expect(status_badge(page)).to_have_text("Script approved")
    page.locator("#id_submit_video_video").set_input_files(mp4_file(tmp_path))
    page.get_by_role("button", name="Upload the video").click()
    expect(status_badge(page)).to_have_text("Video approved")
    page.locator("#id_publish_post_url").fill("https://example.com/practice-post")
    page.get_by_role("button", name="Save the published link").click()
    expect(status_badge(page)).to_have_text("Completed")

    # Results, entered at once on a practice deal.
    day_1 = page.locator("#result-day-1")
    day_1.locator("summary").click()
    day_1.locator('input[name="views"]').fill("1200")
    day_1.get_by_role("button", name="Save day 1").click()
    expect(page.locator("#result-day-1 summary")).to_contain_text("1,200 views recorded")
    screenshot(page, artifacts, "novice-2-deal")

    page.goto(base + "/creator/growth/")
    for key in TASKS:
        expect(task(page, key)).to_have_class("step-done")
    expect(page.locator("#novice-finished")).to_have_text("You have finished the novice tasks.")
    expect(page.locator('#next-steps li[data-step="novice"]')).to_have_class("step-done")
    screenshot(page, artifacts, "novice-3-done")
    assert Hold.objects.count() == 0 and LedgerEntry.objects.count() == 0
