"""Pay per play and deposit orders in a real browser: the brand writes the order with its terms and sends the
offer from the creator's profile, the creator takes it in the inbox, and the money arrives as docs/deals.md says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.core import format_money
from orders.models import Collaboration, Order
from orders.services import deals
from orders.services.results import result_record
from tests.browser.data import STAR_PRICE, TOPUP
from tests.browser.pages import expect_message, go_to, login, screenshot, status_badge
from tests.browser.test_happy_path import TITLE, fill_order_form
from tests.orders.conftest import act

pytestmark = pytest.mark.browser
S = Collaboration.Status
DELIVERY = ["submit_script", "approve_script", "submit_video", "approve_video"]


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


def net(amount: int) -> int:
    return amount - amount * 1000 // 10_000


def publish_and_offer(brand, people, base: str, *, pricing: str, terms: dict | None = None) -> None:
    """The brand writes the order with its pricing, publishes it and offers Lina a place from her profile."""
    go_to(brand, "New order")
    fill_order_form(brand)
    brand.locator("#id_pricing").select_option(pricing)
    for name, value in (terms or {}).items():
        brand.locator(f"#id_{name}").fill(value)
    brand.get_by_role("button", name="Save draft").click()
    expect_message(brand, "Draft saved.")
    brand.get_by_role("button", name="Publish").click()
    expect_message(brand, "The order is published.")
    # The offer from Lina's profile (the ranked list sends the same offer_send).
    brand.goto(f"{base}/deals/offer/lina-zhou/")
    brand.locator("#id_order").select_option(str(Order.objects.get(title=TITLE).pk))
    brand.get_by_role("button", name="Send the offer").click()
    expect_message(brand, f"Offer sent to {people.creator_name}; the money is held.")


def deliver(c: Collaboration, owner, clock) -> Collaboration:
    """Script and video through the services, then published inside the window and the work accepted."""
    who = {"submit_script": c.creator.user, "submit_video": c.creator.user}
    for action in DELIVERY:
        c = act(c, action, who.get(action, owner))
    clock.advance(days=3)
    c = act(c, "publish", c.creator.user)
    return act(c, "accept_work", owner)


def test_a_pay_per_play_deal_is_paid_on_its_day_14_plays(people, clock, browsers):
    base, artifacts = browsers.base_url, browsers.artifacts
    brand, creator = browsers.open("brand"), browsers.open("creator")
    login(brand, base, people.owner_email)
    publish_and_offer(brand, people, base, pricing="per_play", terms={"play_base": "500", "play_rate": "50"})
    brand.goto(f"{base}/money/wallet/")
    expect(brand.locator("#wallet-held")).to_have_text(cny(STAR_PRICE))  # the maximum, held with the offer

    # Lina sees the terms in her inbox and accepts: the maximum (her rate-card price) goes into escrow.
    login(creator, base, people.creator_email)
    go_to(creator, "Inbox")
    card = creator.locator("#offers article").filter(has_text=TITLE)
    expect(card).to_contain_text(f"pay per play: {cny(50_000)} base + {cny(5_000)} per 10,000 plays")
    expect(card).not_to_contain_text("Counter with another price")
    card.get_by_role("button", name="Accept").click()
    expect(card.locator(".badge")).to_have_text("Accepted")

    c = Collaboration.objects.get(order__title=TITLE, creator_id=people.creator_id)
    owner = c.order.created_by
    c = deliver(c, owner, clock)
    clock.advance(days=15)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=14, values={"views": 300_000})
    assert deals.timers_run()["plays_counted"] == 1

    # The brand reads the counted plays and what they pay, and confirms them.
    paid = 50_000 + 300_000 * 5_000 // 10_000  # CNY 2,000.00, under the CNY 5,000.00 maximum
    brand.goto(f"{base}/deals/{c.pk}/")
    expect(status_badge(brand)).to_have_text("Plays counted")
    expect(brand.locator("#plays-counted")).to_contain_text("300,000")
    expect(brand.locator("#plays-counted")).to_contain_text(cny(paid))
    screenshot(brand, artifacts, "pay-per-play-counted")
    brand.get_by_role("button", name="Confirm the plays").click()
    expect_message(brand, "Plays confirmed: the creator is paid on them and the rest is back in your wallet.")
    expect(status_badge(brand)).to_have_text("Settled")
    brand.goto(f"{base}/money/wallet/")
    expect(brand.locator("#wallet-available")).to_have_text(cny(TOPUP - paid))
    expect(brand.locator("#wallet-escrow")).to_have_text(cny(0))

    creator.goto(f"{base}/money/earnings/")
    expect(creator.locator("#earnings-available")).to_have_text(cny(net(paid)))


def test_a_deposit_reserves_the_creator_and_the_balance_pays_the_price(people, clock, browsers):
    base, artifacts = browsers.base_url, browsers.artifacts
    brand, creator = browsers.open("brand"), browsers.open("creator")
    deposit = STAR_PRICE // 10
    login(brand, base, people.owner_email)
    publish_and_offer(brand, people, base, pricing="deposit")
    brand.goto(f"{base}/money/wallet/")
    expect(brand.locator("#wallet-held")).to_have_text(cny(deposit))

    # Lina accepts in the inbox: the deposit reserves her.
    login(creator, base, people.creator_email)
    go_to(creator, "Inbox")
    card = creator.locator("#offers article").filter(has_text=TITLE)
    expect(card).to_contain_text(f"{cny(deposit)} deposit held")
    card.get_by_role("button", name="Accept").click()
    expect(card.locator(".badge")).to_have_text("Deposit paid")

    # The brand pays the balance on the collaboration page: the whole price is in escrow.
    c = Collaboration.objects.get(order__title=TITLE, creator_id=people.creator_id)
    brand.goto(f"{base}/deals/{c.pk}/")
    expect(brand.locator("#deposit")).to_contain_text("The balance is due by")
    screenshot(brand, artifacts, "deposit-paid")
    brand.get_by_role("button", name="Pay the balance").click()
    expect_message(brand, "Balance paid: the whole price is in escrow and the work can start.")
    expect(status_badge(brand)).to_have_text("Accepted")
    brand.goto(f"{base}/money/wallet/")
    expect(brand.locator("#wallet-escrow")).to_have_text(cny(STAR_PRICE))
    expect(brand.locator("#wallet-held")).to_have_text(cny(0))

    # Then it runs as any fixed-price deal: delivered, confirmed live, the creator paid the price.
    c = deliver(Collaboration.objects.get(pk=c.pk), c.order.created_by, clock)
    act(c, "confirm_live", c.order.created_by)  # the brand: the creator may only once the post stayed up 14 days
    creator.goto(f"{base}/money/earnings/")
    expect(creator.locator("#earnings-available")).to_have_text(cny(net(STAR_PRICE)))
