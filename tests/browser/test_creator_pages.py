"""The creator's own pages in a real browser, at 1440 and 390 px: the profile editor warns before one
section's Save loses another's edits; the accept screen shows gross, fee and net; nothing scrolls sideways.
Screenshots go to test-artifacts/browser/ (creator-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from brands.models import BrandMembership
from marketplace.core import format_money
from marketplace.core.models import ProductCategory
from orders.models import Order
from orders.services import deals
from payouts.services.ledger import fee_split
from tests.browser.conftest import days_from_today
from tests.browser.pages import expect_message, login, screenshot
from tests.factories import OrderFactory

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1440, "phone": 390}
TITLE = "Spring serum launch"


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


WIDER_THAN_THE_SCREEN = """() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
    && !(el.parentElement && el.parentElement.closest(".overflow-auto")))
  .slice(0, 8).map((el) => el.tagName + (el.id ? "#" + el.id : "") + "." + el.className
    + " " + Math.round(el.getBoundingClientRect().right)).concat([document.documentElement.scrollWidth])"""


def shoot(page: Page, artifacts, name: str) -> None:
    """The page at each width (screenshots), and at each it fits without scrolling sideways."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, artifacts, f"creator-{name}-{label}")
        wider = [] if no_sideways_scroll(page) else page.evaluate(WIDER_THAN_THE_SCREEN)
        assert not wider, f"{name} scrolls sideways at {width} px: {wider}"
    page.set_viewport_size({"width": 1440, "height": 900})


def test_the_profile_editor_warns_before_a_save_loses_another_sections_edits(people, browsers):
    base, artifacts = browsers.base_url, browsers.artifacts
    page = browsers.open("creator")
    login(page, base, people.creator_email, next_path="/creator/profile/")
    shoot(page, artifacts, "profile")

    # Edit the bio, then press the labels section's Save: nothing is sent, the page says what is unsaved.
    page.locator("#id_bio").fill("Skincare for students, tested on camera.")
    page.get_by_role("button", name="Save labels").click()

    alert = page.locator("#labels-form .unsaved-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Not saved yet: your changes to Basics.")
    expect(page.locator("#id_bio")).to_have_value("Skincare for students, tested on camera.")
    page.set_viewport_size({"width": 390, "height": 900})
    alert.scroll_into_view_if_needed()
    screenshot(page, artifacts, "creator-profile-unsaved-warning-phone")
    page.set_viewport_size({"width": 1440, "height": 900})

    # The bio's own Save keeps it.
    page.get_by_role("button", name="Save basics").click()
    expect_message(page, "Profile saved.")
    expect(page.locator("#id_bio")).to_have_value("Skincare for students, tested on camera.")

    # A price far above the creator's own asks for a second look beside the field, then saves.
    page.locator("#id_price_image_post").fill("9000000")
    page.get_by_role("button", name="Save rate card").click()
    expect(page.locator("#id_price_image_post_field")).to_contain_text("is far above your other prices")
    screenshot(page, artifacts, "creator-profile-price-check")
    page.get_by_role("button", name="Save rate card").click()
    expect_message(page, "Rate card saved.")

    # An audience that does not add up is refused, and the page opens at the audience section with the
    # error in view (it sits far down the page; a phone would otherwise land at the top).
    page.set_viewport_size({"width": 390, "height": 900})
    first_age = page.locator("#audience input[name^='age-']").first
    first_age.fill(str(int(first_age.input_value() or 0) + 7))
    page.get_by_role("button", name="Save audience").click()
    error = page.locator("#audience").get_by_text("Age shares must add up to 100")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 900
    screenshot(page, artifacts, "creator-profile-audience-error-phone")
    page.set_viewport_size({"width": 1440, "height": 900})

    # Regions are picked by name from the list; the page shows the name with its code.
    expect(page.locator('#region-options option[value="Guangdong (CN-GD)"]')).to_have_count(1)


