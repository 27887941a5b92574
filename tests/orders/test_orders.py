"""Orders: the brief form, scoping to the viewer's brand, roles, and the one transition table."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from marketplace.core import Conflict, InvalidTransition, NotAllowed
from marketplace.core.models import AuditLog, OutboxMessage
from matching import services as matching_services
from matching.models import RankingRun
from orders.models import Order, OrderEvent, OrderTargetLabel
from orders.services.orders import (
    ORDER_FLOW,
    OrderBrief,
    order_close,
    order_create,
    order_publish,
    order_transition,
    order_update,
)
from tests.factories import LabelFactory, MembershipFactory, OrderFactory, ProductCategoryFactory
from tests.pages import landed_on, log_in_through

pytestmark = pytest.mark.django_db

# Pages may grow by a constant (the session, the viewer's seat), never with the number of rows.
PAGE_QUERY_BOUND = 8


@pytest.fixture
def manager():
    return MembershipFactory(role="manager")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager.user)
    return client


@pytest.fixture
def labels():
    return [LabelFactory(path="Style & Fashion > Beauty > Skin Care"), LabelFactory(path="Healthy Living > Wellness")]


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _post_data(category, labels=(), **overrides):
    now = timezone.now()
    data = {
        "title": "Spring serum launch",
        "description": "Show the serum in a morning routine.",
        "product_name": "Hydrating serum",
        "product_category": category.pk,
        "goal": "awareness",
        "mode": "recruitment",
        "pricing": "fixed",
        "format": "short_21_60",
        "target_age": ["18-23", "24-30"],
        "target_gender": ["female"],
        "target_regions": ["CN-GD", "CN-SH"],
        "min_region_share_percent": "30",
        "price_per_creator": "6000.50",
        "total_budget": "",
        "price_tolerance_percent": "15",
        "creators_wanted": "3",
        "apply_by": _local(now + timedelta(days=5)),
        "script_by": _local(now + timedelta(days=10)),
        "publish_from": (date.today() + timedelta(days=14)).isoformat(),
        "publish_until": (date.today() + timedelta(days=28)).isoformat(),
        "usage_channels": ["creator_account", "paid_ads"],
        "usage_days": "90",
        "paid_ads_authorised": "on",
        "script_rejection_limit": "3",
        "video_revision_limit": "2",
        "target_label": [str(label.pk) for label in labels],
        "target_label_weight": ["1", "0.5"][: len(labels)],
    }
    data.update(overrides)
    return data


def _publishable_order(brand, **overrides):
    order = OrderFactory(brand=brand, **overrides)
    OrderTargetLabel.objects.create(order=order, label=LabelFactory(), weight=1.0)
    return order


# --------------------------------------------------------------- create/edit


def test_create_page_saves_a_draft_with_every_brief_field(manager_client, manager, labels):
    category = ProductCategoryFactory()

    response = manager_client.post(reverse("orders:create"), _post_data(category, labels))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.brand == manager.brand
    assert order.created_by == manager.user
    assert order.status == Order.Status.DRAFT
    assert order.price_per_creator == 600_050
    assert order.total_budget is None
    assert order.currency == "CNY"
    assert order.price_tolerance_bps == 1500
    assert order.min_region_share == pytest.approx(0.3)
    assert order.target_age == ["18-23", "24-30"]
    assert order.target_regions == ["CN-GD", "CN-SH"]
    assert order.usage_channels == ["creator_account", "paid_ads"]
    assert order.paid_ads_authorised is True
    weights = dict(OrderTargetLabel.objects.filter(order=order).values_list("label_id", "weight"))
    assert weights == {labels[0].pk: 1.0, labels[1].pk: 0.5}
    assert AuditLog.objects.filter(action="order.created", object_id=str(order.pk)).exists()


def test_a_draft_saves_without_a_category_and_publishing_asks_for_it_beside_the_field(manager_client, labels):
    """The form says "Save a draft any time"; a draft without a product category was refused."""
    response = manager_client.post(
        reverse("orders:create"), _post_data(ProductCategoryFactory(), labels, product_category="")
    )

    assert response.status_code == 302, response.context["form"].errors
    order = Order.objects.get()
    assert order.status == Order.Status.DRAFT and order.product_category is None
    published = manager_client.post(reverse("orders:publish", args=[order.pk]), follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert "Choose the product&#x27;s category." in published.content.decode()


@pytest.mark.parametrize("text", ["12,50", "1.234", "abc", "-5", "0"])
def test_invalid_money_text_gives_a_field_error_and_saves_nothing(manager_client, labels, text):
    category = ProductCategoryFactory()

    response = manager_client.post(reverse("orders:create"), _post_data(category, labels, price_per_creator=text))

    assert response.status_code == 400
    assert "price_per_creator" in response.context["form"].errors
    assert 'id="id_price_per_creator_errors"' in response.content.decode()
    assert not Order.objects.exists()


def test_an_order_needs_a_price_or_a_budget(manager_client):
    response = manager_client.post(
        reverse("orders:create"), _post_data(ProductCategoryFactory(), price_per_creator="", total_budget="")
    )

    assert "price_per_creator" in response.context["form"].errors
    assert not Order.objects.exists()


def test_a_total_budget_alone_is_parsed_into_minor_units(manager_client):
    manager_client.post(
        reverse("orders:create"), _post_data(ProductCategoryFactory(), price_per_creator="", total_budget="18000")
    )

    order = Order.objects.get()
    assert (order.price_per_creator, order.total_budget) == (None, 1_800_000)
    assert order.per_creator_budget() == 600_000


def test_deadlines_out_of_order_give_field_errors(manager_client):
    later = timezone.now() + timedelta(days=20)

    response = manager_client.post(
        reverse("orders:create"),
        _post_data(
            ProductCategoryFactory(),
            apply_by=_local(later),
            publish_until=(date.today() + timedelta(days=1)).isoformat(),
        ),
    )

    errors = response.context["form"].errors
    assert "apply_by" in errors
    assert "publish_until" in errors
    assert not Order.objects.exists()


def test_a_draft_keeps_the_posted_labels_when_the_form_is_shown_again(manager_client, labels):
    response = manager_client.post(
        reverse("orders:create"), _post_data(ProductCategoryFactory(), labels, price_per_creator="bad")
    )

    body = response.content.decode()
    assert escape(labels[0].path) in body
    assert f'name="target_label" value="{labels[1].pk}"' in body


def test_edit_page_shows_the_saved_brief_and_saves_changes(manager_client, manager, labels):
    order = OrderFactory(brand=manager.brand, price_per_creator=123_400)
    page = manager_client.get(reverse("orders:update", args=[order.pk]))

    response = manager_client.post(
        reverse("orders:update", args=[order.pk]),
        _post_data(order.product_category, labels[:1], title="Renamed", price_per_creator="99.90"),
    )

    assert 'value="1234.00"' in page.content.decode()
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.title, order.price_per_creator) == ("Renamed", 9_990)
    assert list(order.target_labels.all()) == [labels[0]]


def test_edit_after_publish_is_refused_and_changes_nothing(manager_client, manager):
    order = _publishable_order(manager.brand, title="Original")
    order_publish(order_id=order.pk, actor=manager.user)

    page = manager_client.get(reverse("orders:update", args=[order.pk]))
    post = manager_client.post(
        reverse("orders:update", args=[order.pk]), _post_data(order.product_category, title="Changed"), follow=True
    )
    with pytest.raises(Conflict):
        order_update(
            order_id=order.pk,
            actor=manager.user,
            brief=OrderBrief(title="X", product_name="P", product_category=order.product_category, format="image_post"),
        )

    assert page.status_code == 302
    assert "Only draft orders can be edited." in post.content.decode()
    order.refresh_from_db()
    assert order.title == "Original"


# ------------------------------------------------------------------- roles


def test_viewer_gets_403_on_create_edit_publish_and_close(client):
    viewer = MembershipFactory(role="viewer")
    order = _publishable_order(viewer.brand)
    client.force_login(viewer.user)

    responses = [
        client.get(reverse("orders:create")),
        client.post(reverse("orders:create"), _post_data(order.product_category)),
        client.get(reverse("orders:update", args=[order.pk])),
        client.post(reverse("orders:publish", args=[order.pk])),
        client.post(reverse("orders:close", args=[order.pk])),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert Order.objects.get().status == Order.Status.DRAFT
    assert Order.objects.count() == 1


def test_viewer_can_read_the_list_and_detail(client):
    viewer = MembershipFactory(role="viewer")
    order = OrderFactory(brand=viewer.brand)
    client.force_login(viewer.user)

    listing = client.get(reverse("orders:list"))
    detail = client.get(reverse("orders:detail", args=[order.pk]))

    assert listing.status_code == detail.status_code == 200
    assert reverse("orders:publish", args=[order.pk]) not in detail.content.decode()


def test_services_refuse_a_viewer_too(labels):
    viewer = MembershipFactory(role="viewer")
    order = _publishable_order(viewer.brand)
    brief = OrderBrief(title="X", product_name="P", product_category=order.product_category, format="image_post")

    with pytest.raises(NotAllowed):
        order_create(brand=viewer.brand, actor=viewer.user, brief=brief)
    with pytest.raises(NotAllowed):
        order_publish(order_id=order.pk, actor=viewer.user)


def test_guests_are_sent_to_login_and_creators_are_refused(client, manager):
    from tests.factories import CreatorFactory

    _login_page, back = log_in_through(client, reverse("orders:list"), manager.user.email)
    client.force_login(CreatorFactory().user)
    creator = client.get(reverse("orders:list"))

    assert landed_on(back) == reverse("orders:list")
    assert "<h1>Orders</h1>" in back.content.decode()
    assert creator.status_code == 403


# ----------------------------------------------------------------- scoping


def test_a_brand_member_never_sees_another_brands_orders(manager_client, manager):
    mine = OrderFactory(brand=manager.brand, title="Mine")
    theirs = _publishable_order(MembershipFactory().brand, title="Theirs")

    listing = manager_client.get(reverse("orders:list"))
    responses = [
        manager_client.get(reverse("orders:detail", args=[theirs.pk])),
        manager_client.get(reverse("orders:update", args=[theirs.pk])),
        manager_client.post(reverse("orders:update", args=[theirs.pk]), _post_data(theirs.product_category)),
        manager_client.post(reverse("orders:publish", args=[theirs.pk])),
        manager_client.post(reverse("orders:close", args=[theirs.pk])),
    ]

    assert list(listing.context["page"].object_list) == [mine]
    assert [r.status_code for r in responses] == [404] * 5
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Theirs", Order.Status.DRAFT)


def test_the_dashboard_counts_only_the_viewers_brand(manager_client, manager):
    OrderFactory.create_batch(2, brand=manager.brand)
    OrderFactory.create_batch(5)

    response = manager_client.get(reverse("brands:dashboard"))

    assert response.context["total_orders"] == 2


# ------------------------------------------------------------- transitions


def test_the_flow_table_allows_only_publish_and_close():
    table = {status: set(targets) for status, targets in ORDER_FLOW.items()}

    assert table == {"draft": {"published", "closed"}, "published": {"closed"}}


def test_publish_a_draft_writes_event_audit_and_queues_its_ranking_in_the_same_transaction(
    manager, django_capture_on_commit_callbacks
):
    order = _publishable_order(manager.brand)

    with django_capture_on_commit_callbacks() as callbacks:
        order_publish(order_id=order.pk, actor=manager.user)

    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert order.published_at is not None
    event = OrderEvent.objects.get(order=order)
    assert (event.old_status, event.new_status, event.actor) == ("draft", "published", manager.user)
    entry = AuditLog.objects.get(action="order.published")
    assert (entry.object_id, entry.actor, entry.data) == (
        str(order.pk),
        manager.user,
        {"old": "draft", "new": "published"},
    )
    # The deal announces the publish; it does not import the matcher, which queues the ranking from the message.
    message = OutboxMessage.objects.get()
    assert (message.topic, message.payload) == ("order.published", {"order_id": order.pk, "actor_id": manager.user.pk})
    assert not RankingRun.objects.exists()
    assert len(callbacks) == 1  # the broker send, only after commit

    run = matching_services.order_published(order_id=order.pk, actor_id=manager.user.pk, outbox_id=message.pk)

    assert (run.status, run.trigger, run.requested_by) == ("queued", "publish", manager.user)
    assert OutboxMessage.objects.get(topic="matching.rank").payload == {"run_id": run.pk}
    message.refresh_from_db()
    assert message.acknowledged_at is not None


def test_a_refused_publish_queues_no_ranking(manager):
    order = _publishable_order(manager.brand)
    order.target_label_links.all().delete()

    with pytest.raises(ValidationError):
        order_publish(order_id=order.pk, actor=manager.user)

    assert not RankingRun.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_publish_twice_is_refused_without_a_second_event(manager):
    order = _publishable_order(manager.brand)
    order_publish(order_id=order.pk, actor=manager.user)

    with pytest.raises(InvalidTransition):
        order_publish(order_id=order.pk, actor=manager.user)

    assert OrderEvent.objects.filter(order=order).count() == 1
    assert AuditLog.objects.filter(action="order.published").count() == 1


def test_a_closed_order_cannot_be_published(manager):
    order = _publishable_order(manager.brand)
    order_close(order_id=order.pk, actor=manager.user)

    with pytest.raises(InvalidTransition):
        order_transition(order_id=order.pk, to=Order.Status.PUBLISHED, actor=manager.user)

    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED
    assert order.closed_at is not None
    assert list(OrderEvent.objects.filter(order=order).values_list("new_status", flat=True)) == ["closed"]


def test_a_published_order_can_be_closed_from_the_detail_page(manager_client, manager):
    order = _publishable_order(manager.brand)
    order_publish(order_id=order.pk, actor=manager.user)

    response = manager_client.post(reverse("orders:close", args=[order.pk]))

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.status == Order.Status.CLOSED
    assert AuditLog.objects.filter(action="order.closed", object_id=str(order.pk)).exists()


def test_publish_from_the_page_refuses_an_incomplete_brief_and_says_why(manager_client, manager):
    order = OrderFactory(brand=manager.brand, script_by=timezone.now() - timedelta(hours=1))

    response = manager_client.post(reverse("orders:publish", args=[order.pk]), follow=True)

    body = response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert "Choose at least one target label." in body
    assert "This deadline has passed." in body
    assert not OrderEvent.objects.exists()


def test_publish_from_the_page_moves_a_complete_draft(manager_client, manager):
    order = _publishable_order(manager.brand)

    response = manager_client.post(reverse("orders:publish", args=[order.pk]), follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert "The order is published." in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"publish_until": None}, "publish_until"),
        ({"mode": "recruitment", "apply_by": None}, "apply_by"),
        ({"publish_from": date.today() + timedelta(days=5)}, "script_by"),
    ],
)
def test_publish_validates_deadlines(manager, overrides, field):
    from django.core.exceptions import ValidationError

    order = _publishable_order(manager.brand, **overrides)

    with pytest.raises(ValidationError) as exc:
        order_publish(order_id=order.pk, actor=manager.user)

    assert field in exc.value.message_dict
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


# ------------------------------------------------------------------ pickers


def test_label_search_returns_matching_paths_and_pick_returns_a_weight_row(manager_client, labels):
    LabelFactory(path="Sports > Hiking")

    results = manager_client.get(reverse("orders:label_search"), {"q": "skin care"})
    row = manager_client.get(reverse("orders:label_pick", args=[labels[0].pk]))

    assert results.context["labels"] == [labels[0]]
    assert reverse("orders:label_pick", args=[labels[0].pk]) in results.content.decode()
    assert f'name="target_label" value="{labels[0].pk}"' in row.content.decode()
    assert 'name="target_label_weight" value="1.00"' in row.content.decode()


def test_category_search_finds_categories_by_any_word_of_the_path(manager_client):
    serum = ProductCategoryFactory(path="Beauty > Skin Care > Serums")
    ProductCategoryFactory(path="Automotive > Tyres")

    results = manager_client.get(reverse("orders:category_search"), {"q": "serum beauty"})
    choice = manager_client.get(reverse("orders:category_pick", args=[serum.pk]))

    assert results.context["categories"] == [serum]
    assert f'name="product_category" value="{serum.pk}"' in choice.content.decode()


# -------------------------------------------------------- list and queries


def test_the_list_is_paginated_and_filtered_by_status(manager_client, manager):
    OrderFactory.create_batch(25, brand=manager.brand)
    closed = OrderFactory(brand=manager.brand)
    order_close(order_id=closed.pk, actor=manager.user)

    first = manager_client.get(reverse("orders:list"))
    second = manager_client.get(reverse("orders:list"), {"page": 2})
    only_closed = manager_client.get(reverse("orders:list"), {"status": "closed"})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 6
    assert list(only_closed.context["page"].object_list) == [closed]


@pytest.mark.parametrize("n", [3, 30])
def test_the_list_renders_in_bounded_queries(manager_client, manager, django_assert_max_num_queries, n):
    OrderFactory.create_batch(n, brand=manager.brand)

    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = manager_client.get(reverse("orders:list"))

    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_the_detail_renders_in_bounded_queries(manager_client, manager, django_assert_max_num_queries, n):
    order = OrderFactory(brand=manager.brand)
    for _ in range(n):
        OrderTargetLabel.objects.create(order=order, label=LabelFactory(), weight=0.5)
        OrderEvent.objects.create(order=order, old_status="draft", new_status="published", actor=manager.user)

    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = manager_client.get(reverse("orders:detail", args=[order.pk]))

    assert response.status_code == 200
    assert len(response.context["events"]) == n
