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