def test_the_accept_screen_shows_gross_fee_and_net_and_the_earnings_show_it_on_its_way(people, browsers):
    owner = BrandMembership.objects.get(brand_id=people.brand_id).user
    order = OrderFactory(
        brand_id=people.brand_id,
        title=TITLE,
        product_category=ProductCategory.objects.get(path="Consumer Packaged Goods > Skin Care"),
        status=Order.Status.PUBLISHED,
        price_per_creator=people.price,
        creators_wanted=1,
        publish_from=days_from_today(2),
        publish_until=days_from_today(30),
    )
    c = deals.offer_send(order_id=order.pk, creator_id=people.creator_id, actor=owner, idempotency_key="browser-2")
    net, fee = fee_split(c.agreed_price, 1000)
    base, artifacts = browsers.base_url, browsers.artifacts
    page = browsers.open("creator")
    login(page, base, people.creator_email, next_path="/deals/inbox/")

    card = page.locator(f"#deal-{c.pk}")
    expect(card).to_contain_text(f"{cny(c.agreed_price)} − platform fee (10 %) {cny(fee)} = you receive {cny(net)}")
    shoot(page, artifacts, "inbox-offer")

    page.goto(f"{base}/deals/{c.pk}/")
    expect(page.locator("#accept-take")).to_contain_text(f"If you accept: {cny(c.agreed_price)}")
    expect(page.locator("#accept-take")).to_contain_text(f"you receive {cny(net)}")
    expect(page.locator("dl.take .take-fee")).to_have_text(f"−{cny(fee)}")
    expect(page.locator("dl.take .take-net")).to_have_text(cny(net))
    shoot(page, artifacts, "accept-screen")

    page.get_by_role("button", name="Accept the offer").click()
    expect_message(page, "You accepted the offer.")

    page.goto(f"{base}/money/earnings/")
    expect(page.locator("#earnings-escrow")).to_have_text(cny(net))
    expect(page.locator("#escrow-deals")).to_contain_text(TITLE)
    expect(page.locator("main")).not_to_contain_text("Order escrow")
    shoot(page, artifacts, "earnings-on-its-way")


def test_errors_are_beside_their_fields_on_the_brands_pages(people, browsers):
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.core.models import Label
    from tests.orders.test_pages_brand import stored_ranking

    category = ProductCategory.objects.get(path="Consumer Packaged Goods > Skin Care")
    draft = OrderFactory(
        brand_id=people.brand_id,
        title="Autumn launch",
        product_category=category,
        mode=Order.Mode.RECRUITMENT,
        price_per_creator=people.price,
        apply_by=timezone.now() - timedelta(days=2),
        script_by=timezone.now() - timedelta(days=1),
        publish_from=days_from_today(3),
        publish_until=days_from_today(20),
    )
    draft.target_label_links.create(label=Label.objects.order_by("pk").first(), weight=1)
    published = OrderFactory(
        brand_id=people.brand_id, title=TITLE, product_category=category, status=Order.Status.PUBLISHED
    )
    from creators.models import Creator

    stored_ranking(published, list(Creator.objects.order_by("pk")[:3]))
    base, artifacts = browsers.base_url, browsers.artifacts
    page = browsers.open("owner")
    login(page, base, people.owner_email, next_path=f"/orders/{draft.pk}/")

    # Publishing a draft with past deadlines: the brief comes back with each problem beside its field.
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#error-summary")).to_contain_text("The order is not published yet.")
    expect(page.locator("#id_apply_by_field .field-errors")).to_have_text("This deadline has passed.")
    expect(page.locator("#id_script_by_field .field-errors")).to_have_text("This deadline has passed.")
    expect(page.locator("ul.messages")).to_have_count(0)
    page.locator('#error-summary a[href="#id_script_by_field"]').click()
    shoot(page, artifacts, "brand-publish-problems")

    # A ranking filter's error is its own line under its box.
    page.goto(f"{base}/orders/{published.pk}/")
    page.locator('input[name="min_followers"]').fill("lots")
    page.locator('input[name="min_followers"]').dispatch_event("change")
    error = page.locator("#filter-min_followers-error")
    expect(error).to_be_visible()
    box = page.locator('input[name="min_followers"]').bounding_box()
    assert error.bounding_box()["y"] >= box["y"] + box["height"], "the error overlaps its box"
    shoot(page, artifacts, "brand-ranking-filter-error")
