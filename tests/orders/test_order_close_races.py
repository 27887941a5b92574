"""Real threads against PostgreSQL: closing an order against the creator's answer to an offer on it.

The close locks the order's open offers before the order (a deal's step locks its row, then its order's), so
the two are ordered, never deadlocked: either the answer comes first and the close finds the deal made (or the
counter, which it withdraws), or the close comes first and the answer is refused. No money is left held.
"""

import pytest
from django.db.models import Sum

from marketplace.core import DomainError
from orders.models import Collaboration, Order
from orders.services.orders import order_close
from payouts.models import LedgerEntry
from payouts.selectors import ledger_problems
from tests.orders.conftest import PRICE, TOPUP, act, balance, deal_in
from tests.orders.test_flows import another_order
from tests.orders.test_races import race

S = Collaboration.Status
pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 6


@pytest.mark.parametrize("answer", ["accept", "counter"])
def test_a_close_racing_the_creators_answer_ends_ordered_with_nothing_held(world, answer):
    for _ in range(ROUNDS):
        order = another_order(world)
        c = deal_in(world, S.OFFERED, order=order)

        closed, answered = race(
            [
                lambda order=order: order_close(order_id=order.pk, actor=world["owner"]),
                lambda c=c: act(c, answer, c.creator.user),
            ]
        )

        c.refresh_from_db()
        assert isinstance(closed, Order), closed  # the close never waits forever nor dies in a deadlock
        if isinstance(answered, DomainError):
            assert answered.status == 409
            assert c.status == S.CLOSED
        else:
            assert isinstance(answered, Collaboration), answered
            # An accepted deal runs on; a counter that came first is withdrawn by the close.
            assert c.status == (S.ACCEPTED if answer == "accept" else S.CLOSED)
        assert balance("brand_held", brand=world["brand"]) == 0
    escrow = PRICE * Collaboration.objects.filter(status=S.ACCEPTED).count()
    assert balance("brand_available", brand=world["brand"]) == TOPUP - escrow
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
    assert ledger_problems() == []
