import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from brands.models import BrandMembership
from marketplace.core.models import AuditLog
from matching.models import RankingRun
from orders.models import Order, OrderTargetLabel
from tests.api.clients import api_for
from tests.factories import (
    CreatorFactory,
    LabelFactory,
    MembershipFactory,
    OrderFactory,
    ProductCategoryFactory,
    UserFactory,
)
from tests.matching.conftest import queue_published_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return MembershipFactory(role=BrandMembership.Role.MANAGER)


@pytest.fixture
def api(manager):
    return api_for(manager.user)


def brief(**overrides) -> dict:
    data = {
        "title": "Summer serum launch",
        "description": "Show the serum in a morning routine.",
        "product_name": "Hydrating serum",
        "product_category": ProductCategoryFactory().iab_id,
        "format": "short_21_60",
        "goal": "seeding",
        "mode": "direct",
        "target_labels": [{"label": LabelFactory().iab_id, "weight": 0.8}],
        "target_age": ["18-23", "24-30"],
        "target_gender": ["female"],
        "target_regions": ["CN-GD"],
        "price_per_creator_minor": 600_000,
        "total_budget_minor": 1_800_000,
        "creators_wanted": 3,
        "script_by": (timezone.now() + timedelta(days=10)).isoformat(),
        "publish_from": (date.today() + timedelta(days=14)).isoformat(),
        "publish_until": (date.today() + timedelta(days=28)).isoformat(),
    }
    data.update(overrides)
    return data


