"""The campaign report and the results entry in a real browser, with screenshots saved to
test-artifacts/browser/ (report-*.png)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from brands.models import BrandMembership
from creators.models import Creator
from marketplace.core.models import User
from orders.models import Collaboration
from orders.services.results import result_record
from tests.browser.pages import expect_message, login, screenshot
from tests.factories import OrderFactory
from tests.orders.conftest import deal_in, make_creator

pytestmark = pytest.mark.browser
S = Collaboration.Status


def a_campaign(people) -> tuple[Collaboration, int]:
    """Three creators on one order: the star creator published (day 1 recorded), two others further on."""
    owner = BrandMembership.objects.get(user__email=people.owner_email).user
    today = timezone.localdate()
    order = OrderFactory(
        brand_id=people.brand_id,
        title="Hydra serum: the autumn skin routine",
        status="published",
        creators_wanted=5,
        price_per_creator=people.price,
        publish_from=today,
        publish_until=today + timedelta(days=30),
    )
    world = {"order": order, "owner": owner, "admin": User.objects.get(email=people.admin_email)}
    star = deal_in(world, S.PUBLISHED, creator=Creator.objects.get(pk=people.creator_id))
    curves = (
        (deal_in(world, S.SETTLED, creator=make_creator(display_name="Amber Otter")), (52_000, 81_000, 97_000)),
        (deal_in(world, S.COMPLETED, creator=make_creator(display_name="Calm Heron")), (21_000, 30_500, 33_000)),
        (star, (64_000,)),
    )
    for c, views in curves:
        for day, count in zip((1, 3, 7), views, strict=False):
            values = {"views": count, "likes": count // 20, "comments": count // 200, "shares": count // 400}
            values.update(clicks=count // 80, conversions=count // 2000, completion_rate=0.41)
            result_record(collaboration_id=c.pk, actor=c.creator.user, day=day, values=values)
    return star, order.pk


def test_brand_sees_the_campaign_report_and_the_creator_enters_results(people, browsers):
    star, order_id = a_campaign(people)

    brand = browsers.open("brand")
    login(brand, browsers.base_url, people.owner_email)
    brand.goto(f"{browsers.base_url}/orders/{order_id}/")
    brand.locator("#campaign-report-link").click()
    expect(brand.get_by_role("heading", name="Campaign report")).to_be_visible()
    expect(brand.locator("#report-charts svg.chart-svg[role=img]")).to_have_count(6)
    expect(brand.locator("#creator-table tbody tr")).to_have_count(3)
    expect(brand.locator("#total-views")).to_have_text("194,000")  # 97,000 + 33,000 + 64,000
    brand.locator("#chart-spend details summary").click()
    expect(brand.locator("#chart-spend table")).to_contain_text("Amber Otter")
    screenshot(brand, browsers.artifacts, "report-1-campaign-report")

    creator = browsers.open("creator")
    login(creator, browsers.base_url, people.creator_email)
    creator.goto(f"{browsers.base_url}/deals/{star.pk}/")
    creator.locator("#result-day-3 summary").click()
    creator.locator("#id_day3_views").fill("88000")
    creator.locator("#id_day3_likes").fill("4100")
    # Every running total is entered: a blank count is 0, and shares or clicks cannot fall below day 1's.
    creator.locator("#id_day3_comments").fill("450")
    creator.locator("#id_day3_shares").fill("230")
    creator.locator("#id_day3_clicks").fill("1100")
    creator.locator("#id_day3_conversions").fill("44")
    creator.locator("#id_day3_completion_rate").fill("39.5")
    creator.get_by_role("button", name="Save day 3").click()
    expect_message(creator, "Day 3 saved.")
    expect(creator.locator("#result-snapshots tbody tr")).to_have_count(2)
    expect(creator.locator("#figure-views td").nth(1)).to_have_text("88,000")
    screenshot(creator, browsers.artifacts, "report-2-results-entry")
