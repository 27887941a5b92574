"""Ranking shards (docs/scaling.md): each shard worker holds only its creators, and the merged ranking is the
unsharded one — same creators, same order, same scores, same reasons — whatever order the shards end in."""

from dataclasses import fields

import joblib
import numpy as np
import pytest
from django.utils import timezone

from creators.bulk import CreatorRecord, write_creators
from creators.models import Creator
from marketplace.core import outbox
from marketplace.core.audience import AGE_BUCKETS
from marketplace.core.models import Label, OutboxMessage
from matching import engine, services, snapshot, tasks
from matching.models import MatcherModel, RankingRun, RankingShard
from matching.scoring import COMPONENTS, FORMATS
from orders.models import OrderTargetLabel
from tests.factories import OrderFactory
from tests.matching.test_features import small_model

pytestmark = pytest.mark.django_db

RESULT_FIELDS = ("rank", "creator_id", "score", "hand_score", "price", "expected_views", "reasons", *COMPONENTS)


def make_twins(profiles: int = 60, copies: int = 5, seed: int = 11) -> list[int]:
    """``profiles`` distinct creators, each written ``copies`` times in a row (consecutive ids, so every copy
    lives in another shard): many exact ties in score, broken by creator id across shards."""
    rng = np.random.default_rng(seed)
    labels = list(Label.objects.filter(tier__gte=2).order_by("id").values_list("id", flat=True)[:12])
    records = []
    for p in range(profiles):
        followers = int(np.exp(rng.normal(11, 1.2)))
        age = rng.dirichlet(np.ones(5))
        chosen = rng.choice(labels, size=3, replace=False)
        weights = [float(rng.uniform(0.4, 1)) for _ in chosen]
        rates = [(f, int(followers * rng.uniform(0.5, 2)) + 10_000) for f in FORMATS[:3]]
        region = float(rng.uniform(0.2, 0.9))
        for c in range(copies):
            records.append(
                CreatorRecord(
                    handle=f"twin{p}-{c}",
                    display_name=f"Twin {p}.{c}",
                    bio="A creator with twins",
                    verification="verified",
                    followers=followers,
                    median_views_30d=int(followers * 0.3),
                    engagement_rate=0.05,
                    completion_rate=0.4,
                    hit_video_share=0.1,
                    audience_age={b: float(a) for b, a in zip(AGE_BUCKETS, age, strict=True)},
                    audience_gender={"female": 0.5, "male": 0.5},
                    audience_region={"CN": region, "US": round(1 - region, 6)},
                    labels=[(int(label), w) for label, w in zip(chosen, weights, strict=True)],
                    rates=rates,
                )
            )
    return write_creators(records)


@pytest.fixture
def world(taxonomy):
    ids = make_twins()
    order = OrderFactory(price_per_creator=10**9, format=FORMATS[0], status="published", target_regions=["CN"])
    for label in Label.objects.filter(tier__gte=2).order_by("id")[:2]:
        OrderTargetLabel.objects.create(order=order, label=label, weight=1.0)
    return order, ids


@pytest.fixture
def sent(monkeypatch):
    """The tasks the outbox hands to the broker, with the queue the project's router gives each."""
    from marketplace.celery import app

    out = []

    class Recorder:
        def send_task(self, name, kwargs=None, **options):
            route = app.amqp.router.route({}, name, (), kwargs)
            out.append((name, kwargs, route["queue"].name))

    monkeypatch.setattr(outbox, "broker", lambda: Recorder())
    return out


def rank_with(order, shards: int, settings, sent, *, finish_order=None) -> RankingRun:
    """Request a ranking with MATCHING_SHARDS=shards and play the worker(s): the run task, then each shard's
    message (in ``finish_order``), as a worker would take them from the queues."""
    settings.MATCHING_SHARDS = shards
    run = services.ranking_request(order=order)
    message = OutboxMessage.objects.get(topic="matching.rank", payload={"run_id": run.pk})
    tasks.ranking_run_task(run.pk, outbox_id=message.pk)
    if shards > 1:
        messages = {
            m.payload["shard"]: m
            for m in OutboxMessage.objects.filter(topic="matching.rank_shard", payload__run_id=run.pk)
        }
        assert sorted(messages) == list(range(shards))
        for shard in finish_order or range(shards):
            m = messages[shard]
            tasks.ranking_shard_task(**m.payload, outbox_id=m.pk)
    run.refresh_from_db()
    return run


def results(run: RankingRun) -> list[tuple]:
    return list(run.results.order_by("rank").values_list(*RESULT_FIELDS))


def test_a_creator_s_shard_is_its_id_modulo_the_shard_count():
    ids = np.array([1, 2, 3, 4, 5, 8, 1_000_001], dtype=np.int64)
    assert snapshot.shard_of(ids, 1).tolist() == [0] * 7
    assert snapshot.shard_of(ids, 2).tolist() == [1, 0, 1, 0, 1, 0, 1]
    assert snapshot.shard_of(ids, 4).tolist() == [1, 2, 3, 0, 1, 0, 1]
    with pytest.raises(ValueError):
        snapshot.shard_of(ids, 0)


