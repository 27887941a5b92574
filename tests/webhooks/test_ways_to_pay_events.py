"""The ways to pay of docs/deals.md reach a brand's and an agency's endpoints: a deposit deal's re-quote, balance
and forfeit, a pay-per-play deal's counted and confirmed plays, and a paid extension of usage rights."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orders.models import Collaboration
from tests.orders.conftest import deposit_order, play_order
from tests.webhooks.conftest import act, deal_in
from tests.webhooks.test_delivery import verified
from webhooks.events import AGENCY_EVENT_TYPES, EVENT_TYPES, FROM_STEP

pytestmark = pytest.mark.django_db
S = Collaboration.Status

# step → (the state it starts from, who takes it, the deal's clock moved so a timer's step is due, the event)
STEPS = {
    "reserve": (S.OFFERED, "creator", None, "offer.accepted"),
    "requote": (S.DEPOSIT_PAID, "creator", None, "offer.requoted"),
    "pay_balance": (S.DEPOSIT_PAID, "owner", None, "balance.paid"),
    "forfeit_deposit": (
        S.DEPOSIT_PAID,
        None,
        lambda c: {"accepted_at": c.accepted_at - timedelta(days=8)},
        "deposit.forfeited",
    ),
    "count_plays": (S.COMPLETED, None, None, "plays.counted"),
    "confirm_plays": (S.PLAYS_COUNTED, "owner", None, "collaboration.settled"),
    "auto_confirm_plays": (
        S.PLAYS_COUNTED,
        None,
        lambda c: {"plays_counted_at": c.plays_counted_at - timedelta(days=4)},
        "collaboration.settled",
    ),
    "dispute_plays": (S.PLAYS_COUNTED, "owner", None, "dispute.opened"),
    "extend_rights": (S.SETTLED, "owner", None, "rights.extended"),
}
# Steps taken from a state every pricing reaches, on an order of their own pricing (tests/orders/conftest.py).
ORDER_OF = {"reserve": deposit_order, "count_plays": play_order}


@pytest.mark.parametrize("action", STEPS)
def test_each_way_to_pay_step_reaches_the_brand_s_endpoint_as_its_event(
    action, hooked, receiver, broker, django_capture_on_commit_callbacks
):
    state, who, due, event = STEPS[action]
    world = hooked
    if action == "extend_rights":  # the order states a usage right, so a settled deal has rights to extend
        type(world["order"]).objects.filter(pk=world["order"].pk).update(
            usage_channels=["creator_account", "brand_accounts"], usage_days=45, paid_ads_authorised=True
        )
        world["order"].refresh_from_db()
    order = ORDER_OF[action](world) if action in ORDER_OF else None
    with django_capture_on_commit_callbacks(execute=True):  # the deal's earlier events delivered (in order per deal)
        c = deal_in(world, state, order=order)
    if due is not None:
        Collaboration.objects.filter(pk=c.pk).update(**due(c))
        c.refresh_from_db()
    broker.run_webhook_tasks()
    receiver.requests.clear()
    actors = {"creator": c.creator.user, "owner": world["owner"], None: None}

    with django_capture_on_commit_callbacks(execute=True):
        act(c, action, actors[who])
    broker.run_webhook_tasks()

    assert [verified(world["secret"], r)["type"] for r in receiver.requests] == [event]
    body = verified(world["secret"], receiver.requests[0])
    assert body["object"] == "collaboration" and body["data"]["id"] == c.pk
    if action == "extend_rights":  # the body carries the rights' new end
        c.refresh_from_db()
        assert body["data"]["rights"]["rights_until"] == c.rights_until.isoformat().replace("+00:00", "Z")


def test_every_step_s_event_is_in_the_catalogues_and_the_agency_reads_no_you_meaning_the_brand():
    for action, event in FROM_STEP.items():
        assert event in EVENT_TYPES, action
        assert event in AGENCY_EVENT_TYPES, action
    for name, text in AGENCY_EVENT_TYPES.items():
        assert " you " not in f" {text} ".replace("(", " ").replace(")", " "), name
