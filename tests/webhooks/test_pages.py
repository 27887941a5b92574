"""The webhook pages as a brand's owner uses them: register (the secret shown once), read the delivery log and a
delivery's attempts and body, re-send, rotate, turn off, delete; viewers and other brands get nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from brands.models import BrandMembership
from tests.factories import MembershipFactory
from tests.webhooks.test_delivery import offer, step
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_an_owner_registers_an_endpoint_and_sees_its_secret_once(world, client, settings, receiver):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    signed_in(client, world["owner"])

    response = client.post(
        reverse("webhooks:create"),
        {"url": receiver.url, "description": "CRM", "event_types": ["offer.accepted", "script.submitted"]},
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    page = response.content.decode()
    assert response.status_code == 200 and endpoint.url in page
    assert endpoint.secret in page and "it will not be shown again" in page
    again = client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again
    assert receiver.url in client.get(reverse("webhooks:list")).content.decode()


def test_a_private_address_is_refused_beside_the_field_in_production(world, client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    signed_in(client, world["owner"])

    response = client.post(
        reverse("webhooks:create"), {"url": "http://169.254.169.254/latest", "event_types": ["offer.accepted"]}
    )

    assert response.status_code == 400
    assert "link-local" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_status_code_latency_and_body_and_re_sends(
    hooked, client, receiver, broker, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    c = offer(hooked)
    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)
    delivery = WebhookDelivery.objects.get()
    signed_in(client, hooked["owner"])

    log = client.get(reverse("webhooks:endpoint", args=[hooked["endpoint"].pk])).content.decode()
    assert "offer.accepted" in log and "500" in log and " ms" in log
    detail = client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()
    assert delivery.event.public_id in detail and "&quot;status&quot;: &quot;accepted&quot;" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:resend", args=[delivery.pk]), follow=True)
    broker.run_webhook_tasks()
    assert "queued to be sent again" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and len(receiver.requests) == 2
    assert "re-sent" in client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()


def test_rotating_shows_the_new_secret_and_turning_off_stops_sending(
    hooked, client, receiver, broker, django_capture_on_commit_callbacks
):
    endpoint = hooked["endpoint"]
    signed_in(client, hooked["owner"])

    page = client.post(reverse("webhooks:rotate", args=[endpoint.pk]), follow=True).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in page and endpoint.previous_secret == hooked["secret"]
    client.post(
        reverse("webhooks:update", args=[endpoint.pk]),
        {"url": endpoint.url, "event_types": endpoint.event_types, "description": ""},  # is_active unticked
    )
    step(hooked, offer(hooked), "accept", "creator", django_capture_on_commit_callbacks, broker)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()
    client.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_viewers_and_other_brands_get_nothing(hooked, client):
    endpoint = hooked["endpoint"]
    stranger = MembershipFactory(role=BrandMembership.Role.OWNER).user

    signed_in(client, hooked["viewer"])
    assert client.get(reverse("webhooks:list")).status_code == 403
    signed_in(client, stranger)
    assert client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhooks:rotate", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhooks:delete", args=[endpoint.pk])).status_code == 404
    assert hooked["endpoint"].url not in client.get(reverse("webhooks:list")).content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, secret=hooked["secret"]).exists()


def test_the_brand_page_links_the_webhooks_for_those_who_may_manage_them(hooked, client):
    link = f'href="{reverse("webhooks:list")}"'

    owner_sees = link in signed_in(client, hooked["owner"]).get(reverse("brands:members")).content.decode()
    viewer_sees = link in signed_in(client, hooked["viewer"]).get(reverse("brands:members")).content.decode()

    assert owner_sees and not viewer_sees
