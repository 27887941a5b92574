"""Real threads against PostgreSQL: two payments to extend the same usage rights at once pay once; an extension
racing the lapse timer leaves one end date and one payment."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from marketplace.core import DomainError
from orders.models import Collaboration
from orders.services.deals import timers_run
from payouts.models import Hold, LedgerEntry
from tests.orders.conftest import act
from tests.orders.test_races import race
from tests.orders.test_rights import MONTH, deal

S = Collaboration.Status
pytestmark = pytest.mark.django_db(transaction=True)


def extend(world, c, months=1, now=None):
    return act(c, "extend_rights", world["owner"], payload={"months": months, "rights_until": c.rights_until}, now=now)


def test_two_extension_payments_at_once_pay_once(rights_world):
    for _ in range(3):
        c = deal(rights_world, S.SETTLED)

        results = race([lambda c=c: extend(rights_world, c), lambda c=c: extend(rights_world, c, months=2)])

        winners = [r for r in results if isinstance(r, Collaboration)]
        assert len(winners) == 1 and sum(isinstance(r, DomainError) for r in results) == 1
        c.refresh_from_db()
        months = 1 if winners[0].rights_until == c.published_at + timedelta(days=75) else 2
        assert c.rights_until == c.published_at + timedelta(days=45 + 30 * months)
        paid = Hold.objects.filter(creator=c.creator, collaboration__isnull=True)
        assert paid.count() == 1 and paid.get().amount == MONTH * months
        assert c.events.filter(action="extend_rights").count() == 1
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def test_an_extension_racing_the_lapse_timer_leaves_one_end_date(rights_world):
    for _ in range(3):
        c = deal(rights_world, S.SETTLED)
        end = c.rights_until

        results = race([lambda c=c, end=end: extend(rights_world, c, now=end), lambda end=end: timers_run(now=end)])

        c.refresh_from_db()
        assert isinstance(results[0], Collaboration), results[0]
        assert c.rights_until == end + timedelta(days=30)
        # Either the timer recorded the lapse first (the extension then cleared it) or found the new end date.
        assert c.rights_lapsed_at is None
        assert c.events.filter(action="rights_lapsed").count() == results[1]["rights_lapsed"]
