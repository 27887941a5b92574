"""The API side of the value indices: the creator detail, the creator's growth path and the directory."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Collaboration
from payouts.models import Hold
from tests.api.clients import api_for
from tests.factories import (
    CollaborationFactory,
    CreatorFactory,
    CreatorLabelFactory,
    InterestFactory,
    LabelFactory,
    MembershipFactory,
    OrderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("api:creator-list")
GROWTH = reverse("api:creator-growth")


@pytest.fixture
def brand():
    return api_for(MembershipFactory(role="viewer").user)


def indexed(handle: str, **fields):
    values = {"handle": handle, "user": None, "indices_at": timezone.now()}
    values.update(fields)
    return CreatorFactory(**values)


# ------------------------------------------------------------- creator detail


def test_brands_get_the_indices_and_the_anomaly_score_with_the_profile(brand):
    creator = indexed(
        "mia",
        index_reach=73.5,
        index_seeding=41.2,
        index_value=None,
        index_growth=12.5,
        index_conversion=88.0,
        growth_stage="harvest",
        authenticity_score=0.62,
        authenticity_flags=["follower_jump"],
    )

    body = brand.get(reverse("api:creator-detail", args=[creator.handle])).json()

    assert body["indices"] == {"reach": 73.5, "seeding": 41.2, "value": None, "growth": 12.5, "conversion": 88.0}
    assert body["indices_at"] and body["growth_stage"] == "harvest"
    assert body["authenticity"] == {"score": 0.62, "flags": ["follower_jump"], "warning": True}
    assert body["handle"] == "mia" and "rate_card" in body


def test_staff_see_the_anomaly_score_and_the_creator_does_not():
    creator = CreatorFactory(authenticity_score=0.3, authenticity_flags=[], index_reach=50.0)
    url = reverse("api:creator-detail", args=[creator.handle])

    staff = api_for(UserFactory(is_staff=True)).get(url).json()
    own = api_for(creator.user).get(url).json()

    assert staff["authenticity"] == {"score": 0.3, "flags": [], "warning": False}
    assert own["authenticity"] is None and own["indices"]["reach"] == 50.0


def test_indices_not_computed_yet_are_null(brand):
    creator = CreatorFactory()

    body = brand.get(reverse("api:creator-detail", args=[creator.handle])).json()

    assert body["indices_at"] is None and set(body["indices"].values()) == {None}


# ---------------------------------------------------------------- growth path


def test_a_creator_reads_their_growth_path():
    creator = CreatorFactory(completed_orders=9, avg_rating=4.19)
    order = OrderFactory()
    Hold.objects.create(
        brand=order.brand,
        order=order,
        creator=creator,
        amount=5_000_000,
        currency=settings.CURRENCY,
        fee_bps=1000,
        status=Hold.Status.PAID,
        creator_gross=5_000_000,
        creator_share=4_999_999,
        fee=1,
        refunded=0,
        settled_at=timezone.now(),
    )
    CollaborationFactory(creator=creator, status=Collaboration.Status.SETTLED, accepted=True, brand_rating=5)

    response = api_for(creator.user).get(GROWTH)

    body = response.json()
    assert response.status_code == 200
    assert body["stage"] == "exploration" and body["currency"] == settings.CURRENCY
    assert [s["state"] for s in body["stages"]] == ["passed", "current", "ahead", "ahead"]
    assert body["figures"]["income_12m_minor"] == 4_999_999 and body["figures"]["completed_orders"] == 9
    assert len(body["income_by_month"]) == 12
    assert body["income_by_month"][-1] == {"month": timezone.localdate().strftime("%Y-%m"), "income_minor": 4_999_999}
    assert {s["key"]: s["done"] for s in body["checklist"]}["first_five_star"] is True
    missing = {m["kind"]: (m["have"], m["need"]) for m in body["next_stage"]["missing"]}
    assert body["next_stage"]["stage"] == "harvest"
    assert missing == {"orders": (9, 10), "income": (4_999_999, 5_000_000), "rating": (4.19, 4.2)}


def test_only_creators_have_a_growth_path(brand):
    staff = api_for(UserFactory(is_staff=True))

    assert brand.get(GROWTH).status_code == 403
    assert staff.get(GROWTH).status_code == 403
    assert APIClient().get(GROWTH).status_code in (401, 403)


# ------------------------------------------------------------------ directory


def test_the_directory_sorts_by_the_index_asked_for_best_first(brand):
    indexed("a", index_seeding=10.0)
    indexed("b", index_seeding=None)
    indexed("c", index_seeding=90.0)

    body = brand.get(LIST, {"sort": "index_seeding"}).json()

    assert [c["handle"] for c in body["results"]] == ["c", "a", "b"]
    assert body["results"][0]["indices"]["seeding"] == 90.0 and body["next"] is None and body["previous"] is None


def test_the_directory_sorts_and_filters_by_the_conversion_index(brand):
    indexed("a", index_conversion=20.0)
    indexed("b", index_conversion=None)
    indexed("c", index_conversion=75.0)

    ordered = brand.get(LIST, {"sort": "index_conversion"}).json()
    filtered = brand.get(LIST, {"min_index_conversion": "20"}).json()

    assert [c["handle"] for c in ordered["results"]] == ["c", "a", "b"]
    assert ordered["results"][0]["indices"]["conversion"] == 75.0
    assert sorted(c["handle"] for c in filtered["results"]) == ["a", "c"]


def test_the_directory_filters_by_interest_and_index_minimums(brand):
    food = InterestFactory()
    keep = indexed("keep", index_reach=80.0, index_seeding=55.0)
    low = indexed("low", index_reach=80.0, index_seeding=54.9)
    for creator in (keep, low):
        CreatorLabelFactory(creator=creator, label=LabelFactory(interest=food))
    indexed("elsewhere", index_reach=99.0, index_seeding=99.0)

    body = brand.get(LIST, {"interest": food.pk, "min_index_seeding": "55"}).json()

    assert [c["handle"] for c in body["results"]] == ["keep"]


def test_cursor_pages_cover_every_creator_once(brand):
    for i in range(7):
        indexed(f"c{i}", index_reach=float(i % 3))

    seen, url, pages = [], LIST + "?page_size=3", 0
    while url:
        body = brand.get(url).json()
        seen += [c["handle"] for c in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3 and sorted(seen) == [f"c{i}" for i in range(7)] and len(set(seen)) == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "handle"}, "sort"),
        ({"min_index_reach": "100.5"}, "min_index_reach"),
        ({"min_index_value": "NaN"}, "min_index_value"),
        ({"followers_min": "5", "followers_max": "4"}, "followers_max"),
        ({"interest": "999999"}, "interest"),
        ({"country": "Chinaland"}, "country"),
        ({"cursor": "bm9wZQ"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_directory_parameters_are_400_with_the_field_named(brand, params, field):
    response = brand.get(LIST, params)

    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_parameter_given_twice_is_a_400(brand):
    response = brand.get(LIST + "?sort=followers&sort=index_reach")

    assert response.status_code == 400 and "sort" in response.json()["errors"]


def test_creators_and_users_without_a_role_may_not_browse():
    creator = api_for(CreatorFactory().user)
    nobody = api_for(UserFactory())

    assert creator.get(LIST).status_code == 403
    assert nobody.get(LIST).status_code == 403


def test_a_directory_page_runs_the_same_queries_for_few_or_many_creators(brand):
    brand.get(LIST)
    for i in range(3):
        indexed(f"a{i}", index_reach=float(i))
    with CaptureQueriesContext(connection) as few:
        assert brand.get(LIST).status_code == 200
    for i in range(40):
        indexed(f"b{i}", index_reach=float(i), indices_at=timezone.now() - timedelta(days=1))

    with CaptureQueriesContext(connection) as many:
        body = brand.get(LIST).json()

    assert len(body["results"]) == 25 and len(many) == len(few)
