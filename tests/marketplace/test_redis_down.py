"""Redis is unreachable: pages and money keep working, the doors to an account fail closed, the rest fail open.

Each test points the caches (and, where it queues work, the Celery broker) at a Redis of its own: a closed
port, or a real server it stops and starts again mid-test (tests/redis_server.py). The shared Redis of the
test run is never touched. docs/operations.md ("When Redis is down") and docs/security.md say what is
expected here and why.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery import Celery
from celery import _state as celery_state
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from marketplace.core import outbox
from marketplace.core.models import OutboxMessage
from marketplace.core.throttles import RETRY_WHILE_DOWN, AttemptThrottle, FailOpen
from orders.models import Collaboration
from payouts.models import Payout
from payouts.providers import sandbox as sandbox_provider
from tests.api.clients import api_for
from tests.api.test_deals import make_world
from tests.factories import MembershipFactory, UserFactory
from tests.marketplace.test_rate_limits import DOORS, _set_rate, _text, _world
from tests.orders.conftest import deal_in, key
from tests.redis_server import PrivateRedis, free_port

S = Collaboration.Status
TRY_AGAIN = "We cannot check this request against its limits right now, so nothing was done. Try again shortly."
PASSWORD = "pw-for-tests-only"


def point_caches_at(settings, url: str) -> None:
    """Every cache alias (the default one and the limits') at ``url``, with the rest of its settings kept."""
    settings.CACHES = {alias: {**conf, "LOCATION": url} for alias, conf in settings.CACHES.items()}


@pytest.fixture
def unreachable(settings):
    """Redis is down for the whole test: every cache alias points at a port nothing listens on."""
    point_caches_at(settings, f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def redis(tmp_path, settings):
    """A real Redis of this test's own behind every cache alias, to stop and start mid-test."""
    server = PrivateRedis(tmp_path)
    server.start()
    point_caches_at(settings, server.url)
    yield server
    server.stop()


@pytest.fixture
def broker(redis):
    """The project's Celery configuration with the private Redis as broker, made the current app, so what the
    web code queues (the outbox's sends, the payout's direct enqueue) goes to the server the test stops."""
    from marketplace.celery import app as real_app

    app = Celery("starmap-redis-down")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = app.conf.result_backend = redis.url
    app.conf.broker_connection_retry = False
    app.conf.task_default_queue = "starmap-redis-down"
    app.autodiscover_tasks(force=True)  # every app's tasks, as the worker of `make run` has them
    default = celery_state.default_app  # celery.contrib.testing's start_worker makes its app every thread's default
    app.set_current()
    app.finalize()
    yield app
    real_app.set_current()
    # Left as the default, later tests' threads (tests/matching/test_rerun.py's race) sent to this stopped Redis.
    celery_state.set_default_app(default)


def assert_try_again(response) -> None:
    """The answer of a door that failed closed: 503, Retry-After, and the words to try again shortly."""
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_WHILE_DOWN)
    assert TRY_AGAIN in _text(response)


def signed_in_dashboard(client) -> bool:
    page = client.get(reverse("home"), follow=True)
    return bool(page.redirect_chain) and page.redirect_chain[-1][0] == reverse("brands:dashboard")


# ------------------------------------------------------------------ doors to an account: fail closed


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=[door.name for door in DOORS])
def test_every_door_to_an_account_fails_closed_with_503_retry_after_while_redis_is_down(settings, unreachable, door):
    _set_rate(settings, door.setting, "3/hour")
    world = _world()

    attempts = [door.bad(world, i) for i in range(5)]
    good = door.good(world)

    for response in attempts:
        assert_try_again(response)  # not counted, so not answered: no unlimited window for guesses
    if door.name == "API token":
        # A token that matches is served: 32 random bytes are not found by trying (docs/security.md).
        assert good.status_code == 200
    else:
        assert_try_again(good)


@pytest.mark.django_db
def test_a_login_is_refused_with_503_while_redis_is_stopped_and_works_once_it_is_back(redis):
    MembershipFactory(user=UserFactory(email="ana@example.test"), brand__name="Aurora Skin")
    client = Client()
    redis.stop()

    down = client.post(reverse("login"), {"username": "ana@example.test", "password": PASSWORD})
    page = down.content.decode()
    still_out = signed_in_dashboard(client)
    redis.start()
    back = client.post(reverse("login"), {"username": "ana@example.test", "password": PASSWORD})

    assert_try_again(down)
    assert "<h1>Try again shortly</h1>" in page
    assert not still_out
    assert back.status_code == 302
    assert signed_in_dashboard(client)


