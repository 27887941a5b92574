"""A dispute in a real browser: the creator opens it with a reason and a screenshot, an admin reads
the timeline and splits the escrow with a written reason, both sides see it resolved and paid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from brands.models import BrandMembership
from marketplace.core import format_money
from marketplace.core.models import ProductCategory
from orders.models import Collaboration, Dispute, Order
from orders.services import deals
from tests.browser.conftest import days_from_today
from tests.browser.data import TOPUP, png_file
from tests.browser.pages import expect_message, go_to, login, screenshot, status_badge
from tests.factories import OrderFactory
from tests.orders.conftest import act

pytestmark = pytest.mark.browser

TITLE = "Night cream seeding"
SCRIPT = "Open on the jar, apply before bed, morning close-up."
DECISION = "The post was live for two days; half the usage period was delivered."
REASON = "The brand removed my post from its page and now refuses to accept the work."
CREATOR_PART, BRAND_PART = 300_000, 200_000  # CNY 3,000.00 and CNY 2,000.00 of the CNY 5,000.00


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


@pytest.fixture
def published_deal(people):
    """Lina's collaboration on a published order, driven through the services to "published"."""
    owner = BrandMembership.objects.get(brand_id=people.brand_id).user
    order = OrderFactory(
        brand_id=people.brand_id,
        title=TITLE,
        product_name="Night cream",
        product_category=ProductCategory.objects.get(path="Consumer Packaged Goods > Skin Care"),
        status=Order.Status.PUBLISHED,
        price_per_creator=600_000,
        creators_wanted=1,
        script_by=timezone.now() + timedelta(days=3),
        publish_from=days_from_today(0),
        publish_until=days_from_today(30),
    )
    c = deals.offer_send(order_id=order.pk, creator_id=people.creator_id, actor=owner, idempotency_key="browser-1")
    creator_user = c.creator.user
    for action, actor in [
        ("accept", creator_user),
        ("submit_script", creator_user),
        ("approve_script", owner),
        ("submit_video", creator_user),
        ("approve_video", owner),
        ("publish", creator_user),
    ]:
        c = act(c, action, actor)
    if c.status != Collaboration.Status.PUBLISHED:
        raise AssertionError(f"setup stopped at {c.status}")
    return c


def test_admin_splits_a_disputed_deal_and_both_sides_see_the_money(published_deal, people, browsers, tmp_path):
    base, artifacts = browsers.base_url, browsers.artifacts
    price = people.price
    collaboration_path = f"/deals/{published_deal.pk}/"
    creator = browsers.open("creator")
    admin = browsers.open("admin")
    brand = browsers.open("brand")

    # The creator opens a dispute from the collaboration page, with a reason and a screenshot.
    login(creator, base, people.creator_email)
    go_to(creator, "Inbox")
    collaborations = creator.locator("#collaborations")
    collaborations.get_by_role("link", name="Published (1)").click()
    collaborations.get_by_role("link", name=TITLE).click()
    expect(status_badge(creator)).to_have_text("Published")
    dispute_form = creator.locator("#action-open_dispute")
    dispute_form.locator("summary").click()
    dispute_form.locator("#id_open_dispute_comment").fill(REASON)
    dispute_form.locator("#id_open_dispute_evidence").set_input_files(png_file(tmp_path))
    dispute_form.get_by_role("button", name="Open a dispute").click()

    expect_message(creator, "Dispute opened: the money is frozen until an admin decides.")
    expect(status_badge(creator)).to_have_text("Disputed")
    disputes = creator.locator("#disputes")
    expect(disputes).to_contain_text("Open dispute")
    expect(disputes).to_contain_text(REASON)
    expect(disputes).to_contain_text("image/png")

    # The admin finds it in the queue and reads the whole story.
    login(admin, base, people.admin_email, next_path="/deals/disputes/")
    row = admin.locator("tbody tr").filter(has_text=TITLE)
    expect(row).to_contain_text(people.creator_name)
    expect(row).to_contain_text("Aurora Skin")
    expect(row).to_contain_text(cny(price))
    expect(row).to_contain_text(REASON)
    row.get_by_role("link", name=TITLE).click()

    expect(admin.locator("h1")).to_contain_text(f"Dispute on “{TITLE}”")
    timeline = admin.locator("#timeline")
    for step in ("Offer sent", "Offer accepted", "Script, round 1", "Script approved", "Video, round 1"):
        expect(timeline).to_contain_text(step)
    for step in ("Video approved", "Post published", "Dispute opened"):
        expect(timeline).to_contain_text(step)
    expect(timeline.locator("blockquote.script")).to_contain_text("Hook, demo, call to action.")
    expect(admin.locator("#money")).to_contain_text("Escrow")
    expect(admin.locator("#disputes").get_by_role("link", name="file 1")).to_be_visible()
    screenshot(admin, artifacts, "6-dispute")

    # A split must add up to the escrow; the form says so next to the field, then takes the right one.
    decision = admin.locator("#decision")
    decision.get_by_label("Split").check()
    decision.locator("#id_decision_creator_amount").fill("3000")
    decision.locator("#id_decision_brand_amount").fill("1000")
    decision.locator("#id_decision_comment").fill(DECISION)
    decision.get_by_role("button", name="Decide").click()
    expect(decision.locator("#id_decision_brand_amount_errors")).to_contain_text(
        f"The two parts add up to {cny(400_000)}, not the {cny(price)} in escrow."
    )

    decision.locator("#id_decision_brand_amount").fill("2000")
    decision.get_by_role("button", name="Decide").click()
    expect_message(admin, "Dispute decided; both sides are notified.")
    expect(admin.get_by_text("No open disputes.")).to_be_visible()

    # The creator sees it resolved and the split paid, less the 10 % fee on the creator's part.
    creator.reload()
    expect(status_badge(creator)).to_have_text("Resolved")
    decided = creator.locator("#disputes footer")
    expect(decided).to_contain_text(f"Split: {cny(CREATOR_PART)} to the creator, {cny(BRAND_PART)} back to the brand")
    expect(decided).to_contain_text(DECISION)
    screenshot(creator, artifacts, "7-dispute-resolved")
    go_to(creator, "Earnings")
    creator_share = CREATOR_PART - CREATOR_PART * 1000 // 10_000
    expect(creator.locator("#earnings-available")).to_have_text(cny(creator_share))
    expect(creator.locator("#earnings-pending")).to_have_text(cny(0))
    screenshot(creator, artifacts, "8-earnings-after-split")

    # The brand sees the same decision and gets its part back.
    login(brand, base, people.owner_email, next_path=collaboration_path)
    expect(status_badge(brand)).to_have_text("Resolved")
    expect(brand.locator("#disputes footer")).to_contain_text(f"{cny(BRAND_PART)} back to the brand")
    go_to(brand, "Wallet")
    expect(brand.locator("#wallet-available")).to_have_text(cny(TOPUP - price + BRAND_PART))
    expect(brand.locator("#wallet-escrow")).to_have_text(cny(0))

    dispute = Dispute.objects.get(collaboration=published_deal)
    assert (dispute.status, dispute.decision) == (Dispute.Status.RESOLVED, Dispute.Decision.SPLIT)
    assert (dispute.creator_amount, dispute.brand_amount) == (CREATOR_PART, BRAND_PART)
    assert dispute.evidence.count() == 1
