"""Submission contests in a real browser, once per kind: the brand writes and publishes the contest in its page
(seeing the hold first), two creators enter their posts and report the counting day's figures in theirs, the
clock moves and the timer ranks (``contest_timers_run``, as the beat task calls it), the brand confirms in the
page, and each winner's earnings page shows the money."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from creators.models import Creator
from creators.services import creator_signup
from marketplace.core import format_money
from marketplace.core.models import User
from marketplace.core.verification import set_verification
from orders.models import Contest
from orders.services.contests import contest_timers_run
from payouts.services import fee_split
from tests.browser.conftest import days_from_today
from tests.browser.data import PASSWORD, SKIN_CARE
from tests.browser.pages import expect_message, login, screenshot

pytestmark = pytest.mark.browser

CATEGORY = "Consumer Packaged Goods > Skin Care"
FEE_BPS = 1000  # the browser tests' platform fee (tests/browser/conftest.py)


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


def net(prize: int) -> int:
    return fee_split(prize, FEE_BPS)[0]


def typed(moment: datetime) -> str:
    """A time as a datetime-local input takes it (the people here read their times in UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def second_creator(people) -> str:
    """Bo, a second verified creator with a login; returns the email."""
    creator = creator_signup(email="bo@creator.test", password=PASSWORD, display_name="Bo Wang", handle="bo-wang")
    admin = User.objects.get(email=people.admin_email)
    set_verification(actor=admin, model=Creator, pks=[creator.pk], to="verified")
    return creator.user.email


def write_the_brief(page: Page, title: str) -> None:
    page.locator("#id_title").fill(title)
    page.locator("#id_product_name").fill("Face wash")
    page.locator("#category-search").fill("Skin Care")
    category = page.locator("#category-results li").filter(has=page.get_by_text(CATEGORY, exact=True))
    category.get_by_role("button", name="Choose").click()
    expect(page.locator("#category-choice")).to_contain_text(CATEGORY)
    page.locator("#id_description").fill("Film your morning routine with the face wash.")
    page.locator("#id_format").select_option("short_21_60")
    page.locator("#label-search").fill("Beauty Skin Care")
    label = page.locator("#label-results li").filter(has=page.get_by_text(SKIN_CARE, exact=True))
    label.get_by_role("button", name="Add").click()
    expect(page.locator("#picked-labels")).to_contain_text(SKIN_CARE)


def publish_in_the_page(page: Page, base: str, pool: int) -> None:
    """From the orders list: the review shows the hold, the second button publishes."""
    page.get_by_role("button", name="Check the terms").click()
    expect(page.locator("#hold")).to_contain_text(f"Publishing holds {cny(pool)} from your wallet.")
    page.get_by_role("button", name=f"Publish and hold {cny(pool)}").click()
    expect_message(page, f"The contest is published; {cny(pool)} is held from your wallet.")


def enter_in_the_page(page: Page, base: str, email: str, title: str, post: str) -> None:
    login(page, base, email)
    page.goto(f"{base}/deals/inbox/")
    page.get_by_role("link", name="Open contests you may enter").click()
    page.locator("#open-contests").get_by_role("link", name=title).click()
    page.locator("#id_enter_post_url").fill(post)
    page.locator("#id_enter_published_at").fill(typed(timezone.now()))
    page.get_by_role("button", name="Enter the contest").click()
    expect_message(page, "You are in.")
    expect(page.locator("#my-entry")).to_contain_text("Submitted")


def report_in_the_page(page: Page, day: int, views: int, likes: int) -> None:
    page.reload()
    page.locator("#id_results_views").fill(str(views))
    page.locator("#id_results_likes").fill(str(likes))
    page.get_by_role("button", name=f"Save the day-{day} figures").click()
    expect_message(page, "Your figures are saved.")
    expect(page.locator("#my-entry")).to_contain_text(f"Day {day}: {views:,} views, {likes:,} likes.")


def confirm_in_the_page(page: Page) -> None:
    page.reload()
    expect(page.locator("h1 + p .badge")).to_have_text("Ranked, awaiting confirmation")
    page.get_by_role("button", name="Confirm the winners and pay the prizes").click()
    expect_message(page, "The winners are confirmed and paid")
    expect(page.locator("h1 + p .badge")).to_have_text("Settled")


def earnings_show(page: Page, base: str, amount: int) -> None:
    page.goto(f"{base}/contests/")
    page.locator("#my-entries").get_by_role("link").first.click()
    expect(page.locator("#my-entry .prize")).to_contain_text(f"You won {cny(amount)}")
    page.get_by_role("link", name="It is in your earnings").click()
    expect(page.locator("#earnings-available")).to_have_text(cny(amount))


def test_a_prize_contest_from_the_brands_form_to_the_winners_earnings(
    people, second_creator, clock, browsers, artifacts
):
    base, title = browsers.base_url, "Morning routine challenge"
    first, second = 300_000, 100_000
    brand, lina, bo = browsers.open("brand"), browsers.open("lina"), browsers.open("bo")

    login(brand, base, people.owner_email)
    brand.goto(f"{base}/orders/")
    brand.get_by_role("button", name="New contest").click()
    write_the_brief(brand, title)
    brand.get_by_label("Prize tiers", exact=True).check()
    brand.locator('input[name="tier_places"]').nth(0).fill("1")
    brand.locator('input[name="tier_prize"]').nth(0).fill("3000")
    brand.locator('input[name="tier_places"]').nth(1).fill("1")
    brand.locator('input[name="tier_prize"]').nth(1).fill("1000")
    brand.get_by_label("Most views").check()
    brand.locator("#id_submit_until").fill(f"{days_from_today(3).isoformat()}T12:00")
    brand.locator("#id_count_day").select_option("1")
    publish_in_the_page(brand, base, first + second)
    screenshot(brand, artifacts, "contest-1-published")

    clock.advance(minutes=5)  # the posts go up after the contest opened
    enter_in_the_page(lina, base, people.creator_email, title, "https://www.douyin.com/video/lina-1")
    enter_in_the_page(bo, base, second_creator, title, "https://www.douyin.com/video/bo-1")

    clock.advance(days=1, minutes=5)  # day 1 after each post
    report_in_the_page(lina, 1, 9_000, 700)
    report_in_the_page(bo, 1, 5_000, 900)

    clock.advance(days=6)  # past the counting window and its grace day: the timer ranks
    assert contest_timers_run(now=timezone.now())["ranked"] == 1
    confirm_in_the_page(brand)
    expect(brand.locator("#entries")).to_contain_text(cny(first))
    screenshot(brand, artifacts, "contest-2-confirmed")

    earnings_show(lina, base, net(first))
    earnings_show(bo, base, net(second))
    screenshot(lina, artifacts, "contest-3-earnings")
    assert Contest.objects.get().status == Contest.Status.SETTLED


def test_a_cpm_contest_from_the_brands_form_to_the_winners_earnings(people, second_creator, clock, browsers):
    base, title = browsers.base_url, "Face wash CPM submissions"
    brand, lina, bo = browsers.open("brand"), browsers.open("lina"), browsers.open("bo")
    cap_per_creator, total_cap = 50_000, 80_000  # CNY 500.00 and CNY 800.00 at CNY 10.00 per 1,000 plays

    login(brand, base, people.owner_email)
    brand.goto(f"{base}/orders/")
    brand.get_by_role("button", name="New contest").click()
    write_the_brief(brand, title)
    brand.get_by_label("Paid per 1,000 plays").check()
    brand.locator("#id_cpm").fill("10")
    brand.locator("#id_creator_cap").fill("500")
    brand.locator("#id_total_cap").fill("800")
    brand.locator("#id_submit_until").fill(f"{days_from_today(2).isoformat()}T12:00")
    publish_in_the_page(brand, base, total_cap)

    clock.advance(minutes=5)
    enter_in_the_page(lina, base, people.creator_email, title, "https://www.douyin.com/video/lina-2")
    enter_in_the_page(bo, base, second_creator, title, "https://www.douyin.com/video/bo-2")

    clock.advance(days=14, minutes=5)  # CPM is paid on the day-14 plays
    report_in_the_page(lina, 14, 60_000, 1_000)  # CNY 600.00 due, capped at CNY 500.00
    report_in_the_page(bo, 14, 30_000, 500)  # CNY 300.00

    clock.advance(days=4)
    assert contest_timers_run(now=timezone.now())["ranked"] == 1
    confirm_in_the_page(brand)

    earnings_show(lina, base, net(cap_per_creator))
    earnings_show(bo, base, net(30_000))
    assert Contest.objects.get().awarded == total_cap
