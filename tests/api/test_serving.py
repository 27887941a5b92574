"""What bench/web.py made cheaper stays correct: filters still apply when named, sessions come from
the cache, and the pages keep a fixed number of queries (the hand-built list rows equal the documented
serializers: tests/marketplace/test_fastpaths.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from brands.models import BrandMembership
from marketplace.core.tokens import api_token_create
from orders.models import Order
from tests.factories import MembershipFactory, OrderFactory, ProductCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return MembershipFactory(role=BrandMembership.Role.MANAGER)


@pytest.fixture
def api(manager):
    _row, token = api_token_create(user=manager.user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_order_list_still_filters_when_a_filter_is_named(api, manager):
    draft = OrderFactory(brand=manager.brand)
    closed = OrderFactory(brand=manager.brand, status=Order.Status.CLOSED)
    url = reverse("api:order-list")

    everything = api.get(url, {"page_size": 10}).json()["results"]
    only_closed = api.get(url, {"status": "closed"}).json()["results"]
    bad = api.get(url, {"status": "nonsense"})

    assert [o["id"] for o in everything] == [closed.pk, draft.pk]
    assert [o["id"] for o in only_closed] == [closed.pk]
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]


def test_signed_in_pages_read_the_session_from_the_cache(client, manager):
    client.force_login(manager.user)
    client.get(reverse("brands:dashboard"))

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("brands:dashboard"))

    assert response.status_code == 200
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]


def test_the_brand_dashboard_runs_the_same_few_queries_however_many_orders(client, manager):
    client.force_login(manager.user)
    OrderFactory(brand=manager.brand)
    client.get(reverse("brands:dashboard"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("brands:dashboard"))
    category = ProductCategoryFactory()
    Order.objects.bulk_create([OrderFactory.build(brand=manager.brand, product_category=category) for _ in range(30)])

    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("brands:dashboard"))

    assert response.status_code == 200
    # Orders by status and recent orders, the action list, the month's spend, the wallet (and, with live
    # campaigns, one report each for at most six: tests/brands/test_pages.py bounds that case).
    assert len(many) == len(one) <= 10