# ------------------------------------------------------------------ pages and reads keep working


@pytest.mark.django_db
def test_a_signed_in_page_renders_from_the_database_session_while_redis_is_stopped(redis):
    owner = MembershipFactory(brand__name="Aurora Skin")
    client = Client()
    client.force_login(owner.user)  # the session is written to PostgreSQL and to the cache
    redis.stop()

    dashboard = client.get(reverse("brands:dashboard"))
    settings_page = client.get(reverse("account_settings"))

    assert dashboard.status_code == 200 and "<h1>Aurora Skin</h1>" in dashboard.content.decode()
    assert settings_page.status_code == 200


@pytest.mark.django_db
def test_a_creators_page_shows_their_record_while_redis_is_unreachable(unreachable):
    from tests.orders.conftest import make_creator

    creator = make_creator()
    client = Client()
    client.force_login(MembershipFactory().user)

    page = client.get(reverse("creators:detail", args=[creator.handle]))

    assert page.status_code == 200  # the track-record prior is a cache read: a miss uses the defaults


@pytest.mark.django_db
def test_read_apis_answer_while_redis_is_unreachable(unreachable):
    world = make_world()
    by_token = api_for(world["owner"])
    by_session = APIClient()
    by_session.force_login(world["owner"])

    wallet = by_token.get(reverse("api:wallet-detail"))
    orders = by_session.get(reverse("api:order-list"))

    assert wallet.status_code == 200 and wallet.json()["available_minor"] > 0
    assert orders.status_code == 200 and [o["id"] for o in orders.json()["results"]] == [world["order"].pk]


def test_healthz_stays_ok_and_readyz_says_not_ready_while_redis_is_unreachable(client, unreachable, db):
    client.force_login(UserFactory(is_staff=True))

    healthz = client.get("/healthz")
    readyz = client.get("/readyz")

    assert healthz.status_code == 200 and healthz.json() == {"status": "ok"}
    assert readyz.status_code == 503 and readyz.json()["status"] == "not ready"
    assert readyz.json()["checks"]["database"]["ok"] and not readyz.json()["checks"]["redis"]["ok"]


# ------------------------------------------------------------------ money keeps working, its work is done after


