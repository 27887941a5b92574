"""The bad input that was a server error, each where it was found: now a 4xx (or the page with a message).

tests/test_hostile_input.py sends the same kinds of values to every parameter of every route; these are
the cases found by hand, each asserting what the caller now sees.
"""

import base64
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from brands.models import BrandMembership
from orders.models import Order
from tests.api.clients import api_for
from tests.factories import (
    CollaborationFactory,
    CreatorFactory,
    MembershipFactory,
    OrderFactory,
    RankingResultFactory,
    RankingRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no
FIVE_THOUSAND_DIGITS = "9" * 5000  # past int()'s 4,300-digit limit
NUL = "a\x00b"  # PostgreSQL text cannot hold it
NESTED = "[" * 1000 + "]" * 1000
HX = {"HTTP_HX_REQUEST": "true"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def owner():
    return MembershipFactory(role=BrandMembership.Role.OWNER).user


@pytest.fixture
def order(owner):
    return OrderFactory(brand=owner.brand_membership.brand, status=Order.Status.PUBLISHED)


@pytest.fixture
def creator():
    return CreatorFactory().user


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


# ------------------------------------------------------------------ the API


def _lists(owner, creator, staff, order):
    RankingResultFactory(run=RankingRunFactory(order=order))
    return [
        (owner, "/api/v1/orders/"),
        (owner, "/api/v1/collaborations/"),
        (owner, "/api/v1/notifications/"),
        (owner, "/api/v1/wallet/statement/"),
        (owner, "/api/v1/brand/members/"),
        (owner, f"/api/v1/orders/{order.pk}/matches/"),
        (owner, f"/api/v1/orders/{order.pk}/collaborations/"),
        (creator, "/api/v1/earnings/statement/"),
        (creator, "/api/v1/payouts/"),
        (staff, "/api/v1/disputes/"),
    ]


@pytest.mark.parametrize("position", ["abc", "1e999", SUPERSCRIPT_TWO, FIVE_THOUSAND_DIGITS])
def test_a_cursor_whose_position_is_not_a_number_is_an_invalid_cursor_on_every_list(
    owner, creator, staff, order, position
):
    for user, url in _lists(owner, creator, staff, order):
        response = api_for(user).get(url, {"cursor": b64(f"p={position}")})

        assert response.status_code == 404, url
        assert response.json() == {"code": "not_found", "detail": "Invalid cursor", "errors": {}}, url


def test_a_cursor_position_past_any_id_is_read_as_a_number(owner):
    response = api_for(owner).get("/api/v1/orders/", {"cursor": b64("p=" + "9" * 400)})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "method", "url"),
    [
        ("owner", "post", "/api/v1/orders/"),
        ("owner", "post", "/api/v1/notifications/read/"),
        ("creator", "patch", "/api/v1/creator/profile/"),
        ("creator", "post", "/api/v1/payouts/"),
    ],
)
def test_json_nested_a_thousand_deep_is_a_parse_error(owner, creator, who, method, url):
    api = api_for({"owner": owner, "creator": creator}[who])

    response = getattr(api, method)(url, NESTED, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-12345")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error" and "levels deep" in response.json()["detail"]


def test_a_lone_surrogate_in_json_text_is_a_parse_error(owner):
    response = api_for(owner).post("/api/v1/orders/", '{"format": "\\ud800"}', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error" and "surrogate" in response.json()["detail"]


def test_a_huge_whole_number_where_a_fraction_goes_is_refused(owner):
    body = '{"title": "x", "min_region_share": ' + "9" * 400 + "}"

    response = api_for(owner).post("/api/v1/orders/", body, content_type="application/json")

    assert response.status_code == 400
    assert "min_region_share" in response.json()["errors"]


@pytest.mark.parametrize(
    "cursor",
    [
        base64.urlsafe_b64encode(('["index_reach",' + NESTED + ",1]").encode()).decode(),
        base64.urlsafe_b64encode(('["followers",' + "9" * 400 + ",1]").encode()).decode(),
        base64.urlsafe_b64encode(('["index_reach",' + "9" * 400 + ",1]").encode()).decode(),
        base64.urlsafe_b64encode(b'["followers",5,' + b"9" * 40 + b"]").decode(),
    ],
)
def test_a_crafted_directory_cursor_is_invalid_on_the_page_and_the_api(owner, cursor):
    from django.test import Client

    page = Client()
    page.force_login(owner)

    api = api_for(owner).get("/api/v1/creators/", {"cursor": cursor})
    html = page.get(reverse("creators:directory"), {"cursor": cursor})

    assert api.status_code == 400 and api.json()["code"] == "invalid_cursor"
    assert html.status_code == 200
    assert "This page link is not valid; start from the first page." in html.content.decode()


# ------------------------------------------------------------------ pages


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, FIVE_THOUSAND_DIGITS])
def test_a_ranking_filter_that_is_not_a_whole_number_says_so_next_to_the_field(client, owner, order, value):
    client.force_login(owner)

    response = client.get(reverse("matching:order_ranking", args=[order.pk]), {"min_followers": value})

    assert response.status_code == 200
    assert response.context["filter_errors"]["min_followers"] == "Enter a whole number."


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, FIVE_THOUSAND_DIGITS, "0", "-3"])
def test_offers_to_creators_that_are_not_ids_are_refused_with_a_message(client, owner, order, value):
    client.force_login(owner)

    response = client.post(
        reverse("deals:offers_send", args=[order.pk]), {"creator": [value], "idempotency_key": str(uuid.uuid4())}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Choose up to 50 creators from the list."]


@pytest.mark.parametrize("day", [SUPERSCRIPT_TWO, FIVE_THOUSAND_DIGITS, "2", ""])
def test_a_results_day_that_is_not_one_of_the_days_is_a_400(client, day):
    c = CollaborationFactory()
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:results", args=[c.pk]), {"day": day, "views": "10"})

    assert response.status_code == 400
    assert response.content.decode() == "Choose day 1, 3, 7, 14 or 30."


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, FIVE_THOUSAND_DIGITS])
def test_profile_label_rows_that_are_not_ids_are_refused_on_the_page(client, creator, value):
    client.force_login(creator)

    response = client.post(reverse("creators:profile_edit"), {"section": "labels", "row": value, "label": value})

    assert response.status_code == 400  # the editor again, with the labels section's error
    assert response.context["labels_form"].errors["label"]


