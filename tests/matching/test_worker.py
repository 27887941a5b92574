"""A real Celery worker and a real Redis: a ranking requested while the broker is down still runs."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.core.management import call_command
from django.db import connection, transaction

from marketplace.core import outbox
from marketplace.core.models import Label, OutboxMessage
from matching import engine, services
from matching.models import RankingRun
from orders.models import OrderTargetLabel
from tests.factories import OrderFactory
from tests.matching.conftest import make_creators
from tests.redis_server import PrivateRedis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(tmp_path, monkeypatch):
    from marketplace.celery import app as real_app

    redis = PrivateRedis(tmp_path)
    # Not the current app: shared tasks elsewhere (payouts) must keep using the real one.
    app = Celery("starmap-test", broker=redis.url, set_as_current=False)
    app.conf.broker_connection_retry = False
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 2}
    app.conf.task_default_queue = "starmap"
    app.conf.task_routes = ("matching.tasks.route_task",)  # a shard's task to its queue, as the project routes it
    monkeypatch.setattr("marketplace.core.outbox.broker", lambda: app)
    yield redis
    redis.stop()
    real_app.set_current()
    from celery import current_app

    assert current_app.main == real_app.main  # later tests send tasks through the real broker


def start_worker(
    broker, tmp_path, name: str, *, loglevel: str = "WARNING", queues: str | None = None, **extra_env
) -> subprocess.Popen:
    """A real Celery worker process on this test's database and private Redis (``extra_env``: its settings;
    ``queues``: what it consumes, as ``-Q`` says it; by default what the settings give)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": broker.url,
        "CELERY_QUEUE": "starmap",
        "MATCHING_SNAPSHOT_DIR": str(tmp_path / "worker-snapshots"),
        "VAR_DIR": str(tmp_path / "var"),
        **extra_env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            loglevel,
            "-n",
            f"test-{name}-{os.getpid()}@%h",
            *(["-Q", queues] if queues else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / f"{name}.log").open("w"),  # log lines go to stdout (marketplace.core.logs)
        stderr=subprocess.STDOUT,
    )


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def worker(broker, tmp_path, settings):
    proc = start_worker(broker, tmp_path, "worker")
    yield proc
    stop_worker(proc)


def wait_for(predicate, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_ranking_requested_while_the_broker_is_down_runs_once_it_is_back(broker, worker, tmp_path):
    call_command("load_taxonomy", verbosity=0)
    ids = make_creators(200)
    order = OrderFactory(price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    assert ids

    with transaction.atomic():
        run = services.ranking_request(order=order, trigger="publish")
    message = OutboxMessage.objects.get()

    assert message.dispatched_at is None and message.attempts == 1 and message.last_error
    time.sleep(1)
    assert RankingRun.objects.get(pk=run.pk).status == RankingRun.Status.QUEUED

    broker.start()
    assert outbox.outbox_relay() == 1

    done = wait_for(lambda: RankingRun.objects.get(pk=run.pk).status in ("done", "failed"))
    log = (tmp_path / "worker.log").read_text()
    run.refresh_from_db()
    assert done, f"run still {run.status}; worker log:\n{log[-3000:]}"
    assert run.status == RankingRun.Status.DONE, run.error
    assert run.results.count() == min(services.TOP_K, len(ids))
    message.refresh_from_db()
    assert message.acknowledged_at is not None


def test_a_message_delivered_twice_ranks_once(broker, worker):
    call_command("load_taxonomy", verbosity=0)
    make_creators(50)
    order = OrderFactory(price_per_creator=10**9, status="published")
    broker.start()

    with transaction.atomic():
        run = services.ranking_request(order=order)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=None, acknowledged_at=None)
    outbox._send(message.pk)  # a second delivery of the same message

    assert wait_for(lambda: RankingRun.objects.get(pk=run.pk).status == "done")
    time.sleep(2)
    assert run.results.count() == 50
    assert RankingRun.objects.get(pk=run.pk).results.values("rank").distinct().count() == 50


def test_a_published_order_is_ranked_by_the_worker_from_the_deal_s_message(broker, worker):
    """orders does not import matching: the publish writes order.published, and the worker's matcher ranks."""
    from orders.services.orders import order_publish
    from tests.factories import MembershipFactory

    call_command("load_taxonomy", verbosity=0)
    make_creators(50)
    owner = MembershipFactory(role="owner")
    order = OrderFactory(brand=owner.brand, price_per_creator=10**9)
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    broker.start()

    order_publish(order_id=order.pk, actor=owner.user)

    assert wait_for(lambda: RankingRun.objects.filter(order=order, status="done").exists())
    run = RankingRun.objects.get(order=order)
    assert (run.trigger, run.requested_by, run.results.count()) == ("publish", owner.user, 50)
    assert not OutboxMessage.objects.filter(acknowledged_at__isnull=True).exists()


def test_a_run_over_two_shard_workers_stores_the_unsharded_list(broker, tmp_path, settings):
    """Two workers started with MATCHING_SHARD=0 and 1 (each consuming only its shard's queue) and one
    general worker: the run fans out, each shard worker loads only its creators, and the merged list is
    the one an unsharded ranking stores."""
    call_command("load_taxonomy", verbosity=0)
    ids = make_creators(240)
    order = OrderFactory(price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "worker-snapshots"
    settings.MATCHING_SHARDS = 2
    engine.reset()
    engine.rebuild()  # saved with each shard's part
    single = services.ranking_request(order=order)
    OutboxMessage.objects.all().delete()
    services.ranking_execute(run_id=single.pk)
    expected = list(single.results.order_by("rank").values_list("creator_id", "score", "reasons"))
    broker.start()
    # The general worker takes the default queue only (without -Q it would take every shard's queue too).
    workers = [start_worker(broker, tmp_path, "general", queues="starmap", MATCHING_SHARDS="2")] + [
        start_worker(broker, tmp_path, f"shard{k}", loglevel="INFO", MATCHING_SHARDS="2", MATCHING_SHARD=str(k))
        for k in range(2)
    ]
    try:
        with transaction.atomic():
            run = services.ranking_request(order=order, trigger="publish")
        assert run.shards == 2

        done = wait_for(lambda: RankingRun.objects.get(pk=run.pk).status in ("done", "failed"))
        logs = {k: (tmp_path / f"{k}.log").read_text() for k in ("general", "shard0", "shard1")}
        run.refresh_from_db()
        assert done, f"run still {run.status}; logs:\n" + "\n".join(f"{k}: {v[-2000:]}" for k, v in logs.items())
    finally:
        for proc in workers:
            stop_worker(proc)
    assert run.status == RankingRun.Status.DONE, run.error
    assert list(run.results.order_by("rank").values_list("creator_id", "score", "reasons")) == expected
    for k in range(2):
        mine = sum(1 for i in ids if i % 2 == k)
        assert f"shard {k}/2 of snapshot" in logs[f"shard{k}"] and f"loaded: {mine} creators" in logs[f"shard{k}"]
        assert f"loaded: {len(ids)} creators" not in logs[f"shard{k}"]
    assert not OutboxMessage.objects.filter(acknowledged_at__isnull=True).exists()
