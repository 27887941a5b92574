"""``payout.sent``: announced in the transaction that marks a payout sent (by staff, or when the provider confirms),
to the endpoints of whoever owns the payout where that owner can have endpoints. A creator's payout reaches no
endpoint: not the brand's, whose catalogue does not offer the event."""

import pytest
from rest_framework.reverse import reverse

from orders.models import Collaboration
from payouts import services as money
from payouts.models import Payout
from tests.api.clients import api_for
from tests.orders.conftest import deal_in, key
from webhooks import for_events
from webhooks.models import WebhookEvent

S = Collaboration.Status


@pytest.fixture
def announced(monkeypatch):
    """Every fact the webhooks sink hears of, with the announced row's status and whether a transaction was open."""
    from django.db import connection

    heard = []
    real = for_events.event_announce

    def record(fact, obj):
        heard.append((fact, obj.pk, getattr(obj, "status", None), connection.in_atomic_block))
        return real(fact, obj)

    monkeypatch.setattr(for_events, "event_announce", record)
    return heard


def _creator_payout(hooked, settings, provider: str) -> Payout:
    settings.PAYMENT_PROVIDER = provider
    settings.PAYOUT_MINIMUM = 100
    c = deal_in(hooked, S.SETTLED)
    return money.payout_request(creator_id=c.creator_id, amount=1_000, idempotency_key=key(), actor=c.creator.user)


def test_staff_marking_a_payout_sent_announces_it_in_that_transaction(hooked, settings, announced, receiver, broker):
    payout = _creator_payout(hooked, settings, "manual")
    money.payout_send(payout_id=payout.pk)
    announced.clear()

    money.payout_mark_sent(payout_id=payout.pk, reference="OUT-1", idempotency_key=key(), actor=hooked["admin"])

    assert [(f, pk, status) for f, pk, status, _ in announced] == [("payout.sent", payout.pk, "sent")]
    assert all(in_transaction for *_, in_transaction in announced)
    broker.run_webhook_tasks()
    assert not WebhookEvent.objects.filter(type="payout.sent").exists()
    assert [r for r in receiver.requests if b"payout.sent" in r["body"]] == []


def test_a_payout_the_provider_sends_is_announced_once(hooked, settings, announced):
    payout = _creator_payout(hooked, settings, "sandbox")
    announced.clear()

    money.payout_send(payout_id=payout.pk)
    money.payout_send(payout_id=payout.pk)  # a redelivered task

    assert [(f, pk, status) for f, pk, status, _ in announced] == [("payout.sent", payout.pk, "sent")]


def test_a_brand_endpoint_cannot_ask_for_payout_events(hooked, receiver):
    answer = api_for(hooked["owner"]).post(
        reverse("api:webhook-endpoint-list"),
        {"url": receiver.url, "event_types": ["payout.sent"]},
        format="json",
    )

    assert answer.status_code == 400 and "event_types" in answer.json()["errors"]
