"""The value indices, the creator directory, the growth page and the staff overview in a real browser,
with screenshots saved to test-artifacts/browser/ (growth-*.png)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from creators.models import Creator
from insights.indices_sync import indices_recompute
from orders.models import Collaboration
from payouts.models import Hold
from tests.browser.pages import go_to, login, screenshot
from tests.factories import CollaborationFactory, OrderFactory

pytestmark = pytest.mark.browser


def a_record(creator: Creator) -> None:
    """Three completed, rated orders and their settled income over the last months."""
    now = timezone.now()
    for months_ago, share, rating in ((5, 450_000, 5), (2, 900_000, 4), (0, 450_000, 5)):
        when = now - timedelta(days=30 * months_ago)
        order = OrderFactory()
        CollaborationFactory(
            order=order,
            creator=creator,
            status=Collaboration.Status.SETTLED,
            accepted=True,
            accepted_at=when - timedelta(days=10),
            completed_at=when,
            brand_rating=rating,
            agreed_price=share + share // 9,
        )
        Hold.objects.create(
            brand=order.brand,
            order=order,
            creator=creator,
            amount=share + share // 9,
            currency="CNY",
            fee_bps=1000,
            status=Hold.Status.PAID,
            creator_gross=share + share // 9,
            creator_share=share,
            fee=share // 9,
            refunded=0,
            resolved_at=when,
            settled_at=when,
        )
    Creator.objects.filter(pk=creator.pk).update(avg_rating=4.67, completed_orders=3)


def test_creator_brand_and_staff_see_indices_growth_and_overview(people, browsers):
    creator = Creator.objects.get(pk=people.creator_id)
    a_record(creator)
    indices_recompute()

    page = browsers.open("creator")
    login(page, browsers.base_url, people.creator_email)
    go_to(page, "Growth")
    expect(page.get_by_role("heading", name="Your growth path")).to_be_visible()
    expect(page.locator('.stage-path [aria-current="step"]')).to_contain_text("Exploration")
    expect(page.locator("#next-stage")).to_contain_text("7 more completed orders (you have 3 of 10).")
    expect(page.locator("#income svg.chart-svg rect.chart-bar")).to_have_count(12)  # one a month, three not empty
    screenshot(page, browsers.artifacts, "growth-1-creator-growth")

    brand = browsers.open("brand")
    login(brand, browsers.base_url, people.owner_email)
    go_to(brand, "Creators")
    expect(brand.get_by_role("heading", name="Find creators")).to_be_visible()
    expect(brand.locator("table.directory tbody tr")).to_have_count(7)
    screenshot(brand, browsers.artifacts, "growth-2-brand-directory")
    brand.get_by_role("link", name=people.creator_name).click()
    expect(brand.locator("#indices meter")).to_have_count(4)
    brand.locator("#indices details").first.locator("summary").click()
    expect(brand.locator("#indices details").first).to_contain_text("0.6 × ln(1 + median views")
    screenshot(brand, browsers.artifacts, "growth-3-creator-indices")

    admin = browsers.open("admin")
    login(admin, browsers.base_url, people.admin_email, next_path="/deals/disputes/")  # staff land in the admin
    go_to(admin, "Overview")
    expect(admin.get_by_role("heading", name="Platform overview")).to_be_visible()
    expect(admin.locator("figure.chart")).to_have_count(6)
    screenshot(admin, browsers.artifacts, "growth-4-staff-overview")
