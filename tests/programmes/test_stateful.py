"""A Hypothesis state machine runs random programmes over random order histories against PostgreSQL.

Each example funds the incentives, opens a programme with a random rule, lets creators join, completes
orders inside and outside the period (some late, some rated low), moves a controlled clock and confirms
payment, sometimes twice. Every step commits for real (``transaction=True``), so the deferred zero-sum
trigger checks each ledger transaction. The machine keeps its own count of qualifying orders and checks
the awards, the balances and ``ledger_problems()`` after every step. Run with ``-s`` to see the steps.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
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

from payouts import selectors as ledger
from payouts.models import Account
from payouts.services import account_for, incentives_fund
from programmes import rules, services
from programmes.models import Award, Programme
from programmes.tasks import close_due_task
from tests.factories import CollaborationFactory, CreatorFactory

P = Programme.Status
K = Account.Kind
STATS = {"steps": 0, "examples": 0, "closed": 0, "paid": 0}
CLOCK = {"now": None}


def balance(kind, owner=None) -> int:
    return account_for(kind, "CNY", owner).balance


class ProgrammeMachine(RuleBasedStateMachine):
    @initialize(
        budget=st.integers(1, 500_000),
        cap=st.integers(1, 200_000),
        mode=st.sampled_from([rules.PER_ORDER, rules.PRO_RATA]),
        per_order=st.integers(1, 80_000),
        min_rating=st.integers(1, 5),
        on_time=st.booleans(),
    )
    def open_programme(self, budget, cap, mode, per_order, min_rating, on_time):
        STATS["examples"] += 1
        # programme_create refuses a bonus or a cap above the budget; at the budget is the edge kept in play.
        cap, per_order = min(cap, budget), min(per_order, budget)
        CLOCK["now"] = timezone.localtime().replace(microsecond=0) if CLOCK["now"] is None else CLOCK["now"]
        incentives_fund(amount=budget, idempotency_key=str(uuid.uuid4()), actor=None)
        self.fund_before = balance(K.INCENTIVES) - budget
        self.programme = services.programme_create(
            actor=None,
            name="machine",
            budget=budget,
            starts_at=CLOCK["now"],
            ends_at=CLOCK["now"] + timedelta(days=5),
            min_brand_rating=min_rating,
            require_on_time=on_time,
            mode=mode,
            per_order_amount=per_order if mode == rules.PER_ORDER else None,
            cap_per_creator=cap,
        )
        services.programme_transition(programme_id=self.programme.pk, to=P.OPEN, actor=None)
        self.counts: dict[int, int] = {}

    def status(self) -> str:
        return Programme.objects.values_list("status", flat=True).get(pk=self.programme.pk)

    @rule()
    def a_creator_joins(self):
        STATS["steps"] += 1
        creator = CreatorFactory()
        if self.status() == P.OPEN and CLOCK["now"] < self.programme.ends_at:
            services.programme_join(programme_id=self.programme.pk, creator=creator, actor=None)
            self.counts[creator.pk] = 0

    @precondition(lambda self: self.counts)
    @rule(pick=st.integers(0, 10**6), rating=st.integers(1, 5), on_time=st.booleans(), before=st.booleans())
    def an_order_completes(self, pick, rating, on_time, before):
        STATS["steps"] += 1
        creator_id = sorted(self.counts)[pick % len(self.counts)]
        at = self.programme.starts_at - timedelta(minutes=1) if before else CLOCK["now"]
        CollaborationFactory(
            creator_id=creator_id,
            status="completed",
            accepted=True,
            completed_at=at,
            brand_rating=rating,
            completed_on_time=on_time,
        )
        counts = (
            self.status() == P.OPEN
            and self.programme.starts_at <= at < self.programme.ends_at
            and rating >= self.programme.min_brand_rating
            and (on_time or not self.programme.require_on_time)
        )
        self.counts[creator_id] += int(counts)

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours):
        STATS["steps"] += 1
        was_open = self.status() == P.OPEN
        CLOCK["now"] += timedelta(hours=hours)
        closed = close_due_task()
        should_close = was_open and CLOCK["now"] >= self.programme.ends_at
        assert (self.programme.pk in closed) == should_close
        STATS["closed"] += int(should_close)

    @precondition(lambda self: True)
    @rule(twice=st.booleans())
    def staff_confirm_payment(self, twice):
        STATS["steps"] += 1
        if self.status() not in (P.CLOSED, P.PAID):
            return
        before = {cid: balance(K.CREATOR_AVAILABLE, cid) for cid in self.counts}
        first_time = self.status() == P.CLOSED
        for _ in range(2 if twice else 1):
            services.programme_transition(programme_id=self.programme.pk, to=P.PAID, actor=None)
        awards = dict(Award.objects.filter(programme=self.programme).values_list("creator_id", "amount"))
        for cid in self.counts:
            assert balance(K.CREATOR_AVAILABLE, cid) - before[cid] == (awards[cid] if first_time else 0)
        STATS["paid"] += int(first_time)

    @invariant()
    def money_adds_up(self):
        if not hasattr(self, "programme"):
            return
        programme = Programme.objects.get(pk=self.programme.pk)
        awards = dict(Award.objects.filter(programme=programme).values_list("creator_id", "amount"))
        if programme.status in (P.CLOSED, P.PAID):
            expected = rules.allocate(
                self.counts,
                pool=programme.budget,
                mode=programme.mode,
                per_order=programme.per_order_amount,
                cap=programme.cap_per_creator,
            )
            assert awards == expected
            assert sum(awards.values()) <= programme.budget
            assert all(amount <= programme.cap_per_creator for amount in awards.values())
        if programme.status == P.PAID:
            assert programme.paid_total == sum(awards.values())
            assert programme.paid_total + programme.returned == programme.budget
            assert balance(K.INCENTIVES) == self.fund_before + programme.returned
        else:
            assert balance(K.INCENTIVES) == self.fund_before
        assert ledger.ledger_problems() == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_random_programmes_pay_what_the_rule_says_once(settings, monkeypatch):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.CURRENCY = "CNY"
    for name in STATS:
        STATS[name] = 0
    CLOCK["now"] = None
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: CLOCK["now"] or real_now())

    run_state_machine_as_test(
        ProgrammeMachine,
        settings=hypothesis_settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )

    print(
        f"\nstateful programme test: {STATS['steps']} steps in {STATS['examples']} examples "
        f"({STATS['closed']} period ends, {STATS['paid']} payments)"
    )
    assert STATS["steps"] > 0 and STATS["closed"] > 0 and STATS["paid"] > 0
