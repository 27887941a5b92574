"""What a review of the demo found on a phone (390 px) and a wide screen (1440 px), each checked where the reader
saw it: tables that scroll say so and keep their row names in view, figures and handles stay whole, the webhook
page fits the phone, the creator directory's filters fold away on a phone. Screenshots go to
test-artifacts/browser/ (review-<page>-<width>.png).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from agencies.services import agency_create
from brands.models import BrandMembership
from creators.models import Creator
from marketplace.core.models import User
from tests.agencies.conftest import sign
from tests.browser.data import PASSWORD
from tests.browser.pages import login, screenshot
from tests.browser.test_layout import SPLIT_FIGURES, VIEWPORTS, settle
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.browser

SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"
# The first column of a table in a scrolling box stays where it is while the box scrolls.
FIRST_COLUMN_STAYS = """(box) => { const cell = box.querySelector("tbody tr > th[scope=row]");
  const before = cell.getBoundingClientRect().left; box.scrollLeft = box.scrollWidth;
  const after = cell.getBoundingClientRect().left; box.scrollLeft = 0; return Math.abs(after - before) < 1; }"""


def in_chinese(page, base: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": base}])


def open_at(page, base: str, path: str, width: str):
    page.set_viewport_size(VIEWPORTS[width])
    page.goto(base + path)
    settle(page)


def assert_fits_and_whole(page, what: str) -> None:
    assert not page.evaluate(SCROLLS_SIDEWAYS), f"{what} scrolls sideways"
    assert page.evaluate(SPLIT_FIGURES) == [], f"{what} splits figures or handles over lines"


def assert_scrolls_with_a_cue(page, box, what: str) -> None:
    """The box is wider than the phone: it carries the fading edge (.more-right) and its row names stay put."""
    expect(box).to_have_class("overflow-auto more-right")
    assert box.evaluate(FIRST_COLUMN_STAYS), f"{what}: the row names scroll away with the figures"
    box.evaluate("(box) => { box.scrollLeft = box.scrollWidth; box.dispatchEvent(new Event('scroll')); }")
    expect(box).not_to_have_class("overflow-auto more-right")  # at the end, no more to see


def test_the_comparison_scrolls_on_a_phone_with_its_row_names_in_view_and_whole_figures(people, browsers):
    compared = list(Creator.objects.order_by("pk").values_list("pk", flat=True)[:3])
    path = reverse("matching:creator_compare") + "?" + "&".join(f"creator={pk}" for pk in compared)
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)

    for language in ("en", "zh-hans"):
        if language == "zh-hans":
            in_chinese(page, browsers.base_url)
        open_at(page, browsers.base_url, path, "phone")
        screenshot(page, browsers.artifacts, f"review-compare-{language}-390")

        assert_fits_and_whole(page, f"the comparison in {language}")
        assert_scrolls_with_a_cue(page, page.locator("main .overflow-auto").first, f"the comparison in {language}")
        # A row name breaks between words, never down to two characters a line (zh: "粉丝" / "数").
        names = page.locator("table.compare tbody th[scope=row]")
        assert min(names.evaluate_all("(els) => els.map((el) => el.getBoundingClientRect().width)")) > 90
        aligned = page.locator("table.compare tbody td").evaluate_all(
            "(els) => [...new Set(els.map((el) => getComputedStyle(el).textAlign))]"
        )
        assert aligned in (["right"], ["end"]), f"the comparison's values are aligned {aligned}"


def test_the_staff_overview_by_month_scrolls_on_a_phone_in_chinese_with_the_month_in_view(people, browsers):
    page = browsers.open("staff")
    login(page, browsers.base_url, people.admin_email)
    in_chinese(page, browsers.base_url)

    open_at(page, browsers.base_url, reverse("staff_overview"), "phone")
    screenshot(page, browsers.artifacts, "review-overview-zh-390")

    assert_fits_and_whole(page, "the staff overview")
    assert_scrolls_with_a_cue(page, page.locator("main .overflow-auto").first, "the overview by month")


def test_the_directory_folds_its_filters_on_a_phone_and_shows_them_on_a_wide_screen(people, browsers):
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)
    directory = reverse("creators:directory")
    filters = page.locator("details#directory-filters")

    open_at(page, browsers.base_url, directory, "phone")
    screenshot(page, browsers.artifacts, "review-directory-390")
    expect(filters).not_to_have_attribute("open", "")
    assert page.locator("table.directory tbody tr").first.bounding_box()["y"] < VIEWPORTS["phone"]["height"]
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("Search")).to_be_visible()

    open_at(page, browsers.base_url, directory + "?q=lina", "phone")
    expect(filters).to_have_attribute("open", "")  # a filter is set: the reader sees which

    open_at(page, browsers.base_url, directory, "desktop")
    expect(filters).to_have_attribute("open", "")
    expect(page.get_by_label("Search")).to_be_visible()


def test_the_webhook_page_fits_a_phone(people, browsers):
    owner = BrandMembership.objects.get(brand_id=people.brand_id).user
    endpoint = WebhookEndpoint.objects.create(
        brand_id=people.brand_id, url="https://hooks.example.com/starmap", secret="whsec_test", created_by=owner
    )
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)

    open_at(page, browsers.base_url, reverse("webhooks:endpoint", args=[endpoint.pk]), "phone")
    screenshot(page, browsers.artifacts, "review-webhook-390")

    assert_fits_and_whole(page, "the webhook endpoint")


def test_the_agency_roster_keeps_amounts_and_handles_on_one_line(people, browsers):
    owner = User.objects.create_user(email="owner@agency.test", password=PASSWORD)
    agency_create(name="Lumen Talent (MCN)", owner=owner)
    lina = Creator.objects.get(pk=people.creator_id)
    Creator.objects.filter(pk=lina.pk).update(handle="gentle-quartz-c00-studio")
    lina.refresh_from_db()
    sign(owner, lina, share_bps=1_500, may_answer_offers=True, may_submit_deliverables=True, may_see_earnings=True)
    page = browsers.open("agency")
    login(page, browsers.base_url, owner.email)

    for width in VIEWPORTS:
        open_at(page, browsers.base_url, reverse("agencies:roster"), width)
        screenshot(page, browsers.artifacts, f"review-roster-{width}")

        assert_fits_and_whole(page, f"the roster ({width})")
        expect(page.locator("#roster td.num").filter(has_text="15 %")).to_have_count(1)