@pytest.mark.parametrize(("params", "field"), [({"q": "skin", "label": SUPERSCRIPT_TWO}, "label"), ({"q": NUL}, "q")])
def test_the_creator_label_search_refuses_what_is_not_a_search(client, creator, params, field):
    client.force_login(creator)

    response = client.get(reverse("creators:label_search"), params, **HX)

    assert response.status_code == 400
    assert response.context["label_search_errors"]


def test_the_profile_page_with_a_nul_in_its_search_says_so(client, creator):
    client.force_login(creator)

    response = client.get(reverse("creators:profile_edit"), {"q": NUL})

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize("name", ["orders:label_search", "orders:category_search"])
def test_the_order_form_pickers_refuse_a_nul(client, owner, name):
    client.force_login(owner)

    response = client.get(reverse(name), {"q": NUL}, **HX)

    assert response.status_code == 400


def test_why_not_with_a_nul_in_the_handle_says_so(client, owner, order):
    client.force_login(owner)

    response = client.get(reverse("matching:order_why_not", args=[order.pk]), {"creator": NUL}, **HX)

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize("term", [SUPERSCRIPT_TWO, FIVE_THOUSAND_DIGITS, "1" + "0" * 30])
@pytest.mark.parametrize("changelist", ["marketplace/user", "orders/order", "matching/rankingrun"])
def test_admin_searches_with_odd_digits_find_nothing_instead_of_failing(client, staff, changelist, term):
    client.force_login(staff)

    response = client.get(f"/admin/{changelist}/", {"q": term})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(
    ("changelist", "params"),
    [
        ("orders/order", {"status": NUL}),
        ("orders/order", {"q": NUL}),
        ("orders/collaboration", {"origin": NUL}),
        ("payouts/account", {"kind": NUL}),
    ],
)
def test_an_admin_list_filtered_or_searched_with_a_nul_shows_the_whole_list(client, staff, order, changelist, params):
    client.force_login(staff)

    response = client.get(f"/admin/{changelist}/", params, follow=True)

    # Django's answer to a lookup it cannot make: back to the list, with ?e=1, and nothing filtered.
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("?e=1")
