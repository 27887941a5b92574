"""Races on contests, with real threads against PostgreSQL: many entries at the close, two confirmations."""

import pytest
from django.db.models import Sum

from marketplace.core import Conflict, InvalidTransition
from orders.models import Contest, ContestEntry
from orders.services import contests
from payouts.models import LedgerEntry, PoolAward
from payouts.selectors import ledger_problems
from tests.orders.conftest import make_creator
from tests.orders.contest_helpers import POOL, enter, publish, rank, rank_time, report
from tests.orders.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)
N = 20


def test_many_creators_entering_at_the_close_race_the_brands_cancellation(world):
    contest = publish(world)
    creators = [make_creator() for _ in range(N)]
    close = contest.submit_until

    def entering(creator):
        return lambda: contests.contest_enter(
            contest_id=contest.pk,
            actor=creator.user,
            post_url="https://video.example/p/1",
            published_at=close,
            now=close,
        )

    def cancelling():
        return contests.contest_transition(contest_id=contest.pk, action="cancel", actor=world["owner"], now=close)

    results = race([entering(c) for c in creators] + [cancelling])

    contest.refresh_from_db()
    entries = ContestEntry.objects.filter(contest=contest).count()
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, Conflict) for e in errors), errors
    if contest.status == Contest.Status.CANCELLED:
        assert entries == 0  # every entry after the cancellation was refused
    else:
        assert entries == N and len(errors) == 1  # the cancellation saw entries and was refused
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
    assert ledger_problems() == []


def test_entries_a_second_after_the_close_are_all_refused(world):
    from datetime import timedelta

    contest = publish(world)
    late = contest.submit_until + timedelta(seconds=1)
    creators = [make_creator() for _ in range(N)]

    results = race(
        [
            lambda c=c: contests.contest_enter(
                contest_id=contest.pk, actor=c.user, post_url="https://video.example/p/2", published_at=late, now=late
            )
            for c in creators
        ]
    )

    assert all(isinstance(r, Conflict) for r in results)
    assert not ContestEntry.objects.filter(contest=contest).exists()


def test_two_confirmations_at_once_pay_once(world):
    contest = publish(world)
    entries = [enter(contest) for _ in range(3)]
    for n, entry in enumerate(entries):
        report(entry, 1_000 * (n + 1))
    rank(contest)

    def confirming():
        return contests.contest_transition(
            contest_id=contest.pk, action="confirm", actor=world["owner"], now=rank_time(contest)
        )

    def timer():
        return contests.contest_transition(
            contest_id=contest.pk, action="auto_confirm", actor=None, now=rank_time(contest) + contests.CONFIRM_AFTER
        )

    results = race([confirming, confirming, timer])

    wins = [r for r in results if isinstance(r, Contest)]
    assert len(wins) == 1
    assert all(isinstance(r, InvalidTransition) for r in results if not isinstance(r, Contest))
    assert PoolAward.objects.filter(hold__order=contest.order).count() == 3
    contest.refresh_from_db()
    assert contest.awarded + contest.refunded == POOL
    assert contest.events.filter(action__in=["confirm", "auto_confirm"]).count() == 1
    assert ledger_problems() == []
