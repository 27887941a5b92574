"""Real threads against PostgreSQL on a countered offer: accepting the counter races withdrawing, expiring, the
creator declining, and a second accept. One wins; no cent is lost or counted twice."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from marketplace.core import DomainError
from orders.models import Collaboration
from orders.services import deals
from orders.services.collaborations import collaboration_transition
from payouts.models import Hold, LedgerEntry, LedgerTransaction
from payouts.selectors import ledger_problems, wallet_for_brand
from tests.orders.conftest import TOPUP, act, key, make_creator
from tests.orders.test_races import race

S = Collaboration.Status
pytestmark = pytest.mark.django_db(transaction=True)
OFFERED, COUNTER = 400_000, 470_000


def countered(world) -> Collaboration:
    creator = make_creator()
    c = deals.offer_send(
        order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key(), price=OFFERED
    )
    return deals.offer_counter(collaboration_id=c.pk, actor=creator.user, price=COUNTER)


def expire(c):
    return collaboration_transition(
        collaboration_id=c.pk, action="expire", actor=None, now=c.expires_at + timedelta(seconds=1)
    )


RIVALS = {
    "withdraw": lambda world, c: act(c, "withdraw", world["owner"]),
    "decline": lambda world, c: act(c, "decline", c.creator.user),
    "accept_counter": lambda world, c: act(c, "accept_counter", world["owner"]),
    "decline_counter": lambda world, c: act(c, "decline_counter", world["owner"]),
}


@pytest.mark.parametrize("rival", sorted(RIVALS))
def test_accepting_a_counter_against_a_rival_step_one_wins_and_the_money_adds_up(world, rival):
    for _ in range(3):
        c = countered(world)

        results = race([lambda c=c: act(c, "accept_counter", world["owner"]), lambda c=c: RIVALS[rival](world, c)])

        assert sum(isinstance(r, Collaboration) for r in results) == 1
        assert sum(isinstance(r, DomainError) for r in results) == 1
        _assert_money_follows_the_deal(world, c)


def test_accepting_a_counter_against_the_expiry_timer_one_wins(world):
    for _ in range(3):
        c = countered(world)
        # Accepting at the last moment of the 72 hours, the timer a moment after: whichever locks first wins.
        results = race([lambda c=c: act(c, "accept_counter", world["owner"], now=c.expires_at), lambda c=c: expire(c)])

        assert sum(isinstance(r, Collaboration) for r in results) == 1
        _assert_money_follows_the_deal(world, c)


def _assert_money_follows_the_deal(world, c: Collaboration) -> None:
    c.refresh_from_db()
    hold = Hold.objects.get(collaboration=c)
    adjustments = LedgerTransaction.objects.filter(collaboration=c, kind=LedgerTransaction.Kind.HOLD_ADJUST).count()
    if c.status == S.ACCEPTED:
        assert (c.agreed_price, hold.amount, hold.status, adjustments) == (COUNTER, COUNTER, "escrowed", 1)
    elif c.status == S.OFFERED:  # the counter was declined: the offer stands at its price
        assert (hold.amount, hold.status, adjustments) == (OFFERED, "held", 0)
    else:
        assert (c.status, hold.amount, hold.status, adjustments) == (S.CLOSED, OFFERED, "released", 0)
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
    wallet = wallet_for_brand(brand_id=world["brand"].pk)
    live = Hold.objects.filter(brand=world["brand"], status__in=["held", "escrowed"]).aggregate(s=Sum("amount"))["s"]
    assert wallet.available + (live or 0) == TOPUP
    assert ledger_problems() == []
