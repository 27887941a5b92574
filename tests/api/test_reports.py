"""The results API: the creator posts a day's counts; the parties read the collaboration's report, brand
members the order's, with the same figures as the pages."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from brands.models import BrandMembership
from insights.views.reports import report_csv
from orders.models import Collaboration, ResultSnapshot
from orders.services.results import result_record
from tests.api.clients import api_for
from tests.factories import MembershipFactory, UserFactory
from tests.orders import conftest as deals

S = Collaboration.Status
world = deals.world  # a funded brand (owner, viewer), an admin and a published order


@pytest.fixture(autouse=True)
def _api_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reports"}}


def results_url(c) -> str:
    return reverse("api:collaboration-result-create", args=[c.pk])


def body(**values) -> dict:
    data = {"day": 7, "views": 250_000, "likes": 10_000, "comments": 2_000, "shares": 500, "conversions": 125}
    data.update(values)
    return data


@pytest.fixture
def published(world):
    return deals.deal_in(world, S.PUBLISHED)


# ------------------------------------------------------------------ POST results


def test_the_creator_posts_a_days_counts(published):
    response = api_for(published.creator.user).post(
        results_url(published), body(completion_rate=0.42, clicks=900), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["day"] == 7 and response.json()["source"] == "api"
    snapshot = ResultSnapshot.objects.get(collaboration=published, day=7)
    assert (snapshot.views, snapshot.engagements, snapshot.clicks, snapshot.completion_rate) == (
        250_000,
        12_500,
        900,
        0.42,
    )


def test_posting_a_day_again_replaces_its_counts(published):
    api = api_for(published.creator.user)

    api.post(results_url(published), body(views=100, likes=1, comments=0, shares=0, conversions=0), format="json")
    api.post(results_url(published), body(views=200, likes=2, comments=0, shares=0, conversions=0), format="json")

    assert list(published.results.values_list("day", "views")) == [(7, 200)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("views", True),
        ("views", "1000"),
        ("views", -1),
        ("views", 10**13 + 1),
        ("views", 1.5),
        ("views", None),
        ("likes", False),
        ("likes", "12"),
        ("likes", -3),
        ("conversions", 10**20),
        ("day", 2),
        ("day", "7"),
        ("day", True),
        ("completion_rate", 1.5),
        ("completion_rate", "0.4"),
        ("completion_rate", True),
    ],
)
def test_bad_values_are_400_with_a_field_error(published, field, value):
    response = api_for(published.creator.user).post(results_url(published), body(**{field: value}), format="json")

    assert response.status_code == 400, response.json()
    assert set(response.json()) == {"code", "detail", "errors"}
    assert field in response.json()["errors"]
    assert not ResultSnapshot.objects.exists()


def test_views_are_required(published):
    data = body()
    del data["views"]

    response = api_for(published.creator.user).post(results_url(published), data, format="json")

    assert response.status_code == 400 and "views" in response.json()["errors"]


def test_more_likes_than_the_views_allow_is_a_field_error_from_the_service(published):
    response = api_for(published.creator.user).post(
        results_url(published), body(views=1, likes=5_000, comments=0, shares=0), format="json"
    )

    assert response.status_code == 400 and response.json()["errors"] == {
        "likes": ["Likes (5,000) cannot be more than views (1)."]
    }


def test_only_the_creator_records_results(world, published):
    stranger = MembershipFactory(role=BrandMembership.Role.OWNER).user

    owner = api_for(world["owner"]).post(results_url(published), body(), format="json")
    viewer = api_for(world["viewer"]).post(results_url(published), body(), format="json")
    admin = api_for(world["admin"]).post(results_url(published), body(), format="json")
    other = api_for(stranger).post(results_url(published), body(), format="json")
    nobody = APIClient().post(results_url(published), body(), format="json")

    statuses = (owner.status_code, viewer.status_code, admin.status_code, other.status_code, nobody.status_code)
    assert statuses == (403, 403, 403, 404, 401)
    assert not ResultSnapshot.objects.exists()


def test_results_before_publishing_are_a_conflict(world):
    c = deals.deal_in(world, S.ACCEPTED)

    response = api_for(c.creator.user).post(results_url(c), body(), format="json")

    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


# ------------------------------------------------------------------ GET reports


def test_the_collaboration_report_has_the_pages_figures(world, published):
    api_for(published.creator.user).post(results_url(published), body(), format="json")

    response = api_for(world["viewer"]).get(reverse("api:collaboration-report", args=[published.pk]))

    data = response.json()
    assert response.status_code == 200
    assert data["cost_minor"] == deals.PRICE == 500_000
    assert data["actual"] == {
        "views": 250_000,
        "engagements": 12_500,
        "conversions": 125,
        "cpm_minor": 2_000,  # CNY 20.00, as the page shows
        "cpe_minor": 40,
        "engagement_rate": 0.05,
        "cost_per_conversion_minor": 4_000,
    }
    assert data["expected"]["views"] == 40_000 and data["expected"]["cpm_minor"] == 12_500
    assert data["expected"]["cost_per_conversion_minor"] is None
    assert data["views_vs_expected"] == 6.25 and data["latest_day"] == 7
    assert [s["day"] for s in data["snapshots"]] == [7]


def test_zero_views_give_null_ratios(published):
    result_record(
        collaboration_id=published.pk,
        actor=published.creator.user,
        day=1,
        values={"views": 0, "likes": 0, "comments": 0, "shares": 0, "clicks": 0, "conversions": 0},
    )

    data = api_for(published.creator.user).get(reverse("api:collaboration-report", args=[published.pk])).json()

    assert data["actual"]["views"] == 0
    assert data["actual"]["cpm_minor"] is data["actual"]["cpe_minor"] is data["actual"]["engagement_rate"] is None


def test_the_collaboration_report_is_for_its_parties_only(world, published):
    url = reverse("api:collaboration-report", args=[published.pk])

    assert api_for(world["owner"]).get(url).status_code == 200
    assert api_for(world["admin"]).get(url).status_code == 200
    assert api_for(MembershipFactory(role=BrandMembership.Role.OWNER).user).get(url).status_code == 404
    assert api_for(deals.make_creator().user).get(url).status_code == 404


def test_the_order_report_matches_the_page_and_the_csv(world, published):
    second = deals.deal_in(world, S.COMPLETED)
    api_for(published.creator.user).post(results_url(published), body(), format="json")
    api_for(second.creator.user).post(
        results_url(second), body(day=1, views=50_000, likes=2_500, comments=0, shares=0, conversions=0), format="json"
    )

    response = api_for(world["viewer"]).get(reverse("api:order-report", args=[world["order"].pk]))

    data = response.json()
    assert response.status_code == 200
    assert (data["spend_minor"], data["measured"], data["measured_spend_minor"]) == (1_000_000, 2, 1_000_000)
    assert data["actual"]["views"] == 300_000 and data["actual"]["engagements"] == 15_000
    assert data["actual"]["cpm_minor"] == 3_333 and data["actual"]["cpe_minor"] == 67  # 33.33 and 0.67 on the page
    assert data["expected"]["views"] == 80_000 and data["expected"]["cpm_minor"] == 12_500
    assert {c["collaboration"] for c in data["collaborations"]} == {published.pk, second.pk}
    assert next(d for d in data["by_day"] if d["day"] == 7) == {"day": 7, "views": 300_000, "engagements": 15_000}
    assert data["audience_regions"][0] == {
        "key": "CN-GD",
        "name": data["audience_regions"][0]["name"],
        "views": 150_000,
    }
    assert [a["key"] for a in data["audience_ages"]] == ["18-23", "24-30", "31-40", "41-50", "50+"]
    from orders.reports import order_report

    total_row = report_csv(order_report(world["order"])).splitlines()[-1].split(",")
    assert total_row[12] == "33.33" and total_row[14] == "0.67"


def test_the_order_report_is_for_the_brands_members(world, published):
    url = reverse("api:order-report", args=[world["order"].pk])

    assert api_for(world["owner"]).get(url).status_code == 200
    assert api_for(MembershipFactory(role=BrandMembership.Role.OWNER).user).get(url).status_code == 404
    assert api_for(published.creator.user).get(url).status_code == 403
    assert api_for(UserFactory()).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
