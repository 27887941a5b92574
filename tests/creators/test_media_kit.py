"""The creator page as a media kit: past collaborations with the post, views, rating and review; recent titles."""

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.history_import import UNKNOWN_BRAND_SLUG
from tests.factories import BrandFactory, CollaborationFactory, CreatorFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db


def finished(creator, brand_name: str, **fields):
    order = OrderFactory(brand=BrandFactory(name=brand_name))
    values = {"status": "settled", "accepted": True, "completed_at": timezone.now()}
    values.update(fields)
    return CollaborationFactory(order=order, creator=creator, **values)


def test_brands_see_past_collaborations_with_post_views_rating_and_review(client):
    lisa = CreatorFactory(handle="lisa", content_sample="Autumn skincare routine #skincare\n\nRainy day vlog")
    finished(
        lisa, "Aurora Skincare", post_url="https://v.example/1", views=123_456, brand_rating=4, brand_comment="On time."
    )
    finished(lisa, "Cancelled Co", status="cancelled")
    finished(CreatorFactory(), "Other Creator's Brand", brand_rating=1)
    client.force_login(MembershipFactory(role="viewer").user)

    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()
    kit = page.split('id="past-collaborations"', 1)[1]

    assert "Aurora Skincare" in kit and 'href="https://v.example/1"' in kit
    assert "123,456 views" in kit
    assert "★★★★☆" in kit and "4 / 5" in kit and "On time." in kit
    assert "Cancelled Co" not in page and "Other Creator" not in page
    assert "600,000" not in kit and "6,000.00" not in kit  # never the price
    recent = page.split('id="recent-content"', 1)[1]
    assert "<li>Autumn skincare routine #skincare</li>" in recent and "<li>Rainy day vlog</li>" in recent


def test_imported_history_without_a_brand_is_left_out_and_an_empty_kit_says_so(client):
    lisa = CreatorFactory(handle="lisa")
    unknown = OrderFactory(brand=BrandFactory(name="Brand unknown", slug=UNKNOWN_BRAND_SLUG))
    CollaborationFactory(order=unknown, creator=lisa, status="settled", completed_at=timezone.now())
    client.force_login(lisa.user)

    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()

    assert "Brand unknown" not in page
    assert "No finished collaborations on Starmap yet." in page


# ------------------------------------------------------------------ audience charts


def test_the_creator_page_draws_the_audience_as_charts_with_their_numbers_as_tables(client):
    CreatorFactory(
        handle="lisa",
        audience_age={"18-23": 0.35, "24-30": 0.4, "31-40": 0.15, "41-50": 0.05, "50+": 0.05},
        audience_gender={"female": 0.8, "male": 0.18, "other": 0.02},
        audience_region={"CN-GD": 0.5, "CN-SH": 0.3, "US": 0.2},
    )
    client.force_login(MembershipFactory(role="viewer").user)

    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()
    audience = page.split('<section id="audience">', 1)[1].split("</section>", 1)[0]

    for key, title in [
        ("audience-age", "Audience by age (years)"),
        ("audience-gender", "Audience by gender"),
        ("audience-region", "Top regions of the audience"),
    ]:
        chart = audience.split(f'id="chart-{key}"', 1)[1].split("</figure>", 1)[0]
        assert f'aria-labelledby="chart-{key}-title"' in chart and f">{title}</title>" in chart
        assert chart.count('<rect class="chart-bar chart-series-share"') >= 3
        assert "the numbers as a table" in chart
    age = audience.split('id="chart-audience-age"', 1)[1].split("</figure>", 1)[0]
    assert '<th scope="row">24–30</th><td class="num">40.0 %</td>' in age
    assert "<title>50+ · Share of the audience: 5.0 %</title>" in age
    regions = audience.split('id="chart-audience-region"', 1)[1].split("</figure>", 1)[0]
    assert regions.index("Guangdong") < regions.index("Shanghai") < regions.index("United States")
    assert '<th scope="row">Guangdong</th><td class="num">50.0 %</td>' in regions
    assert 'viewBox="0 0 360 ' in audience  # drawn at a phone's width, so labels stay legible at 390 px


def test_the_charts_speak_chinese_on_a_chinese_page(client):
    CreatorFactory(handle="lisa", audience_region={"CN-GD": 1.0})
    client.force_login(MembershipFactory(role="viewer").user)

    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()
    audience = page.split('<section id="audience">', 1)[1].split("</section>", 1)[0]

    for english in ("Audience by age", "Audience by gender", "Top regions", "Share of the audience", "years", "Female"):
        assert english not in audience
    assert (
        "受众年龄" in audience
        and "广东" in audience
        and '<th scope="row">女</th>' in audience
        and "50+ 岁" in audience
        and "受众年龄分布（岁）" in audience
    )


def test_an_unknown_audience_has_no_chart_and_says_so(client):
    CreatorFactory(handle="lisa", audience_age={}, audience_gender={}, audience_region={})
    client.force_login(MembershipFactory(role="viewer").user)

    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()
    audience = page.split('<section id="audience">', 1)[1].split("</section>", 1)[0]

    assert "<svg" not in audience and "Audience not known yet." in audience