def create(api, **overrides) -> dict:
    response = api.post(reverse("api:order-list"), brief(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# ------------------------------------------------------------------ create


def test_a_manager_creates_a_draft_with_the_whole_brief(api, manager):
    data = brief()

    response = api.post(reverse("api:order-list"), data, format="json")

    body = response.json()
    order = Order.objects.get()
    assert response.status_code == 201
    assert response["Location"] == reverse("api:order-detail", args=[order.pk])
    assert response["ETag"]
    assert order.brand == manager.brand and order.created_by == manager.user
    assert order.status == "draft" and order.currency == settings.CURRENCY
    assert (order.price_per_creator, order.total_budget, order.creators_wanted) == (600_000, 1_800_000, 3)
    assert (order.goal, order.target_age, order.target_gender) == ("seeding", ["18-23", "24-30"], ["female"])
    assert order.product_category.iab_id == data["product_category"]
    link = OrderTargetLabel.objects.get(order=order)
    assert link.label.iab_id == data["target_labels"][0]["label"] and link.weight == 0.8
    assert body["price_per_creator_minor"] == 600_000 and body["status"] == "draft"
    assert body["target_labels"][0]["iab_id"] == data["target_labels"][0]["label"]
    assert AuditLog.objects.filter(action="order.created", object_id=str(order.pk)).exists()


def test_a_draft_may_leave_the_category_out_and_publishing_names_it(api):
    data = brief()
    del data["product_category"]

    created = api.post(reverse("api:order-list"), data, format="json")
    published = api.post(reverse("api:order-publish", args=[created.json()["id"]]), format="json")

    assert created.status_code == 201 and created.json()["product_category"] is None
    assert published.status_code == 400 and "product_category" in published.json()["errors"]
    assert Order.objects.get().status == "draft"


def test_labels_and_category_can_be_given_by_starmap_id(api):
    label, category = LabelFactory(), ProductCategoryFactory()

    body = create(api, target_labels=[{"label": label.pk}], product_category=category.pk)

    assert body["target_labels"][0]["label"] == label.pk and body["target_labels"][0]["weight"] == 1.0
    assert body["product_category"]["id"] == category.pk


def test_unknown_labels_and_categories_are_field_errors(api):
    response = api.post(
        reverse("api:order-list"),
        brief(target_labels=[{"label": "no-such"}], product_category="nope"),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"target_labels", "product_category"}
    assert not Order.objects.exists()


def test_fields_the_client_does_not_own_are_refused_on_create(api, manager):
    other = MembershipFactory()
    data = brief(
        status="published",
        brand=other.brand_id,
        currency="USD",
        created_by=other.user_id,
        published_at="2020-01-01T00:00:00Z",
        cancellation_schedule={"before_script": 10000},
        is_staff=True,
        fee_minor=1,
        platform_fee_bps=0,
    )

    response = api.post(reverse("api:order-list"), data, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "status",
        "brand",
        "currency",
        "created_by",
        "published_at",
        "cancellation_schedule",
        "is_staff",
        "fee_minor",
        "platform_fee_bps",
    }
    assert not Order.objects.exists()
    assert not manager.user.is_staff


BAD_MONEY = [0, -1, 1.5, "100", True, 10**15, "1,000", [100], {"amount": 1}]


@pytest.mark.parametrize("amount", BAD_MONEY, ids=repr)
def test_bad_money_is_a_400_field_error_and_nothing_is_stored(api, amount):
    response = api.post(reverse("api:order-list"), brief(price_per_creator_minor=amount), format="json")

    assert response.status_code == 400
    assert "price_per_creator_minor" in response.json()["errors"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_money_in_raw_json_is_a_400(api, literal):
    body = json.dumps(brief(total_budget_minor=None)).replace(
        '"total_budget_minor": null', f'"total_budget_minor": {literal}'
    )

    response = api.generic("POST", reverse("api:order-list"), body, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail", "errors"}
    assert not Order.objects.exists()


def test_orders_are_written_as_json_only(api):
    response = api.post(reverse("api:order-list"), {"title": "Form post"}, format="multipart")

    assert response.status_code == 415
    assert not Order.objects.exists()


def test_an_order_needs_a_price_or_a_budget(api):
    response = api.post(
        reverse("api:order-list"), brief(price_per_creator_minor=None, total_budget_minor=None), format="json"
    )

    assert response.status_code == 400
    assert "price_per_creator_minor" in response.json()["errors"]


def test_service_checks_come_back_under_the_apis_field_names(api):
    response = api.post(
        reverse("api:order-list"),
        brief(price_per_creator_minor=100_000, total_budget_minor=100_000, creators_wanted=5),
        format="json",
    )

    assert response.status_code == 400
    assert "total_budget_minor" in response.json()["errors"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Serum\x00launch"),
        ("description", "x" * 1_000_000),
        ("title", "x" * 201),
        ("title", 123),
        ("target_age", ["18-23", "99+"]),
        ("target_regions", ["XX-NOPE"]),
        ("creators_wanted", "3"),
        ("paid_ads_authorised", "yes"),
        ("min_region_share", 1.5),
        ("target_labels", [{"label": 1, "weight": 2}]),
    ],
)
def test_bad_text_and_fields_are_400_with_a_field_error(api, field, value):
    response = api.post(reverse("api:order-list"), brief(**{field: value}), format="json")

    assert response.status_code in (400, 413)
    errors = response.json()["errors"]
    assert field in errors
    assert all(isinstance(m, str) for m in errors[field])
    assert not Order.objects.exists()


# --------------------------------------------------------------- detail, edit


def test_detail_carries_an_etag_and_a_stale_if_match_gets_412(api):
    order_id = create(api)["id"]
    url = reverse("api:order-detail", args=[order_id])
    etag = api.get(url)["ETag"]

    fresh = api.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    stale = api.patch(url, {"title": "Overwritten"}, format="json", HTTP_IF_MATCH=etag)

    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert Order.objects.get(pk=order_id).title == "Renamed"


def test_patch_changes_only_the_fields_sent(api):
    created = create(api)
    url = reverse("api:order-detail", args=[created["id"]])

    response = api.patch(url, {"total_budget_minor": None, "target_gender": []}, format="json")

    order = Order.objects.get(pk=created["id"])
    assert response.status_code == 200
    assert order.total_budget is None and order.target_gender == []
    assert order.price_per_creator == 600_000 and order.title == created["title"]
    assert order.target_label_links.count() == 1


def test_patch_refuses_status_brand_and_money_it_does_not_own(api, manager):
    order_id = create(api)["id"]
    other = MembershipFactory()

    response = api.patch(
        reverse("api:order-detail", args=[order_id]),
        {"status": "closed", "brand": other.brand_id, "currency": "USD", "closed_at": "2020-01-01T00:00:00Z"},
        format="json",
    )

    order = Order.objects.get(pk=order_id)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "brand", "currency", "closed_at"}
    assert (order.status, order.brand_id, order.currency, order.closed_at) == (
        "draft",
        manager.brand_id,
        settings.CURRENCY,
        None,
    )


def test_removing_both_price_and_budget_is_refused(api):
    order_id = create(api)["id"]

    response = api.patch(
        reverse("api:order-detail", args=[order_id]),
        {"price_per_creator_minor": None, "total_budget_minor": None},
        format="json",
    )

    assert response.status_code == 400
    assert Order.objects.get(pk=order_id).price_per_creator == 600_000


def test_editing_a_published_order_is_409(api):
    order_id = create(api)["id"]
    api.post(reverse("api:order-publish", args=[order_id]))

    response = api.patch(reverse("api:order-detail", args=[order_id]), {"title": "Late change"}, format="json")

    assert response.status_code == 409
    assert Order.objects.get(pk=order_id).title == "Summer serum launch"


# ------------------------------------------------------------- transitions


def test_publish_queues_a_ranking_and_close_ends_the_order(api):
    order_id = create(api)["id"]

    published = api.post(reverse("api:order-publish", args=[order_id]))
    queued = queue_published_orders()  # the worker, from the publish's order.published message
    again = api.post(reverse("api:order-publish", args=[order_id]))
    closed = api.post(reverse("api:order-close", args=[order_id]))
    closed_again = api.post(reverse("api:order-close", args=[order_id]))

    assert published.status_code == 200 and published.json()["status"] == "published"
    assert queued == 1 and RankingRun.objects.filter(order_id=order_id, trigger="publish").count() == 1
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert closed_again.status_code == 409
    assert Order.objects.get(pk=order_id).status == "closed"


def test_publishing_an_incomplete_brief_names_what_is_missing(api):
    order_id = create(api, target_labels=[], script_by=None)["id"]

    response = api.post(reverse("api:order-publish", args=[order_id]))

    assert response.status_code == 400
    assert {"target_labels", "script_by"} <= set(response.json()["errors"])
    assert Order.objects.get(pk=order_id).status == "draft"


def test_a_stale_if_match_blocks_publishing(api):
    order_id = create(api)["id"]
    etag = api.get(reverse("api:order-detail", args=[order_id]))["ETag"]
    api.patch(reverse("api:order-detail", args=[order_id]), {"title": "Changed"}, format="json")

    response = api.post(reverse("api:order-publish", args=[order_id]), HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert Order.objects.get(pk=order_id).status == "draft"


# ------------------------------------------------------------------ access


def test_a_viewer_reads_but_cannot_write(manager, api):
    order_id = create(api)["id"]
    viewer = api_for(MembershipFactory(brand=manager.brand, role=BrandMembership.Role.VIEWER).user)

    read = viewer.get(reverse("api:order-detail", args=[order_id]))
    writes = [
        viewer.post(reverse("api:order-list"), brief(), format="json"),
        viewer.patch(reverse("api:order-detail", args=[order_id]), {"title": "Viewer"}, format="json"),
        viewer.post(reverse("api:order-publish", args=[order_id])),
        viewer.post(reverse("api:order-close", args=[order_id])),
    ]

    assert read.status_code == 200
    assert [w.status_code for w in writes] == [403, 403, 403, 403]
    order = Order.objects.get()
    assert (order.title, order.status) == ("Summer serum launch", "draft")


def test_a_viewer_sending_bad_data_is_refused_for_the_role_first(manager):
    viewer = api_for(MembershipFactory(brand=manager.brand, role=BrandMembership.Role.VIEWER).user)

    response = viewer.post(reverse("api:order-list"), {"title": "\x00"}, format="json")

    assert response.status_code == 403


def test_creators_and_users_without_a_brand_get_403_on_brand_routes(api):
    order_id = create(api)["id"]
    outsiders = [api_for(CreatorFactory().user), api_for(UserFactory())]

    for client in outsiders:
        assert client.get(reverse("api:order-list")).status_code == 403
        assert client.post(reverse("api:order-list"), brief(), format="json").status_code == 403
        assert client.get(reverse("api:order-detail", args=[order_id])).status_code == 403
        assert client.post(reverse("api:order-publish", args=[order_id])).status_code == 403

    assert Order.objects.get().status == "draft"


def test_no_token_gets_401():
    response = APIClient().get(reverse("api:order-list"))

    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail", "errors"}


ORDER_ROUTES = [
    ("get", "api:order-detail", {}),
    ("patch", "api:order-detail", {"title": "Taken over"}),
    ("post", "api:order-publish", {}),
    ("post", "api:order-close", {}),
    ("get", "api:order-matches", {}),
    ("post", "api:order-rerank", {}),
    ("get", "api:order-why-not", {"creator": "someone"}),
]


@pytest.mark.parametrize(("method", "name", "data"), ORDER_ROUTES, ids=[f"{m} {n}" for m, n, _ in ORDER_ROUTES])
@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_another_brands_order_is_404_on_every_order_route(method, name, data, role):
    order = OrderFactory(status="published")
    stranger = api_for(MembershipFactory(role=role).user)
    before = (Order.objects.values().get(pk=order.pk), RankingRun.objects.count())

    response = getattr(stranger, method)(
        reverse(name, args=[order.pk]), data, format="json" if method != "get" else None
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (Order.objects.values().get(pk=order.pk), RankingRun.objects.count()) == before


def test_a_missing_order_is_404(api):
    assert api.get(reverse("api:order-detail", args=[999_999])).status_code == 404


# -------------------------------------------------------------------- list


def test_the_list_shows_only_the_callers_brand_newest_first(api, manager):
    mine = [OrderFactory(brand=manager.brand) for _ in range(3)]
    OrderFactory()

    response = api.get(reverse("api:order-list"))

    body = response.json()
    assert response.status_code == 200
    assert [o["id"] for o in body["results"]] == [o.pk for o in reversed(mine)]
    assert body["results"][0]["price_per_creator_minor"] == 600_000


def test_the_list_filters_by_status_mode_goal_format_and_creation_time(api, manager):
    category = ProductCategoryFactory()
    published = OrderFactory(brand=manager.brand, product_category=category, status="published", mode="recruitment")
    draft = OrderFactory(brand=manager.brand, product_category=category, goal="conversion", format="image_post")
    old = OrderFactory(brand=manager.brand, product_category=category)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    OrderFactory(status="published", mode="recruitment")

    def ids(**params):
        response = api.get(reverse("api:order-list"), params)
        assert response.status_code == 200
        return {o["id"] for o in response.json()["results"]}

    assert ids(status="published") == {published.pk}
    assert ids(mode="recruitment") == {published.pk}
    assert ids(goal="conversion") == ids(format="image_post") == {draft.pk}
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=cutoff) == {published.pk, draft.pk}
    assert ids(created_before=cutoff) == {old.pk}


@pytest.mark.parametrize("params", [{"status": "bogus"}, {"created_after": "yesterday"}, {"format": "8k"}])
def test_a_bad_filter_value_is_a_400(api, params):
    response = api.get(reverse("api:order-list"), params)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)


def test_cursor_pages_follow_the_next_link_and_are_capped_at_100(api, manager):
    category = ProductCategoryFactory()
    Order.objects.bulk_create([OrderFactory.build(brand=manager.brand, product_category=category) for _ in range(105)])

    first = api.get(reverse("api:order-list"), {"page_size": 40}).json()
    second = api.get(first["next"]).json()
    capped = api.get(reverse("api:order-list"), {"page_size": 1000}).json()
    huge = api.get(reverse("api:order-list"), {"page_size": "9" * 5000})  # past int()'s digit limit

    first_ids = [o["id"] for o in first["results"]]
    second_ids = [o["id"] for o in second["results"]]
    assert len(first_ids) == len(second_ids) == 40
    assert first_ids == sorted(first_ids, reverse=True) and min(first_ids) > max(second_ids)
    assert second["previous"]
    assert len(capped["results"]) == 100 and capped["next"]
    assert huge.status_code == 200 and len(huge.json()["results"]) == 100


def test_the_list_runs_a_fixed_number_of_queries(api, manager, django_assert_max_num_queries):
    category = ProductCategoryFactory()
    Order.objects.bulk_create([OrderFactory.build(brand=manager.brand, product_category=category) for _ in range(20)])
    api.get(reverse("api:order-list"))  # the token's first use stamps last_used_at

    with django_assert_max_num_queries(3):
        response = api.get(reverse("api:order-list"))

    assert len(response.json()["results"]) == 20


# ------------------------------------------------------------------ schema


def test_the_schema_still_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    for operation in ("orders_list", "orders_create", "orders_update", "orders_publish", "orders_close"):
        assert f"operationId: {operation}" in schema
