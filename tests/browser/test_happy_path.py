"""The happy path in a real browser: a brand publishes an order, sees it ranked, sends an offer; the
creator accepts, delivers a script and a video, publishes; the brand accepts; the creator is paid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marketplace.core import format_money
from orders.models import Collaboration
from payouts.models import Account
from tests.browser.conftest import days_from_today
from tests.browser.data import SKIN_CARE, TOPUP, mp4_file
from tests.browser.pages import expect_message, go_to, login, screenshot, status_badge

pytestmark = pytest.mark.browser

CATEGORY = "Consumer Packaged Goods > Skin Care"
TITLE = "Spring serum launch"
SCRIPT = "Hook: dry skin in the morning. Demo: two drops of the serum. Call to action: link in bio."


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


def fill_order_form(page: Page) -> None:
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_product_name").fill("Hydra serum")
    page.locator("#category-search").fill("Skin Care")
    category = page.locator("#category-results li").filter(has=page.get_by_text(CATEGORY, exact=True))
    category.get_by_role("button", name="Choose").click()
    expect(page.locator("#category-choice")).to_contain_text(CATEGORY)
    page.locator("#id_description").fill("Show your morning routine with the serum; natural light, no filters.")
    page.get_by_label("Awareness").check()
    page.get_by_label("Direct").check()
    page.locator("#id_format").select_option("short_21_60")

    page.locator("#label-search").fill("Beauty Skin Care")
    label = page.locator("#label-results li").filter(has=page.get_by_text(SKIN_CARE, exact=True))
    label.get_by_role("button", name="Add").click()
    expect(page.locator("#picked-labels")).to_contain_text(SKIN_CARE)
    label.get_by_role("button", name="Add").click()  # again: the label is not added twice, its weight is focused
    expect(page.locator("#picked-labels input[type=number]")).to_be_focused()
    expect(page.locator("#picked-labels li")).to_have_count(1)
    page.get_by_label("18-23").check()
    page.get_by_label("Female").check()

    page.locator("#id_price_per_creator").fill("6000")
    page.locator("#id_creators_wanted").fill("2")
    page.locator("#id_script_by").fill(f"{days_from_today(1).isoformat()}T12:00")
    page.locator("#id_publish_from").fill(days_from_today(2).isoformat())
    page.locator("#id_publish_until").fill(days_from_today(20).isoformat())


def test_brand_publishes_offers_and_pays_a_creator_through_the_pages(people, ranker, clock, browsers, tmp_path):
    base, artifacts = browsers.base_url, browsers.artifacts
    price, fee_free_share = people.price, people.price - people.price * 1000 // 10_000
    brand = browsers.open("brand")
    creator = browsers.open("creator")

    # The brand owner writes the order with both pickers and saves a draft.
    login(brand, base, people.owner_email)
    go_to(brand, "New order")
    fill_order_form(brand)
    brand.get_by_role("button", name="Save draft").click()

    expect_message(brand, "Draft saved.")
    expect(brand.locator("h1")).to_contain_text(TITLE)
    expect(brand.locator("h1 .badge")).to_have_text("Draft")
    expect(brand.get_by_text(SKIN_CARE)).to_be_visible()

    # Publishing queues the ranking; the page polls and shows the list once the worker is done.
    ranker.hold()
    brand.get_by_role("button", name="Publish").click()

    expect_message(brand, "The order is published.")
    ranking = brand.locator("#ranking")
    expect(ranking.locator(".badge")).to_have_text("Queued")
    expect(ranking).to_contain_text("The worker is ranking this order; this updates by itself.")
    brand.evaluate("window.stillTheSamePage = true")
    ranker.release()

    expect(ranking.locator(".badge")).to_have_text("Done")
    expect(ranking).to_contain_text(re.compile(r"\d+ eligible of \d+ creators"))
    star_row = ranking.locator("tbody tr").filter(has_text=people.creator_name)
    expect(star_row).to_contain_text(cny(price))
    expect(star_row).to_contain_text("@lina-zhou")
    assert ranking.locator("tbody tr").count() == 7  # the six imported creators and Lina
    assert brand.evaluate("window.stillTheSamePage") is True, "the list appeared without a reload"
    assert ranker.errors == []
    screenshot(brand, artifacts, "1-order-ranking")

    # The brand ticks Lina and sends the offer: the money for it is held.
    brand.get_by_label(f"Offer to {people.creator_name}").check()
    brand.get_by_role("button", name="Send offers").click()

    expect_message(brand, f"Offer sent to {people.creator_name}; the money is held.")
    offered = brand.locator("#board-offers")
    expect(offered).to_contain_text(people.creator_name)
    expect(offered).to_contain_text(cny(price))
    order_url = brand.url

    # The creator finds the offer in the inbox and accepts it.
    login(creator, base, people.creator_email)
    go_to(creator, "Inbox")
    card = creator.locator("#offers article").filter(has_text=TITLE)
    expect(card).to_contain_text("Aurora Skin")
    expect(card).to_contain_text(cny(price))
    expect(card.locator(".badge")).to_have_text("Offered")
    screenshot(creator, artifacts, "2-inbox")
    card.get_by_role("button", name="Accept").click()

    expect(card.locator(".badge")).to_have_text("Accepted")
    expect(card).to_contain_text("You accepted the offer.")
    card.get_by_role("link", name="Open the collaboration").click()
    expect(status_badge(creator)).to_have_text("Accepted")
    expect(creator.locator("#collaboration dl").first).to_contain_text(f"{cny(price)} In escrow")
    collaboration_url = creator.url

    # Script: the creator submits it, the brand approves it.
    creator.locator("#id_submit_script_script").fill(SCRIPT)
    creator.get_by_role("button", name="Submit the script").click()
    expect_message(creator, "Script submitted.")
    expect(status_badge(creator)).to_have_text("Script submitted")

    brand.goto(order_url)
    brand.locator("#collaboration-board").get_by_role("link", name=people.creator_name).click()
    expect(status_badge(brand)).to_have_text("Script submitted")
    expect(brand.locator("#timeline blockquote.script")).to_contain_text(SCRIPT)
    brand.get_by_role("button", name="Approve the script").click()
    expect_message(brand, "Script approved.")
    expect(status_badge(brand)).to_have_text("Script approved")

    # Video: the creator uploads an MP4, the brand approves it.
    creator.reload()
    expect(status_badge(creator)).to_have_text("Script approved")
    creator.locator("#id_submit_video_video").set_input_files(mp4_file(tmp_path))
    creator.get_by_role("button", name="Upload the video").click()
    expect_message(creator, "Video uploaded.")
    expect(status_badge(creator)).to_have_text("Video submitted")
    expect(creator.locator("#timeline")).to_contain_text("video/mp4")

    brand.reload()
    expect(brand.locator("#timeline").get_by_role("link", name="Download").last).to_be_visible()
    brand.get_by_role("button", name="Approve the video").click()
    expect_message(brand, "Video approved.")
    expect(status_badge(brand)).to_have_text("Video approved")

    # The publish window opens after the day the order was published; step into it.
    clock.advance(days=3)
    creator.reload()
    creator.locator("#id_publish_post_url").fill("https://www.douyin.com/video/7301234567890")
    creator.get_by_role("button", name="Save the published link").click()
    expect_message(creator, "Published link saved.")
    expect(status_badge(creator)).to_have_text("Published")

    brand.reload()
    expect(brand.get_by_role("link", name="https://www.douyin.com/video/7301234567890")).to_be_visible()
    brand.get_by_role("button", name="Accept the work").click()
    expect_message(brand, "Work accepted.")
    expect(status_badge(brand)).to_have_text("Completed")

    # The post must stay up 14 days from publishing before the creator may say so (the stays-live check).
    creator.reload()
    expect(creator.get_by_role("button", name="Confirm the post is still live")).to_have_count(0)
    clock.advance(days=14)
    creator.reload()
    creator.get_by_role("button", name="Confirm the post is still live").click()
    expect_message(creator, "Confirmed live: the payment is settled.")
    expect(status_badge(creator)).to_have_text("Settled")
    # The creator reads their money in their own terms: which deal, the fee and the net, no ledger accounts.
    fee = cny(price - fee_free_share)
    settlement = creator.locator("#money tbody tr").filter(has_text="Now available to pay out.")
    expect(settlement).to_contain_text(f"platform fee (10 %) {fee}, net {cny(fee_free_share)}")
    release = creator.locator("#money tbody tr").filter(has_text="released:").first
    expect(release).to_contain_text(f"{cny(price)}, platform fee (10 %) {fee}")
    expect(creator.locator("#money")).not_to_contain_text("Creator available")
    screenshot(creator, artifacts, "3-collaboration")

    # The creator's earnings show the price less the 10 % fee; the brand's wallet shows it gone.
    go_to(creator, "Earnings")
    expect(creator.locator("#earnings-available")).to_have_text(cny(fee_free_share))
    expect(creator.locator("#earnings-pending")).to_have_text(cny(0))
    expect(creator.locator("#statement")).to_contain_text(cny(fee_free_share))
    screenshot(creator, artifacts, "4-earnings")

    go_to(brand, "Wallet")
    expect(brand.locator("#wallet-available")).to_have_text(cny(TOPUP - price))
    expect(brand.locator("#wallet-held")).to_have_text(cny(0))
    expect(brand.locator("#wallet-escrow")).to_have_text(cny(0))
    screenshot(brand, artifacts, "5-wallet")

    deal = Collaboration.objects.get(creator_id=people.creator_id)
    assert deal.status == Collaboration.Status.SETTLED
    assert creator.url.endswith("/money/earnings/") and collaboration_url.endswith(f"/deals/{deal.pk}/")
    fees = Account.objects.get(kind=Account.Kind.PLATFORM_FEES, currency="CNY")
    assert fees.balance == price - fee_free_share
