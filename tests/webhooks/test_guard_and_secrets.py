"""Where a webhook may go (server-side request forgery refused at registration and at send time, no redirects
followed), and its signatures: the Standard Webhooks example vector, rotation with an overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from marketplace.core import DomainError, NotAllowed
from orders.models import Collaboration
from tests.webhooks.test_delivery import offer, step, verified
from webhooks import services
from webhooks.models import WebhookDelivery
from webhooks.signing import signed_headers
from webhooks.transport import address_refusal

pytestmark = pytest.mark.django_db
D = WebhookDelivery.Status


def test_signatures_match_the_standard_webhooks_example_vector():
    # The example of the Standard Webhooks specification (spec/standard-webhooks.md, "Signature scheme").
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = datetime.fromtimestamp(1614265330, UTC)

    headers = signed_headers(keys=[secret], msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", body='{"test": 2432232314}', now=at)

    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"


REFUSED = "127.0.0.1 10.1.2.3 172.16.0.9 192.168.1.1 169.254.169.254 0.0.0.0 ::1 fe80::1 fc00::1 ::ffff:127.0.0.1"


@pytest.mark.parametrize("address", [*REFUSED.split(), "100.64.0.1", "224.0.0.1"])
def test_private_loopback_and_link_local_addresses_are_refused(address):
    assert address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/",
        "http://localhost/hook",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://0x7f000001/",
        "ftp://example.com/",
        "file:///etc/passwd",
        "http://no-such-host.invalid/",
        "http://example.com:99999/",
    ],
)
def test_registration_refuses_private_hosts_in_production(world, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(DomainError) as refused:
        services.endpoint_create(actor=world["owner"], url=url, event_types=["offer.accepted"])

    assert refused.value.field == "url"


def test_a_host_that_turned_private_after_registration_gets_nothing(
    hooked, receiver, broker, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False  # registered while allowed; checked again at send time
    c = offer(hooked)

    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.PENDING and "loopback" in delivery.last_error


def test_a_redirect_is_not_followed(hooked, receiver, broker, django_capture_on_commit_callbacks):
    receiver.answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    c = offer(hooked)

    step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)

    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (D.PENDING, 302)


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    hooked, receiver, broker, django_capture_on_commit_callbacks
):
    old = hooked["secret"]
    endpoint, new = services.endpoint_rotate_secret(actor=hooked["owner"], endpoint_id=hooked["endpoint"].pk)
    c = offer(hooked)

    c = step(hooked, c, "accept", "creator", django_capture_on_commit_callbacks, broker)

    (request,) = receiver.requests
    assert new != old and len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(new, request)["type"] == verified(old, request)["type"] == "offer.accepted"

    endpoint.previous_secret_until = timezone.now() - timedelta(seconds=1)
    endpoint.save(update_fields=["previous_secret_until"])
    step(hooked, c, "submit_script", "creator", django_capture_on_commit_callbacks, broker)
    assert verified(new, receiver.requests[1])["type"] == "script.submitted"
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(receiver.requests[1]["body"], receiver.requests[1]["headers"])


def test_viewers_and_other_brands_cannot_touch_an_endpoint(hooked):
    from tests.factories import MembershipFactory

    stranger = MembershipFactory().user

    with pytest.raises(NotAllowed):
        services.endpoint_create(actor=hooked["viewer"], url="https://example.com/", event_types=["offer.accepted"])
    with pytest.raises(DomainError):
        services.endpoint_rotate_secret(actor=stranger, endpoint_id=hooked["endpoint"].pk)
    assert Collaboration.objects.count() == 0
