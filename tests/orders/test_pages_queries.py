"""Every deal page renders in a number of queries that does not grow with its rows (3 vs 15)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.core.models import Notification
from orders.models import Collaboration, Order
from orders.services import deals, deliverables
from payouts import services as money
from tests.factories import OrderFactory
from tests.orders.conftest import TOPUP, deal_in, key, make_creator

S = Collaboration.Status
SIZES = [3, 15]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def direct_order(world) -> Order:
    """A published direct order (direct orders are never among a creator's recommendations)."""
    return OrderFactory(
        brand=world["brand"], status=Order.Status.PUBLISHED, mode=Order.Mode.DIRECT, price_per_creator=500_000
    )


def test_the_inbox_renders_in_the_same_queries_for_3_and_15_deals(world, client):
    creator = make_creator(max_concurrent=100)
    money.topup(brand_id=world["brand"].pk, amount=TOPUP, idempotency_key=key(), actor=world["owner"])
    client.force_login(creator.user)
    client.get(reverse("deals:inbox"))  # warm the process caches (matcher snapshot, content types)

    counts = {}
    for n in SIZES:
        while Collaboration.objects.filter(creator=creator, status=S.OFFERED).count() < n:
            deals.offer_send(
                order_id=direct_order(world).pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key()
            )
            deal_in({**world, "order": direct_order(world)}, S.ACCEPTED, creator=creator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("deals:inbox"))
        counts[n] = len(queries)
        assert response.context["offers"].paginator.count == n
        assert response.context["collaborations"].paginator.count == n

    # About half are the recommended orders' (matching scores the one open recruitment order).
    assert counts[SIZES[0]] == counts[SIZES[-1]] <= 30, counts


@pytest.mark.parametrize("n", SIZES)
def test_the_order_board_renders_in_bounded_queries(world, client, django_assert_max_num_queries, n):
    order = world["order"]
    order.creators_wanted = 100
    order.save(update_fields=["creators_wanted"])
    for _ in range(n):
        deal_in(world, S.APPLIED)
        deal_in(world, S.ACCEPTED)
    client.force_login(world["owner"])

    with django_assert_max_num_queries(17):
        response = client.get(reverse("orders:detail", args=[order.pk]))

    assert len(response.context["applicants"]) == n
    assert sum(column["total"] for column in response.context["board"]) == 2 * n


@pytest.mark.parametrize("n", SIZES)
def test_the_collaboration_page_renders_in_bounded_queries(world, client, django_assert_max_num_queries, n):
    c = deal_in(world, S.PUBLISHED)
    for i in range(n):
        deals.collaboration_comment(collaboration_id=c.pk, actor=world["owner"], text=f"Message {i}")
    evidence = [
        SimpleUploadedFile(f"{i}.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, content_type="image/png") for i in range(n)
    ]
    deliverables.dispute_open(collaboration_id=c.pk, actor=world["owner"], reason="Gone.", evidence=evidence)
    client.force_login(world["owner"])

    with django_assert_max_num_queries(16):
        response = client.get(reverse("deals:collaboration", args=[c.pk]))

    assert response.status_code == 200
    assert len(response.context["disputes"][0].evidence.all()) == n


@pytest.mark.parametrize("n", SIZES)
def test_the_dispute_queue_and_page_render_in_bounded_queries(world, client, django_assert_max_num_queries, n):
    order = world["order"]
    order.creators_wanted = 100
    order.save(update_fields=["creators_wanted"])
    disputed = [deal_in(world, S.DISPUTED) for _ in range(n)]
    for i in range(n):
        deals.collaboration_comment(collaboration_id=disputed[0].pk, actor=world["admin"], text=f"Question {i}")
    client.force_login(world["admin"])

    with django_assert_max_num_queries(7):
        queue = client.get(reverse("deals:disputes"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("deals:dispute", args=[disputed[0].disputes.get().pk]))

    assert len(queue.context["page"].object_list) == n
    assert page.status_code == 200


@pytest.mark.parametrize("n", SIZES)
def test_the_notification_list_renders_in_bounded_queries(world, client, django_assert_max_num_queries, n):
    Notification.objects.bulk_create(
        Notification(user=world["owner"], kind="comment", text=f"Note {i}", url="/") for i in range(n)
    )
    client.force_login(world["owner"])

    with django_assert_max_num_queries(8):
        response = client.get(reverse("deals:notifications"))

    assert len(response.context["page"].object_list) == n
