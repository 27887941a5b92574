"""Real threads against PostgreSQL: two brand confirmations of the same counted plays at once, and a
confirmation against the automatic one. One pays; the other is refused and moves no money."""

import pytest
from django.db.models import Sum

from marketplace.core import DomainError
from orders.models import Collaboration
from payouts.models import Hold, LedgerEntry
from payouts.services import fee_split
from tests.orders.conftest import act, balance
from tests.orders.test_pay_per_play import day14, published_deal
from tests.orders.test_races import race

S = Collaboration.Status
pytestmark = pytest.mark.django_db(transaction=True)


def counted(world) -> Collaboration:
    c = published_deal(world)
    day14(c, 300_000)
    return act(c, "count_plays", None)


RIVALS = {
    "second_confirmation": lambda world, c: act(c, "confirm_plays", world["owner"]),
    "timer": lambda world, c: act(c, "auto_confirm_plays", None, now=c.plays_counted_at.replace(year=2100)),
}


@pytest.mark.parametrize("rival", sorted(RIVALS))
def test_two_confirmations_at_once_pay_once(world, rival):
    for _ in range(3):
        c = counted(world)

        results = race([lambda c=c: act(c, "confirm_plays", world["owner"]), lambda c=c: RIVALS[rival](world, c)])

        assert sum(isinstance(r, Collaboration) for r in results) == 1
        assert sum(isinstance(r, DomainError) for r in results) == 1
        c.refresh_from_db()
        assert c.status == S.SETTLED
        assert c.events.filter(action__in=("confirm_plays", "auto_confirm_plays")).count() == 1
        hold = Hold.objects.get(collaboration=c)
        assert (hold.creator_gross, hold.refunded) == (250_000, c.agreed_price - 250_000)
        assert balance("creator_available", creator=c.creator) == fee_split(250_000, 1000)[0]
        assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
