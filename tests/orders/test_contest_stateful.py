"""A Hypothesis state machine drives random contests (prize tiers and CPM) with random entries, results,
withdrawals, take-downs, disputes and clock moves, and checks after every step that no creator is paid
above the cap (CPM) or above a place's prize, that no brand pays more than it held, and that the ledger
agrees with itself and with the holds. Run with ``-s`` to see how many steps it ran."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from brands.models import BrandMembership
from marketplace.core import DomainError
from orders.models import Contest, ContestEntry
from orders.services import contests
from payouts import services as money
from payouts.models import Account, PoolAward
from payouts.selectors import ledger_problems
from tests.factories import MembershipFactory, UserFactory
from tests.orders.conftest import make_creator
from tests.orders.contest_helpers import brief

TOPUP = 50_000_000
STATS = {"steps": 0, "examples": 0, "settled": 0, "awards": 0, "refusals": 0}
TIERS = st.lists(st.tuples(st.integers(1, 3), st.integers(1, 200_000)), min_size=1, max_size=3).map(
    lambda ts: [{"places": p, "prize": a} for p, a in sorted(ts, key=lambda t: -t[1])]
)


class ContestMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        STATS["examples"] += 1
        self.owner = MembershipFactory(role=BrandMembership.Role.OWNER)
        self.admin = UserFactory(is_staff=True)
        self.brand = self.owner.brand
        money.topup(brand_id=self.brand.pk, amount=TOPUP, idempotency_key=f"t-{self.brand.pk}", actor=self.owner.user)
        self.creators = [make_creator() for _ in range(5)]
        self.contests: list[Contest] = []
        # A day ahead of the wall clock: entries are posts published after their contest opened (on the wall clock).
        self.now = timezone.now() + timedelta(days=1)

    def _try(self, fn):
        STATS["steps"] += 1
        try:
            return fn()
        except DomainError:  # a refusal (closed, duplicate, not yet due, a rule): nothing changed
            STATS["refusals"] += 1
            return None

    # ------------------------------------------------------------- rules

    @initialize(tiers=TIERS, views=st.integers(1, 10_000_000))
    def a_contest_with_a_counted_entry(self, tiers, views):
        """Every run starts with a prize contest one creator entered with figures, so the runs that let the
        windows end pay prizes (the checks below then see awards, not only refunds)."""
        self.publish_prizes(tiers, days=1, ranking=Contest.Ranking.VIEWS)
        if self.contests:
            self.enter_with(self.contests[0], self.creators[0], views)

    @rule(tiers=TIERS, days=st.integers(1, 3), ranking=st.sampled_from(list(Contest.Ranking)))
    def publish_prizes(self, tiers, days, ranking):
        contest = self._try(
            lambda: contests.contest_publish(
                brand=self.brand,
                actor=self.owner.user,
                brief=brief(),
                terms=contests.ContestTerms(
                    tiers=tiers,
                    ranking=ranking,
                    pick_from_top=3,
                    count_day=1,
                    submit_until=self.now + timedelta(days=days),
                ),
                now=self.now,
            )
        )
        if contest:
            self.contests.append(contest)

    @rule(cpm=st.integers(500, 5_000), cap=st.integers(1, 100_000), total=st.integers(1, 300_000))
    def publish_cpm(self, cpm, cap, total):
        contest = self._try(
            lambda: contests.contest_publish(
                brand=self.brand,
                actor=self.owner.user,
                brief=brief(),
                terms=contests.ContestTerms(
                    kind=Contest.Kind.CPM,
                    cpm=cpm,
                    creator_cap=min(cap, total),
                    total_cap=total,
                    submit_until=self.now + timedelta(days=2),
                ),
                now=self.now,
            )
        )
        if contest:
            self.contests.append(contest)

    @precondition(lambda self: self.contests)
    @rule(data=st.data(), who=st.integers(0, 4), views=st.none() | st.integers(0, 10_000_000))
    def enter(self, data, who, views):
        # Mostly contests still taking entries (a closed one is refused, which the other rules exercise).
        open_now = [c for c in self.contests if c.submit_until >= self.now] or self.contests
        self.enter_with(data.draw(st.sampled_from(open_now)), self.creators[who], views)

    def enter_with(self, contest, creator, views):
        entry = self._try(
            lambda: contests.contest_enter(
                contest_id=contest.pk,
                actor=creator.user,
                post_url="https://video.example/p/1",
                published_at=self.now,
                now=self.now,
            )
        )
        if entry is not None and views is not None:  # the day's figures, entered when the day is reached
            self._try(
                lambda: contests.entry_transition(
                    entry_id=entry.pk,
                    action="report_results",
                    actor=creator.user,
                    payload={"views": views, "likes": views // 10},
                    now=self.now + timedelta(days=contest.count_day),
                )
            )

    def _entries(self):
        return list(ContestEntry.objects.filter(contest__in=self.contests).select_related("contest", "creator"))

    @precondition(lambda self: self.contests)
    @rule(data=st.data(), views=st.integers(0, 10_000_000), likes_share=st.floats(0, 1))
    def report(self, data, views, likes_share):
        entries = self._entries()
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries))
        self._try(
            lambda: contests.entry_transition(
                entry_id=entry.pk,
                action="report_results",
                actor=entry.creator.user,
                payload={"views": views, "likes": int(views * likes_share)},
                now=max(self.now, entry.published_at + timedelta(days=entry.contest.count_day)),
            )
        )

    @precondition(lambda self: self.contests)
    @rule(data=st.data(), action=st.sampled_from(["withdraw", "report_removed"]))
    def drop(self, data, action):
        entries = self._entries()
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries))
        actor = entry.creator.user if action == "withdraw" else self.owner.user
        self._try(lambda: contests.entry_transition(entry_id=entry.pk, action=action, actor=actor, comment="Gone."))

    @rule(hours=st.sampled_from([1, 12, 48, 24 * 5]))
    def time_passes(self, hours):
        STATS["steps"] += 1
        self.now += timedelta(hours=hours)
        contests.contest_timers_run(now=self.now)

    @rule()
    def every_window_ends(self):
        """Past every counting window (the timer ranks), then past every confirmation (the timer confirms)."""
        STATS["steps"] += 1
        for days in (40, 4):
            self.now += timedelta(days=days)
            contests.contest_timers_run(now=self.now)

    @precondition(lambda self: self.contests)
    @rule(data=st.data(), action=st.sampled_from(["confirm", "dispute", "resolve", "cancel"]))
    def decide(self, data, action):
        contest = data.draw(st.sampled_from(self.contests))
        actor = self.admin if action == "resolve" else self.owner.user
        self._try(
            lambda: contests.contest_transition(
                contest_id=contest.pk, action=action, actor=actor, comment="Reason.", now=self.now
            )
        )

    # ------------------------------------------------------------- invariants

    @invariant()
    def nobody_is_paid_above_the_cap_and_the_brand_pays_at_most_what_it_held(self):
        held = spent = 0
        for contest in Contest.objects.filter(pk__in=[c.pk for c in self.contests]):
            entries = list(contest.entries.all())
            gross = sum(e.prize for e in entries)
            if contest.status in (Contest.Status.SETTLED, Contest.Status.CANCELLED):
                assert contest.awarded == gross
                assert contest.awarded + contest.refunded == contest.pool
                paid = PoolAward.objects.filter(hold_id=contest.hold_id).aggregate(s=Sum("gross"))["s"] or 0
                assert paid == gross <= contest.pool
                spent += contest.awarded
            else:
                assert gross == 0
                held += contest.pool
            for entry in entries:
                if contest.kind == Contest.Kind.CPM:
                    assert entry.prize <= contest.creator_cap
                    assert entry.prize <= (entry.views or 0) * contest.cpm // 1000
                elif entry.prize:
                    assert entry.prize in contest.places
        available = Account.objects.get(kind=Account.Kind.BRAND_AVAILABLE, brand=self.brand).balance
        assert available == TOPUP - held - spent

    @invariant()
    def the_ledger_agrees_with_itself_and_the_holds(self):
        assert ledger_problems() == []

    def teardown(self):
        STATS["settled"] += Contest.objects.filter(
            pk__in=[c.pk for c in self.contests], status=Contest.Status.SETTLED
        ).count()
        STATS["awards"] += ContestEntry.objects.filter(contest__in=self.contests, prize__gt=0).count()


@pytest.mark.slow
@pytest.mark.django_db
def test_random_contests_never_pay_above_the_cap_or_more_than_was_held(settings):
    settings.PLATFORM_FEE_BPS = 1000
    for name in STATS:
        STATS[name] = 0

    run_state_machine_as_test(
        ContestMachine,
        settings=hypothesis_settings(
            max_examples=8,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )

    print(
        f"\nstateful contest test: {STATS['steps']} steps in {STATS['examples']} examples, "
        f"{STATS['settled']} contests settled, {STATS['awards']} prizes paid, {STATS['refusals']} refusals"
    )

    assert STATS["steps"] > 0
    assert STATS["settled"] > 0 and STATS["awards"] > 0
