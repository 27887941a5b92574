"""A part of a page that htmx asks for after the session has ended sends the whole page to the login page
and back, instead of swapping the login page into the part."""

import pytest
from django.urls import reverse

from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    return OrderFactory(status="published")


PARTS = [
    ("matching:order_ranking", True),  # the ranked creators the order page loads
    ("matching:order_why_not", True),
    ("deals:inbox", False),
    ("payouts:wallet", False),
]


@pytest.mark.parametrize("name,takes_order", PARTS)
def test_a_part_asked_for_after_the_session_ended_sends_the_page_to_log_in_and_back(client, order, name, takes_order):
    url = reverse(name, args=[order.pk] if takes_order else [])
    page = f"/orders/{order.pk}/?min_followers=5"

    part = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"})
    plain = client.get(url)

    assert part.status_code == 200 and part.content == b""
    login = reverse("login")
    assert part["HX-Redirect"] == f"{login}?next=%2Forders%2F{order.pk}%2F%3Fmin_followers%3D5"
    assert plain.status_code == 302 and plain["Location"].startswith(f"{login}?next=")
    # Following it, the person logs in on a whole page.
    assert "<html" in client.get(part["HX-Redirect"]).content.decode()


def test_another_sites_current_url_is_not_where_the_login_leads_back(client, order):
    url = reverse("matching:order_ranking", args=[order.pk])

    part = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/steal"})

    assert part["HX-Redirect"] == f"{reverse('login')}?next=%2Fmatching%2Forders%2F{order.pk}%2Franking%2F"
