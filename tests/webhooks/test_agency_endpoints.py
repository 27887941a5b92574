"""An agency's endpoints, at a real local receiver: its roster's deals and its payouts reach it, signed with its
own secret; another creator's deal never does; the brand and the agency each get their own event id; and each
owner's endpoints are invisible to the other."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse as page
from rest_framework.reverse import reverse

from orders.models import Collaboration
from payouts import services as money
from tests.agencies.conftest import make_agency, sign
from tests.api.clients import api_for
from tests.orders.conftest import key
from tests.webhooks.conftest import deal_in, make_creator
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import step, verified
from webhooks.events import AGENCY_EVENT_TYPES

pytestmark = pytest.mark.django_db
S = Collaboration.Status


@pytest.fixture
def agency_hooked(hooked):
    """An agency representing one creator, with an endpoint (registered by a manager, through the API) at its own
    receiver, subscribed to every event an agency may choose."""
    agency, owner, manager = make_agency()
    creator = make_creator()
    sign(owner, creator, may_answer_offers=True)
    with Receiver() as agency_receiver:
        answer = api_for(manager).post(
            reverse("api:webhook-endpoint-list"),
            {"url": agency_receiver.url, "event_types": sorted(AGENCY_EVENT_TYPES)},
            format="json",
        )
        assert answer.status_code == 201, answer.content
        yield {
            **hooked,
            "agency": agency,
            "agency_owner": owner,
            "manager": manager,
            "roster_creator": creator,
            "agency_receiver": agency_receiver,
            "agency_secret": answer.json()["secret"],
            "agency_endpoint": answer.json()["id"],
        }


def types(receiver) -> list[str]:
    return [json.loads(r["body"])["type"] for r in receiver.requests]


def test_a_roster_creator_s_accepted_offer_reaches_the_agency_and_another_creator_s_never(
    agency_hooked, receiver, broker, django_capture_on_commit_callbacks
):
    h = agency_hooked
    mine = deal_in(h, S.OFFERED, creator=h["roster_creator"])
    other = deal_in(h, S.OFFERED, creator=make_creator())

    step(h, mine, "accept", "creator", django_capture_on_commit_callbacks, broker)
    step(h, other, "accept", "creator", django_capture_on_commit_callbacks, broker)

    (request,) = h["agency_receiver"].requests
    body = verified(h["agency_secret"], request)
    assert (body["type"], body["object"], body["data"]["id"]) == ("offer.accepted", "collaboration", mine.pk)
    brand_ids = [json.loads(r["body"])["data"]["id"] for r in receiver.requests]
    assert brand_ids == [mine.pk, other.pk]  # the brand hears of both, under its own event ids
    assert json.loads(receiver.requests[0]["body"])["id"] != body["id"]


def test_the_agency_hears_its_roster_s_deal_through_to_settlement(
    agency_hooked, broker, django_capture_on_commit_callbacks
):
    h = agency_hooked
    c = deal_in(h, S.OFFERED, creator=h["roster_creator"])

    for action, who in [("accept", "creator"), ("submit_script", "creator"), ("approve_script", "owner")]:
        c = step(h, c, action, who, django_capture_on_commit_callbacks, broker)

    assert types(h["agency_receiver"]) == ["offer.accepted", "script.submitted"]


def test_an_agency_payout_sent_reaches_the_agency_s_endpoint(
    agency_hooked, broker, settings, django_capture_on_commit_callbacks
):
    h = agency_hooked
    settings.PAYMENT_PROVIDER, settings.PAYOUT_MINIMUM = "manual", 100
    with django_capture_on_commit_callbacks(execute=False):
        deal_in(h, S.SETTLED, creator=h["roster_creator"])
    broker.run_webhook_tasks()
    h["agency_receiver"].requests.clear()
    payout = money.agency_payout_request(agency_id=h["agency"].pk, amount=1_000, idempotency_key=key())
    money.payout_send(payout_id=payout.pk)

    with django_capture_on_commit_callbacks(execute=True):
        money.payout_mark_sent(payout_id=payout.pk, reference="OUT-3", idempotency_key=key(), actor=h["admin"])
    broker.run_webhook_tasks()

    (request,) = h["agency_receiver"].requests
    body = verified(h["agency_secret"], request)
    assert (body["type"], body["object"]) == ("payout.sent", "payout")
    assert (body["data"]["id"], body["data"]["status"], body["data"]["amount_minor"]) == (payout.pk, "sent", 1_000)


def test_an_agency_cannot_ask_for_order_events_and_owners_never_see_each_other_s_endpoints(agency_hooked):
    h = agency_hooked
    manager, brand_owner = api_for(h["manager"]), api_for(h["owner"])

    refused = manager.post(
        reverse("api:webhook-endpoint-list"),
        {"url": h["agency_receiver"].url, "event_types": ["order.published"]},
        format="json",
    )

    assert refused.status_code == 400 and "event_types" in refused.json()["errors"]
    assert [e["id"] for e in manager.get(reverse("api:webhook-endpoint-list")).json()["results"]] == [
        h["agency_endpoint"]
    ]
    assert brand_owner.get(reverse("api:webhook-endpoint", args=[h["agency_endpoint"]])).status_code == 404
    assert manager.get(reverse("api:webhook-endpoint", args=[h["endpoint"].pk])).status_code == 404
    _other, other_owner, _m = make_agency("Other MCN")
    assert api_for(other_owner).get(reverse("api:webhook-endpoint-list")).json()["results"] == []


def test_the_agency_registers_an_endpoint_on_the_webhooks_page_linked_from_its_roster(client, agency_hooked):
    h = agency_hooked
    client.force_login(h["agency_owner"])

    roster = client.get(page("agencies:roster")).content.decode()
    listed = client.get(page("webhooks:list")).content.decode()

    assert page("webhooks:list") in roster
    assert h["agency_receiver"].url in listed
    assert 'value="payout.sent"' in listed and 'value="order.published"' not in listed
