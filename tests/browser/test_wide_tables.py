"""Tables a tester found clipped or crowded: at 1440 px the creator directory and the staff overview (in
Chinese) show their last column whole instead of hiding it in the scroller; at 390 px the API tokens page
(with no token yet) and the Chinese orders list fit the phone, and a ranked creator's reasons sit under their
label. Screenshots go to test-artifacts/browser/ (wide-<page>-<width>.png).
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.urls import reverse

from creators.models import Creator
from orders.models import Order
from tests.browser.pages import login, screenshot
from tests.browser.test_phone_layouts import SCROLLS_SIDEWAYS, in_chinese, open_at
from tests.factories import OrderFactory
from tests.orders.test_pages_brand import stored_ranking

pytestmark = pytest.mark.browser

# The last column heading of the page's first scrolling table lies inside its box, with nothing left to scroll.
LAST_HEADING_IN_VIEW = """() => { const box = document.querySelector("main .overflow-auto");
  const last = box.querySelector("thead th:last-child").getBoundingClientRect();
  return box.scrollWidth <= box.clientWidth + 1 && last.right <= box.getBoundingClientRect().right + 1; }"""


def test_the_directory_shows_its_last_column_whole_at_1440(people, browsers):
    # Full figures, as in the demo: every index bar drawn and a six-figure following.
    Creator.objects.update(
        index_reach=100, index_seeding=100, index_value=100, index_growth=100, index_conversion=100, followers=9_999_999
    )
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)

    for query in ("", "?price_format=short_21_60"):
        open_at(page, browsers.base_url, reverse("creators:directory") + query, "desktop")
        screenshot(page, browsers.artifacts, f"wide-directory{'-price' if query else ''}-1440")

        assert page.evaluate(LAST_HEADING_IN_VIEW), f"the directory{query} clips its last column"


def test_the_staff_overview_in_chinese_shows_its_last_column_whole_at_1440(people, browsers):
    page = browsers.open("staff")
    login(page, browsers.base_url, people.admin_email)
    in_chinese(page, browsers.base_url)

    open_at(page, browsers.base_url, reverse("staff_overview"), "desktop")
    screenshot(page, browsers.artifacts, "wide-overview-zh-1440")

    assert page.evaluate(LAST_HEADING_IN_VIEW), "the overview clips its last column (公平性)"


def test_the_api_tokens_page_without_a_token_fits_a_phone(people, browsers):
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)

    open_at(page, browsers.base_url, reverse("api_tokens"), "phone")
    screenshot(page, browsers.artifacts, "wide-tokens-390")

    assert not page.evaluate(SCROLLS_SIDEWAYS), "the tokens page scrolls sideways"


def test_the_orders_list_in_chinese_keeps_its_tabs_and_buttons_apart_on_a_phone(people, browsers):
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)
    in_chinese(page, browsers.base_url)

    open_at(page, browsers.base_url, reverse("orders:list"), "phone")
    screenshot(page, browsers.artifacts, "wide-orders-zh-390")

    assert not page.evaluate(SCROLLS_SIDEWAYS), "the orders list scrolls sideways"
    groups = page.locator("main nav.list-toolbar > ul")
    boxes = [groups.nth(i).bounding_box() for i in range(groups.count())]
    for above, below in pairwise(boxes):
        assert above["y"] + above["height"] <= below["y"] + 1, "the tabs and the buttons share lines"
    for name in ("新建投稿活动", "投稿活动"):
        link = page.locator("main nav.list-toolbar a").filter(has_text=name).last
        assert link.evaluate("(a) => a.getClientRects().length") == 1, f"{name} wraps onto two lines"


def test_a_ranked_creators_reasons_sit_under_their_label_on_a_phone(people, browsers):
    order = OrderFactory(brand_id=people.brand_id, status=Order.Status.PUBLISHED)
    run = stored_ranking(order, list(Creator.objects.order_by("pk")[:2]))
    reasons = [
        {"code": "regions", "share": 38, "points": 3},
        {"code": "ages", "share": 70, "points": 6},
        {"code": "genders", "share": 80, "points": 7},
    ]
    run.results.update(reasons=reasons)
    page = browsers.open("brand")
    login(page, browsers.base_url, people.owner_email)

    open_at(page, browsers.base_url, reverse("matching:order_ranking", args=[order.pk]), "phone")
    screenshot(page, browsers.artifacts, "wide-ranking-390")

    bullets = page.locator("table.ranking tbody tr").first.locator("ul.reasons > li")
    lefts = bullets.evaluate_all("(els) => els.map((el) => Math.round(el.getBoundingClientRect().left))")
    assert len(lefts) == 3 and len(set(lefts)) == 1, f"the reasons do not line up: {lefts}"
    assert not page.evaluate(SCROLLS_SIDEWAYS)
