import itertools

import pytest
from django.db import connection

from brands.models import BrandBlock
from marketplace.core.models import Label, OutboxMessage
from matching import engine, scoring, services
from matching.models import RankingRun
from orders.models import Order, OrderTargetLabel
from tests.factories import CollaborationFactory, CreatorFactory, OrderFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(taxonomy):
    ids = make_creators(300)
    label = Label.objects.get(pk=_a_label_of(ids[0]))
    order = OrderFactory(price_per_creator=10**9, format="short_21_60", status="published")
    OrderTargetLabel.objects.create(order=order, label=label, weight=1.0)
    return order, ids, label


def _a_label_of(creator_id):
    with connection.cursor() as cur:
        cur.execute("SELECT label_id FROM creators_creatorlabel WHERE creator_id = %s LIMIT 1", [creator_id])
        return cur.fetchone()[0]


def test_request_writes_the_run_and_its_outbox_message_together(world):
    order, _, _ = world

    run = services.ranking_request(order=order, trigger="publish")

    assert run.status == RankingRun.Status.QUEUED
    message = OutboxMessage.objects.get()
    assert message.topic == "matching.rank"
    assert message.payload == {"run_id": run.pk}


def test_the_order_published_message_queues_one_ranking_however_often_it_arrives(world):
    order, _, _ = world
    OutboxMessage.objects.all().delete()
    message = OutboxMessage.objects.create(topic="order.published", payload={"order_id": order.pk, "actor_id": None})

    first = services.order_published(order_id=order.pk, actor_id=None, outbox_id=message.pk)
    again = services.order_published(order_id=order.pk, actor_id=None, outbox_id=message.pk)

    assert first.trigger == "publish" and again is None
    assert RankingRun.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(topic="matching.rank").count() == 1


def test_an_order_closed_before_its_published_message_is_consumed_is_not_ranked(world):
    order, _, _ = world
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CLOSED)
    message = OutboxMessage.objects.create(topic="order.published", payload={"order_id": order.pk, "actor_id": None})

    assert services.order_published(order_id=order.pk, actor_id=None, outbox_id=message.pk) is None

    assert not RankingRun.objects.filter(order=order).exists()
    message.refresh_from_db()
    assert message.acknowledged_at is not None


def test_execute_stores_an_explained_ranking(world):
    order, _ids, label = world
    run = services.ranking_request(order=order)

    services.ranking_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RankingRun.Status.DONE
    results = list(run.results.order_by("rank"))
    assert len(results) == services.TOP_K
    assert [r.rank for r in results] == list(range(1, services.TOP_K + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(results))
    for r in results:
        for value in (r.content, r.audience, r.performance, r.value, r.reliability, r.exploration):
            assert 0 <= value <= 1
    top = results[0]
    assert top.reasons[0] == {
        "code": "labels",
        "label_ids": [label.pk],
        "points": pytest.approx(top.content * scoring.WEIGHTS[order.goal]["content"] * 100, abs=0.06),
    }
    assert run.model_version == services.HAND_VERSION
    assert run.snapshot_version


def test_a_second_delivery_of_the_same_run_does_nothing(world):
    order, _, _ = world
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)

    again = services.ranking_execute(run_id=run.pk)

    assert again is None
    assert run.results.count() == services.TOP_K


def test_blocked_busy_and_already_offered_creators_are_left_out(world):
    order, _ids, _ = world
    first = services.ranking_request(order=order)
    services.ranking_execute(run_id=first.pk)
    top3 = list(first.results.order_by("rank").values_list("creator_id", flat=True)[:3])
    BrandBlock.objects.create(brand=order.brand, creator_id=top3[0])
    CollaborationFactory(order=order, creator_id=top3[1])
    busy = CreatorFactory(max_concurrent=1)
    CollaborationFactory(creator=busy, status="accepted")
    CollaborationFactory(creator_id=top3[2], status="accepted")

    second = services.ranking_request(order=order)
    services.ranking_execute(run_id=second.pk)

    ranked = set(second.results.values_list("creator_id", flat=True))
    assert top3[0] not in ranked  # blocked
    assert top3[1] not in ranked  # already on the order
    assert busy.pk not in ranked
    assert top3[2] in ranked  # one accepted collaboration leaves room under its maximum


def test_an_edited_creator_is_patched_into_the_workers_snapshot(world):
    order, _ids, _ = world
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)
    last = run.results.order_by("-rank").first().creator

    last.median_views_30d = 10**9
    last.followers = 10**9
    last.save()
    again = services.ranking_request(order=order)
    services.ranking_execute(run_id=again.pk)

    again.refresh_from_db()
    assert again.results.get(creator=last).rank < services.TOP_K
    assert "+" in again.snapshot_version


def test_run_failure_is_recorded_with_the_error(world, monkeypatch):
    order, _, _ = world
    run = services.ranking_request(order=order)

    def boom(*args, **kwargs):
        raise RuntimeError("snapshot unreadable")

    monkeypatch.setattr(engine, "current", boom)
    with pytest.raises(RuntimeError):
        services.ranking_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RankingRun.Status.FAILED
    assert "snapshot unreadable" in run.error


def test_sharded_runs_store_the_same_list_as_one_worker(world):
    order, _, _ = world
    single = services.ranking_request(order=order)
    services.ranking_execute(run_id=single.pk)
    sharded = services.ranking_request(order=order)
    assert services.ranking_claim(run_id=sharded.pk)

    parts = [services.ranking_compute_shard(run_id=sharded.pk, shard=s, shards=3) for s in range(3)]
    services.ranking_finish(run_id=sharded.pk, parts=parts)

    expected = list(single.results.order_by("rank").values_list("creator_id", "score"))
    actual = list(sharded.results.order_by("rank").values_list("creator_id", "score"))
    assert actual == expected
    single.refresh_from_db()
    sharded.refresh_from_db()
    assert sharded.eligible_count == single.eligible_count > 0