@pytest.mark.django_db(transaction=True)
def test_money_and_a_rerank_succeed_while_redis_is_stopped_and_their_work_runs_once_it_is_back(
    settings, broker, redis, tmp_path
):
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command

    from marketplace.core.models import Label
    from matching import engine
    from matching.models import RankingRun
    from orders.models import OrderTargetLabel
    from tests.matching.conftest import make_creators

    call_command("load_taxonomy", verbosity=0)
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    engine.reset()
    make_creators(30)
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PLATFORM_FEE_BPS = 1000
    settings.CURRENCY = "CNY"
    settings.PAYOUT_MINIMUM = 10_000
    sandbox_provider.reset()
    world = make_world()
    deal_in(world, S.SETTLED, creator=world["creator"])  # the creator has earned something to pay out
    OrderTargetLabel.objects.create(order=world["order"], label=Label.objects.filter(tier=2).first(), weight=1.0)
    brand, creator = api_for(world["owner"]), api_for(world["creator"].user)
    pending_before = set(OutboxMessage.objects.filter(acknowledged_at__isnull=True).values_list("pk", flat=True))
    redis.stop()

    started = time.monotonic()
    topup = brand.post(
        reverse("api:wallet-topup"), {"amount_minor": 2_000_000}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )
    offer = brand.post(
        reverse("api:offer-create", args=[world["order"].pk]),
        {"creator": world["other_creator"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )
    payout = creator.post(
        reverse("api:payout-list"), {"amount_minor": 100_000}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )
    rerank = brand.post(reverse("api:order-rerank", args=[world["order"].pk]))
    seconds = time.monotonic() - started
    held = list(OutboxMessage.objects.filter(acknowledged_at__isnull=True).exclude(pk__in=pending_before))

    assert topup.status_code == 201 and topup.json()["status"] == "succeeded"
    assert offer.status_code == 201 and offer.json()["status"] == "offered"
    assert payout.status_code == 201 and payout.json()["status"] == "requested"
    assert rerank.status_code == 202 and rerank.json()["status"] == "queued"
    assert [m.topic for m in held] == ["matching.rank"]
    # The refused broker is not waited on: Celery's result backend retried ~20 s, kombu ~6 s per publish.
    assert seconds < 5, seconds
    assert all(m.dispatched_at is None and m.last_error for m in held)  # the outbox holds them
    assert sandbox_provider.calls("send_payout") == []

    redis.start()
    # What beat does once Redis is back: the relay re-sends what the outbox held, and the payout sweep (every
    # five minutes, for payouts older than that) queues the payout whose message the broker never took.
    relayed = outbox.outbox_relay()
    Payout.objects.filter(pk=payout.json()["id"]).update(updated_at=timezone.now() - timedelta(minutes=10))
    from payouts.tasks import payout_sweep_task

    swept = payout_sweep_task.apply().get()
    with start_worker(broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            paid = Payout.objects.get(pk=payout.json()["id"]).status == Payout.Status.SENT
            ranked = RankingRun.objects.get(pk=rerank.json()["id"]).status in ("done", "failed")
            if paid and ranked and not OutboxMessage.objects.filter(acknowledged_at__isnull=True).exists():
                break
            time.sleep(0.2)

    assert relayed == len(held) + len(pending_before) and swept == 1
    assert Payout.objects.get(pk=payout.json()["id"]).status == Payout.Status.SENT
    assert len(sandbox_provider.calls("send_payout")) == 1
    run = RankingRun.objects.get(pk=rerank.json()["id"])
    assert run.status == RankingRun.Status.DONE, run.error  # ranking resumed
    assert run.results.exists()
    assert not OutboxMessage.objects.filter(acknowledged_at__isnull=True).exists()


# ------------------------------------------------------------------ every limit decides through one place


def _throttles_in_the_project() -> list[type]:
    import marketplace.urls  # noqa: F401  (imports every view, so every throttle class is defined)

    found, todo = [], [SimpleRateThrottle]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in {"marketplace", "brands", "creators", "orders", "payouts", "matching"}:
                found.append(sub)
    return found


def test_every_throttle_in_the_project_either_fails_closed_or_fails_open():
    throttles = _throttles_in_the_project()

    undecided = [t.__name__ for t in throttles if not issubclass(t, AttemptThrottle | FailOpen)]

    assert {t.__name__ for t in throttles} >= {"MoneyThrottle", "RerankThrottle", "TokenFailureThrottle"}
    assert undecided == []


@pytest.mark.django_db
def test_a_rerank_is_queued_while_redis_is_unreachable(unreachable, monkeypatch):
    from matching.models import RankingRun
    from tests.factories import OrderFactory

    owner = MembershipFactory()
    order = OrderFactory(brand=owner.brand, status="published")
    monkeypatch.setattr(outbox, "broker", lambda: Celery("unreachable", broker=f"redis://127.0.0.1:{free_port()}/0"))
    api = api_for(owner.user)

    response = api.post(reverse("api:order-rerank", args=[order.pk]))

    assert response.status_code == 202  # the rerank limit fails open; the run waits in the outbox
    assert RankingRun.objects.filter(order=order, status=RankingRun.Status.QUEUED).exists()


@pytest.mark.django_db
def test_a_metrics_scrape_answers_at_once_while_redis_is_unreachable(settings, unreachable, client):
    from marketplace.celery import app as real_app

    settings.METRICS_TOKEN = "scrape-token-for-tests"
    down = Celery("unreachable")
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    down.set_current()
    try:
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests")  # imports and first-use costs
        started = time.monotonic()
        scrape = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests")
        seconds = time.monotonic() - started
    finally:
        real_app.set_current()

    assert scrape.status_code == 200
    assert "starmap_outbox_backlog" in scrape.content.decode()  # read from PostgreSQL
    assert "starmap_celery_queue_depth" not in scrape.content.decode()  # the broker's figure is left out
    assert seconds < 2, seconds  # kombu retried the broker connection ~6 s per scrape