def test_every_snapshot_field_is_split_or_shared_by_the_shards():
    """A field added to the Snapshot must be named in matching.snapshot.shards, or the shard split refuses."""
    from matching.snapshot import shards

    assert shards.unclassified() == set()
    assert shards.classified() == {f.name for f in fields(snapshot.Snapshot)}


@pytest.mark.parametrize("shards", [2, 4])
def test_sharded_ranking_equals_the_unsharded_one_with_ties(world, settings, sent, shards):
    order, ids = world
    one = rank_with(order, 1, settings, sent)
    assert one.status == RankingRun.Status.DONE, one.error
    expected = results(one)
    # The world has ties, and they cross the shards: equal hand scores among different creators.
    scores = [r[3] for r in expected]
    assert len(scores) - len(set(scores)) >= 50

    many = rank_with(order, shards, settings, sent)

    assert many.status == RankingRun.Status.DONE, many.error
    assert (many.shards, many.eligible_count, many.considered_count) == (shards, one.eligible_count, len(ids))
    assert results(many) == expected
    assert {c % shards for c in (r[1] for r in expected)} == set(range(shards))
    assert not RankingShard.objects.exists()  # the parts are deleted once merged


def test_sharded_ranking_equals_the_unsharded_one_when_the_learned_model_ranks(world, settings, sent, tmp_path):
    order, _ = world
    model, _ = small_model()
    joblib.dump(model, tmp_path / "model.joblib")
    MatcherModel.objects.create(
        version="gbr-test", path=str(tmp_path / "model.joblib"), trained_on=400, beats_hand=True, is_active=True
    )
    services._models.clear()
    one = rank_with(order, 1, settings, sent)
    expected = results(one)
    assert one.model_version == "gbr-test"
    assert any(r[6] and r[6][0]["code"] == "model_moved" for r in expected)

    many = rank_with(order, 3, settings, sent, finish_order=[2, 0, 1])

    assert many.model_version == "gbr-test"
    assert results(many) == expected


def test_the_run_is_finished_by_the_last_shard_in_any_order(world, settings, sent):
    order, _ = world
    expected = results(rank_with(order, 1, settings, sent))
    for finish_order in ([3, 2, 1, 0], [1, 3, 0, 2]):
        settings.MATCHING_SHARDS = 4
        run = services.ranking_request(order=order)
        tasks.ranking_run_task(run.pk, outbox_id=OutboxMessage.objects.get(payload={"run_id": run.pk}).pk)
        messages = {
            m.payload["shard"]: m
            for m in OutboxMessage.objects.filter(topic="matching.rank_shard", payload__run_id=run.pk)
        }
        for done, shard in enumerate(finish_order, start=1):
            run.refresh_from_db()
            assert run.status == RankingRun.Status.RUNNING and run.results.count() == 0
            tasks.ranking_shard_task(**messages[shard].payload, outbox_id=messages[shard].pk)
            assert RankingShard.objects.filter(run=run).count() == (done if done < 4 else 0)
        run.refresh_from_db()
        assert run.status == RankingRun.Status.DONE
        assert results(run) == expected


