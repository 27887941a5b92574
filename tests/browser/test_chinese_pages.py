"""The brand's order and campaign report in Chinese, at desktop and phone widths, in a real browser:
category and label names, region names, money and numbers in the Chinese form, creator names in the
report table on one line. Screenshots: test-artifacts/browser/zh-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from marketplace.core.models import Label, ProductCategory
from orders.models import Order, OrderTargetLabel
from tests.browser.pages import login, screenshot
from tests.browser.test_report_screenshots import a_campaign

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def test_a_brand_reads_its_order_and_campaign_report_in_chinese(people, browsers):
    _star, order_id = a_campaign(people)
    order = Order.objects.get(pk=order_id)
    order.product_category = ProductCategory.objects.get(path="Consumer Packaged Goods > Cosmetics")
    order.target_regions = ["CN-GD", "CN-SH"]
    order.save(update_fields=["product_category", "target_regions"])
    OrderTargetLabel.objects.create(order=order, label=Label.objects.get(path="Style & Fashion > Beauty > Skin Care"))
    brand = browsers.open("brand")
    login(brand, browsers.base_url, people.owner_email)
    brand.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": browsers.base_url}])

    for width_name, (width, height) in WIDTHS.items():
        brand.set_viewport_size({"width": width, "height": height})
        brand.goto(f"{browsers.base_url}/orders/{order_id}/")
        screenshot(brand, browsers.artifacts, f"zh-order-{width_name}")
        text = brand.locator("main").inner_text()
        assert "快消品 > 化妆品" in text and "护肤" in text
        assert "广东省" in text and "Guangdong" not in text
        assert "¥" in text and "CNY " not in text
        assert not US_DATE.search(text), US_DATE.search(text)

        brand.goto(f"{browsers.base_url}/orders/{order_id}/report/")
        screenshot(brand, browsers.artifacts, f"zh-report-{width_name}")
        expect(brand.locator("#total-views")).to_have_text("194,000")
        brand.locator("#creator-table").screenshot(path=str(browsers.artifacts / f"zh-report-table-{width_name}.png"))
        for cell in ("tbody th[scope=row] a", "tbody td:nth-child(2)", "thead th:nth-child(2)"):
            shown = brand.locator(f"#creator-table {cell}").first
            line_height = float(shown.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24"))
            assert shown.bounding_box()["height"] < 2 * line_height, f"{cell} wraps at {width_name}"
        assert brand.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
