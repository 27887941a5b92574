"""Ranking re-runs: while a run is queued or running for an order, asking again returns that run (in the service,
so the page and the API alike, and race-safe); re-run requests are throttled per brand.

Ten POSTs of "rank again" in three seconds once queued ten runs on the worker every tenant shares.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from brands.models import BrandMembership
from marketplace.celery import app as celery_app
from marketplace.core.models import OutboxMessage
from matching import services
from matching.models import RankingRun
from tests.api.clients import api_for
from tests.factories import MembershipFactory, OrderFactory
from tests.orders.test_races import race

R = RankingRun.Status


@pytest.fixture
def order(db):
    return OrderFactory(status="published")


@pytest.fixture
def broker(monkeypatch):
    """The broker is the edge: record what would be sent instead of sending it."""
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **kwargs: sent.append(kwargs["kwargs"]["run_id"]))
    return sent


@pytest.fixture
def rates(settings):
    """A fresh cache for throttle counters, and a re-run rate the tests can reach."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rerun"}}

    def set_rate(rate: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "rerank": rate},
        }

    set_rate("1000/minute")
    return set_rate


# ------------------------------------------------------------------- service


def test_a_rerun_while_one_is_queued_returns_that_run(order, broker):
    first = services.ranking_request(order=order, trigger="publish")

    again = services.ranking_request(order=order, trigger="manual")

    assert again.pk == first.pk and again.status == R.QUEUED
    assert RankingRun.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.count() == 1


def test_a_rerun_while_one_is_running_returns_that_run(order, broker):
    first = services.ranking_request(order=order)
    assert services.ranking_claim(run_id=first.pk)

    again = services.ranking_request(order=order)

    assert again.pk == first.pk and again.status == R.RUNNING
    assert RankingRun.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("status", [R.DONE, R.FAILED])
def test_a_rerun_after_the_last_run_ended_queues_a_new_one(order, broker, status):
    first = services.ranking_request(order=order)
    RankingRun.objects.filter(pk=first.pk).update(status=status)

    again = services.ranking_request(order=order)

    assert again.pk != first.pk and again.status == R.QUEUED
    assert OutboxMessage.objects.count() == 2


def test_a_run_stuck_past_the_limit_is_failed_and_a_new_one_queued(order, broker):
    first = services.ranking_request(order=order)
    services.ranking_claim(run_id=first.pk)
    RankingRun.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - services.RUN_STALE_AFTER - timedelta(minutes=1)
    )

    again = services.ranking_request(order=order)

    first.refresh_from_db()
    assert again.pk != first.pk and again.status == R.QUEUED
    assert first.status == R.FAILED and "no result" in first.error
    assert services.ranking_claim(run_id=first.pk) is False  # a late delivery of the old run does nothing


def test_another_orders_run_does_not_count(order, broker):
    other = services.ranking_request(order=OrderFactory(status="published"))

    mine = services.ranking_request(order=order)

    assert mine.pk != other.pk


# ----------------------------------------------------------- the page and the API


def _editor(order):
    return MembershipFactory(brand=order.brand, role=BrandMembership.Role.MANAGER).user


def test_ten_reruns_from_the_page_queue_one_run(order, broker, rates, client):
    client.force_login(_editor(order))

    responses = [client.post(reverse("matching:order_rerank", args=[order.pk])) for _ in range(10)]

    assert {r.status_code for r in responses} == {302}
    assert RankingRun.objects.filter(order=order).count() == 1 and OutboxMessage.objects.count() == 1
    page = client.get(reverse("matching:order_ranking", args=[order.pk])).content.decode()
    assert "Ranking queued" in page and "being ranked already" in page


def test_ten_reruns_through_the_api_return_the_same_run(order, broker, rates):
    api = api_for(_editor(order))

    responses = [api.post(reverse("api:order-rerank", args=[order.pk])) for _ in range(10)]

    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["id"] for r in responses}) == 1
    assert RankingRun.objects.filter(order=order).count() == 1 and OutboxMessage.objects.count() == 1


def test_reruns_beyond_the_brands_rate_are_refused_whoever_asks_and_however(order, broker, rates, client):
    rates("2/minute")
    first, second = _editor(order), _editor(order)
    client.force_login(first)
    other_brand = OrderFactory(status="published")

    page_1 = client.post(reverse("matching:order_rerank", args=[order.pk]))
    page_2 = client.post(reverse("matching:order_rerank", args=[order.pk]))
    api_3 = api_for(second).post(reverse("api:order-rerank", args=[order.pk]))
    page_4 = client.post(reverse("matching:order_rerank", args=[order.pk]), HTTP_HX_REQUEST="true")
    elsewhere = api_for(_editor(other_brand)).post(reverse("api:order-rerank", args=[other_brand.pk]))

    assert (page_1.status_code, page_2.status_code) == (302, 302)
    assert api_3.status_code == 429 and int(api_3["Retry-After"]) > 0
    assert api_3.json()["code"] == "throttled"
    assert page_4.status_code == 429 and page_4["HX-Refresh"] == "true"
    assert elsewhere.status_code == 202


def test_a_throttled_rerun_says_how_long_to_wait(order, broker, rates, client):
    rates("1/hour")
    client.force_login(_editor(order))
    client.post(reverse("matching:order_rerank", args=[order.pk]))

    refused = client.post(reverse("matching:order_rerank", args=[order.pk]))

    assert refused.status_code == 429
    assert "Too many ranking requests for your brand" in refused.content.decode()


# -------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_reruns_queue_one_run(broker):
    order = OrderFactory(status="published")

    results = race([lambda: services.ranking_request(order=order, trigger="manual") for _ in range(10)])

    assert all(isinstance(r, RankingRun) for r in results), results
    run = RankingRun.objects.get(order=order)
    assert {r.pk for r in results} == {run.pk}
    assert OutboxMessage.objects.count() == 1 and broker == [run.pk]
