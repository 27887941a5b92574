"""The webhooks API as a brand's script uses it: register (secret once), list, change, rotate, read the delivery
log and one delivery, re-send; bad input is a 400 beside the field."""

from __future__ import annotations

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from tests.api.clients import api_for
from tests.webhooks.test_delivery import offer, step
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_a_script_registers_an_endpoint_and_gets_its_secret_once(world, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    api = api_for(world["owner"])

    created = api.post(
        reverse("api:webhook-endpoint-list"),
        {"url": receiver.url, "event_types": ["offer.accepted", "dispute.opened"], "description": "CRM"},
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and Webhook(body["secret"])
    listed = api.get(reverse("api:webhook-endpoint-list")).json()["results"]
    assert [e["url"] for e in listed] == [receiver.url] and "secret" not in listed[0]
    one = api.get(reverse("api:webhook-endpoint", args=[body["id"]])).json()
    assert one["event_types"] == ["dispute.opened", "offer.accepted"] and "secret" not in one
    rotated = api.post(reverse("api:webhook-endpoint-rotate", args=[body["id"]])).json()
    assert rotated["secret"] != body["secret"] and rotated["secret_rotating_until"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://169.254.169.254/", "event_types": ["offer.accepted"]}, "url"),
        ({"url": "https://example.com/", "event_types": ["payout.lost"]}, "event_types"),
        ({"url": "https://example.com/", "event_types": []}, "event_types"),
        ({"url": 7, "event_types": ["offer.accepted"]}, "url"),
        ({"url": "https://example.com/", "event_types": ["offer.accepted"], "secret": "whsec_x"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, settings, payload, field):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    response = api_for(world["owner"]).post(reverse("api:webhook-endpoint-list"), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_the_delivery_log_and_a_re_send(hooked, receiver, broker, django_capture_on_commit_callbacks):
    receiver.answer(500)
    step(hooked, offer(hooked), "accept", "creator", django_capture_on_commit_callbacks, broker)
    api = api_for(hooked["owner"])

    (row,) = api.get(reverse("api:webhook-delivery-list"), {"endpoint": hooked["endpoint"].pk}).json()["results"]
    assert (row["event_type"], row["status"], row["last_status_code"], row["attempts"]) == (
        "offer.accepted",
        "pending",
        500,
        1,
    )
    assert row["last_latency_ms"] is not None
    detail = api.get(reverse("api:webhook-delivery", args=[row["id"]])).json()
    assert detail["body"]["id"] == row["event_id"] and detail["attempt_log"][0]["status_code"] == 500
    with django_capture_on_commit_callbacks(execute=True):
        resent = api.post(reverse("api:webhook-delivery-resend", args=[row["id"]]))
    broker.run_webhook_tasks()
    assert resent.status_code == 202
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
    assert api_for(hooked["viewer"]).get(reverse("api:webhook-delivery-list")).status_code == 403
