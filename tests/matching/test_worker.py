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
from matching import services
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
    monkeypatch.setattr("marketplace.core.outbox.broker", lambda: app)
    yield redis
    redis.stop()
    real_app.set_current()
    from celery import current_app

    assert current_app.main == real_app.main  # later tests send tasks through the real broker


@pytest.fixture
def worker(broker, tmp_path, settings):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": broker.url,
        "MATCHING_SNAPSHOT_DIR": str(tmp_path / "worker-snapshots"),
        "VAR_DIR": str(tmp_path / "var"),
    }
    proc = subprocess.Popen(
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
            "WARNING",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


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
