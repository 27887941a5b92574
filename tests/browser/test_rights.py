"""Usage rights in a real browser: the creator prices them on the profile editor, the brand writes an order that
states them and sends an offer, the offer shows the total (work and rights), and both sides read the contract on
the collaboration page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.core import format_money
from tests.browser.pages import expect_message, go_to, login, screenshot, status_badge
from tests.browser.test_happy_path import TITLE, fill_order_form

pytestmark = pytest.mark.browser


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


def test_an_order_with_priced_rights_is_offered_at_its_total_and_both_sides_see_the_contract(
    people, ranker, clock, browsers
):
    base, artifacts = browsers.base_url, browsers.artifacts
    brand_accounts, ad_codes = people.price * 1000 * 2 // 10_000, 30_000 * 2  # 45 days: two months of each
    total = people.price + brand_accounts + ad_codes
    creator = browsers.open("creator")
    brand = browsers.open("brand")

    # The creator prices two rights on the profile editor: 10 % of the fee a month, CNY 300.00 a month.
    login(creator, base, people.creator_email, next_path="/creator/profile/#rights-rates")
    rights = creator.locator("#rights-rates")
    rights.locator("#rights-brand_accounts input").first.fill("10")
    rights.locator("#rights-ad_authorisation input").nth(1).fill("300")
    rights.get_by_role("button", name="Save usage-rights prices").click()
    expect_message(creator, "Usage-rights prices saved.")

    # The brand writes an order that states both rights for 45 days and publishes it.
    login(brand, base, people.owner_email)
    go_to(brand, "New order")
    fill_order_form(brand)
    brand.get_by_label("Brand's social accounts").check()
    brand.locator("#id_usage_days").fill("45")
    brand.get_by_label("Paid-ad authorisation").check()
    brand.get_by_role("button", name="Save draft").click()
    expect_message(brand, "Draft saved.")
    brand.get_by_role("button", name="Publish").click()
    expect_message(brand, "The order is published.")
    expect(brand.locator("#ranking .badge")).to_have_text("Done", timeout=180_000)  # a shared, busy machine

    # The offer at the rate card holds the work plus the rights.
    brand.get_by_label(f"Offer to {people.creator_name}").check()
    brand.get_by_role("button", name="Send offers").click()
    expect_message(brand, f"Offer sent to {people.creator_name}; the money is held.")
    expect(brand.locator("#board-offers")).to_contain_text(cny(total))

    # The creator sees the total in the inbox, opens the offer, reads the contract and accepts.
    go_to(creator, "Inbox")
    card = creator.locator("#offers article").filter(has_text=TITLE)
    expect(card).to_contain_text(cny(total))
    card.get_by_role("link", name="Read the brief").click()
    contract = creator.locator("#contract")
    expect(contract).to_contain_text("not accepted yet")
    expect(contract).to_contain_text(
        f"Brand's social accounts, 45 days 10 % of the fee a month × 2 months {cny(brand_accounts)}"
    )
    expect(contract).to_contain_text(cny(ad_codes))
    expect(contract.locator("#contract-total")).to_have_text(cny(total))
    creator.get_by_role("button", name="Accept the offer").click()
    expect(status_badge(creator)).to_have_text("Accepted")
    expect(creator.locator("#contract")).to_contain_text("accepted by both sides")
    screenshot(creator, artifacts, "rights-contract-creator")

    # The brand reads the same contract on its side.
    brand.locator("#collaboration-board").get_by_role("link", name=people.creator_name).click()
    expect(brand.locator("#contract")).to_contain_text("accepted by both sides")
    expect(brand.locator("#contract-total")).to_have_text(cny(total))
    expect(brand.locator("#rights-until")).to_contain_text("They start when the post is published.")
    screenshot(brand, artifacts, "rights-contract-brand")