def test_each_shard_s_task_goes_to_its_own_queue(world, settings, sent, django_capture_on_commit_callbacks):
    order, _ = world
    settings.MATCHING_SHARDS = 3
    with django_capture_on_commit_callbacks(execute=True):
        run = services.ranking_request(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.ranking_run_task(run.pk)

    shard_tasks = [(kwargs["shard"], queue) for name, kwargs, queue in sent if name == tasks.SHARD_TASK]
    assert shard_tasks == [(0, "ranking.shard.0"), (1, "ranking.shard.1"), (2, "ranking.shard.2")]
    run_tasks = [queue for name, _, queue in sent if name == "matching.tasks.ranking_run_task"]
    assert run_tasks == [settings.CELERY_TASK_DEFAULT_QUEUE]


def test_a_lost_shard_is_sent_again_by_the_relay_and_a_repeated_one_counts_once(world, settings, sent):
    """Shard 1's worker dies mid-task (its message is never acknowledged): the relay sends it again, and the
    run finishes; a shard delivered twice stores one part and does not finish the run early."""
    order, _ = world
    expected = results(rank_with(order, 1, settings, sent))
    settings.MATCHING_SHARDS = 3
    run = services.ranking_request(order=order)
    tasks.ranking_run_task(run.pk, outbox_id=OutboxMessage.objects.get(payload={"run_id": run.pk}).pk)
    messages = {m.payload["shard"]: m for m in OutboxMessage.objects.filter(topic="matching.rank_shard")}
    tasks.ranking_shard_task(**messages[0].payload, outbox_id=messages[0].pk)
    tasks.ranking_shard_task(**messages[0].payload, outbox_id=messages[0].pk)  # delivered twice
    tasks.ranking_shard_task(**messages[2].payload, outbox_id=messages[2].pk)
    # Shard 1 was lost: its message stays unacknowledged and the run waits.
    run.refresh_from_db()
    assert run.status == RankingRun.Status.RUNNING
    assert sorted(RankingShard.objects.filter(run=run).values_list("shard", flat=True)) == [0, 2]

    sent.clear()
    OutboxMessage.objects.filter(acknowledged_at__isnull=True).update(
        dispatched_at=timezone.now() - outbox.RESEND_AFTER * 2
    )
    assert outbox.outbox_relay() == 1
    [(name, kwargs, queue)] = sent
    assert (name, kwargs["shard"], queue) == (tasks.SHARD_TASK, 1, "ranking.shard.1")
    tasks.ranking_shard_task(**kwargs)

    run.refresh_from_db()
    assert run.status == RankingRun.Status.DONE
    assert results(run) == expected
    assert not OutboxMessage.objects.filter(acknowledged_at__isnull=True).exists()


def test_a_failing_shard_fails_the_run_and_the_others_stop(world, settings, sent, monkeypatch):
    order, _ = world
    settings.MATCHING_SHARDS = 2
    run = services.ranking_request(order=order)
    tasks.ranking_run_task(run.pk, outbox_id=OutboxMessage.objects.get(payload={"run_id": run.pk}).pk)
    messages = {m.payload["shard"]: m for m in OutboxMessage.objects.filter(topic="matching.rank_shard")}
    real = engine.shard

    def broken(number, shards, **kw):
        if number == 0:
            raise OSError("shard 0 unreadable")
        return real(number, shards, **kw)

    monkeypatch.setattr(engine, "shard", broken)
    tasks.ranking_shard_task(**messages[1].payload, outbox_id=messages[1].pk)
    assert RankingShard.objects.filter(run=run).count() == 1
    with pytest.raises(OSError):
        tasks.ranking_shard_task(**messages[0].payload, outbox_id=messages[0].pk)
    tasks.ranking_shard_task(**messages[1].payload, outbox_id=messages[1].pk)  # a late repeat: nothing to do

    run.refresh_from_db()
    assert (run.status, run.error) == (RankingRun.Status.FAILED, "shard 0: OSError: shard 0 unreadable")
    assert not RankingShard.objects.exists() and run.results.count() == 0  # shard 1's part went with the run
    assert not OutboxMessage.objects.filter(acknowledged_at__isnull=True).exists()  # nothing left to re-send


def test_a_shard_worker_loads_and_refreshes_only_its_own_creators(world, settings):
    _, ids = world
    settings.MATCHING_SHARDS = 2
    settings.MATCHING_SHARD = 1  # a worker started for shard 1
    engine.rebuild()
    engine.reset()

    snap = engine.shard(1, 2)

    mine = sorted(i for i in ids if i % 2 == 1)
    assert snap.creator_ids.tolist() == mine
    assert snap.labels_csc.shape[0] == snap.regions_csr.shape[0] == snap.metrics.shape[1] == len(mine)
    assert set(engine._cache) == {"shard 1/2"}  # the whole snapshot was never loaded here
    version = snapshot.current_version(settings.MATCHING_SNAPSHOT_DIR)
    assert (settings.MATCHING_SNAPSHOT_DIR / version / "shards" / "1-of-2" / "creator_ids.npy").exists()

    # Creators edited since: the shard patches in its own only.
    theirs, own = ids[0] if ids[0] % 2 == 0 else ids[1], ids[0] if ids[0] % 2 == 1 else ids[1]
    Creator.objects.filter(pk__in=[theirs, own]).update(followers=7_777_777, updated_at=timezone.now())
    refreshed = engine.shard(1, 2)
    assert refreshed.creator_ids.tolist() == mine
    assert refreshed.followers[refreshed.rows_of([own])[0]] == 7_777_777


def test_a_shard_cut_from_the_whole_snapshot_equals_the_one_saved_for_it(world, settings):
    """A snapshot saved for another shard count is cut in memory: the same arrays as the saved shard."""
    settings.MATCHING_SHARDS = 3
    whole = engine.rebuild()
    root = settings.MATCHING_SNAPSHOT_DIR
    for k in range(3):
        saved = snapshot.load_shard(root, k, 3)
        cut = snapshot.take(whole, snapshot.shard_rows(whole, k, 3))
        for f in fields(snapshot.Snapshot):
            a, b = getattr(saved, f.name), getattr(cut, f.name)
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=f.name)
            elif hasattr(a, "toarray"):
                assert (a != b).nnz == 0, f.name
    assert sum(snapshot.load_shard(root, k, 3).n for k in range(3)) == whole.n
