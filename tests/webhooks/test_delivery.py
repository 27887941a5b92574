"""Webhook deliveries to a real local HTTP receiver: signed in the Standard Webhooks form, sent after commit,
retried with backoff after a 500 or a timeout, in order per object, with the same id on every attempt."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from orders.models import Collaboration
from tests.webhooks.conftest import act, deal_in, make_creator
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db
S = Collaboration.Status
D = WebhookDelivery.Status


def offer(hooked):
    return deal_in(hooked, S.OFFERED)


def step(hooked, c, action, who, django_capture_on_commit_callbacks, broker):
    """Take a step as its side would, commit, and run the webhook tasks a worker would run."""
    actors = {"creator": c.creator.user, "owner": hooked["owner"], "admin": hooked["admin"]}
    with django_capture_on_commit_callbacks(execute=True):
        c = act(c, action, actors[who])
    broker.run_webhook_tasks()
    return c


def verified(secret: str, request: dict) -> dict:
    """The body, if its signature verifies with ``secret`` (as a receiver checks it)."""
    return Webhook(secret).verify(request["body"], request["headers"])


def test_an_accepted_offer_reaches_the_receiver_signed_with_the_endpoint_s_secret(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    c = offer(hooked)

    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)

    (request,) = receiver.requests
    body = verified(hooked["secret"], request)
    assert body["type"] == "offer.accepted"
    assert body["object"] == "collaboration"
    assert body["data"]["id"] == c.pk and body["data"]["status"] == "accepted"
    assert body["id"] == request["headers"]["webhook-id"] and body["id"].startswith("evt_")
    assert request["headers"]["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(request["body"], request["headers"])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.SUCCEEDED, 1, 200)


def test_nothing_is_sent_before_the_change_commits_and_nothing_for_one_that_rolls_back(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    c = offer(hooked)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        act(c, "accept", c.creator.user)
    broker.run_webhook_tasks()
    assert receiver.requests == []  # written, not yet committed: nothing sent
    for callback in callbacks:
        callback()
    broker.run_webhook_tasks()
    assert [verified(hooked["secret"], r)["type"] for r in receiver.requests] == ["offer.accepted"]

    with pytest.raises(RuntimeError), transaction.atomic():
        act(c, "submit_script", c.creator.user)
        raise RuntimeError("the request fails after the step")
    broker.run_webhook_tasks()
    assert len(receiver.requests) == 1
    assert not WebhookEvent.objects.filter(type="script.submitted").exists()


def test_a_500_is_retried_after_the_backoff_with_the_same_id(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    c = offer(hooked)

    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.PENDING, 1, 500)
    wait = delivery.next_attempt_at - delivery.attempt_log.get().at
    assert timedelta(seconds=9) < wait <= timedelta(seconds=10)
    assert services.webhook_sweep(now=timezone.now()) == 0  # not due yet
    assert services.webhook_sweep(now=delivery.next_attempt_at) == 1
    for name, kwargs in broker.sent:
        if name == "webhooks.tasks.webhook_attempt_task":
            services.delivery_attempt(delivery_id=kwargs["delivery_id"], now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.SUCCEEDED, 2, 200)
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert verified(hooked["secret"], second)["type"] == "offer.accepted"


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    receiver.answer(200, delay=2.5)  # the test's timeout is 1 s
    c = offer(hooked)

    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.PENDING, 1, None)
    assert "No answer within 1 seconds" in delivery.last_error
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None and attempt.latency_ms >= 900
    services.delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == D.SUCCEEDED and len(receiver.requests) == 2


def test_backoff_grows_and_the_delivery_fails_for_good_after_three_days(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    for _ in range(40):
        receiver.answer(503)
    c = offer(hooked)
    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)
    delivery = WebhookDelivery.objects.get()

    waits = []
    while delivery.status == D.PENDING:
        before = delivery.next_attempt_at
        services.delivery_attempt(delivery_id=delivery.pk, now=before)
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - before)

    assert delivery.status == D.FAILED
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 90, 270, 810)]
    assert max(waits) == timedelta(hours=12)
    assert delivery.next_attempt_at <= delivery.event.created_at + timedelta(days=3)
    assert delivery.attempts == len(receiver.requests) == delivery.attempt_log.count()
    assert delivery.next_attempt_at - delivery.event.created_at > timedelta(days=2)  # retried for days, not minutes


def test_deliveries_about_one_collaboration_arrive_in_order(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    receiver.answer(500)  # the first event's first attempt fails
    c = offer(hooked)

    c = step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)
    step(hooked, c, "submit_script", "creator", django_capture_on_commit_callbacks, broker)

    # The script's event waits behind the acceptance, however often the sweep looks.
    assert [verified(hooked["secret"], r)["type"] for r in receiver.requests] == ["offer.accepted"]
    accepted, submitted = WebhookDelivery.objects.order_by("pk")
    assert submitted.status == D.PENDING and submitted.attempts == 0
    later = accepted.next_attempt_at
    services.webhook_sweep(now=later)
    assert [kw["delivery_id"] for n, kw in broker.sent if n == "webhooks.tasks.webhook_attempt_task"] == [accepted.pk]
    broker.sent.clear()
    services.delivery_attempt(delivery_id=accepted.pk, now=later)  # delivered: the next one goes at once
    broker.run_webhook_tasks()
    assert [verified(hooked["secret"], r)["type"] for r in receiver.requests] == [
        "offer.accepted",
        "offer.accepted",
        "script.submitted",
    ]


def test_another_collaboration_s_events_do_not_wait(hooked, receiver, broker, django_capture_on_commit_callbacks):
    receiver.answer(500)
    first = offer(hooked)
    second = deal_in(hooked, S.OFFERED, creator=make_creator())

    step(hooked, first, "accept", "creator", django_capture_on_commit_callbacks, broker)
    step(hooked, second, "decline", "creator", django_capture_on_commit_callbacks, broker)

    got = [
        (verified(hooked["secret"], r)["type"], verified(hooked["secret"], r)["data"]["id"]) for r in receiver.requests
    ]
    assert got == [("offer.accepted", first.pk), ("offer.declined", second.pk)]


def test_a_re_send_carries_the_same_id_and_each_event_its_own(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    c = offer(hooked)
    c = step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)
    step(hooked, c, "submit_script", "creator", django_capture_on_commit_callbacks, broker)
    accepted = WebhookDelivery.objects.order_by("pk").first()

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(actor=hooked["owner"], delivery_id=accepted.pk)
    broker.run_webhook_tasks()

    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(ids) == 3 and ids[2] == ids[0] and ids[1] != ids[0]
    accepted.refresh_from_db()
    assert accepted.attempts == 2 and accepted.attempt_log.filter(manual=True).count() == 1


def test_only_subscribed_events_of_the_owner_s_own_deals_are_sent(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    endpoint = hooked["endpoint"]
    services.endpoint_update(actor=hooked["owner"], endpoint_id=endpoint.pk, event_types=["script.submitted"])
    c = offer(hooked)

    c = step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)
    step(hooked, c, "submit_script", "creator", django_capture_on_commit_callbacks, broker)

    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["script.submitted"]


def test_a_turned_off_endpoint_s_pending_delivery_fails_at_its_next_attempt(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    c = offer(hooked)
    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)
    services.endpoint_update(actor=hooked["owner"], endpoint_id=hooked["endpoint"].pk, is_active=False)
    delivery = WebhookDelivery.objects.get()

    services.delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)

    delivery.refresh_from_db()
    assert delivery.status == D.FAILED and "disabled" in delivery.last_error
    assert len(receiver.requests) == 1
