"""Programmes against PostgreSQL: the budget held, the rule computed once at the period's end, paid once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from marketplace.core import DomainError, InsufficientFunds, InvalidTransition
from marketplace.core.models import AuditLog
from payouts import selectors as ledger
from payouts.models import Account, LedgerTransaction
from payouts.services import account_for
from programmes import services
from programmes.models import Award, Programme
from programmes.tasks import close_due_task
from tests.factories import CreatorFactory
from tests.programmes.conftest import completed_order, fund, joined_creator, make_programme

P = Programme.Status


def balance(kind, owner=None):
    return account_for(kind, "CNY", owner).balance


def open_with_history(staff, clock):
    fund(150_000, staff)
    programme = make_programme(actor=staff, start=clock.now - timedelta(days=1))
    services.programme_transition(programme_id=programme.pk, to=P.OPEN, actor=staff)
    a, b, c = (joined_creator(programme) for _ in range(3))
    inside = clock.now
    for _ in range(4):
        completed_order(a, at=inside)  # 4 × 10 000, capped at 30 000
    completed_order(b, at=inside)
    completed_order(b, at=inside, rating=4)  # below the minimum rating
    completed_order(b, at=inside, on_time=False)  # late
    completed_order(c, at=programme.starts_at - timedelta(hours=1))  # before the period
    completed_order(CreatorFactory(), at=inside)  # not joined
    return programme, a, b, c


def test_open_holds_the_budget_and_pay_pays_bonuses_and_returns_the_rest(db, staff, clock):
    programme, a, b, c = open_with_history(staff, clock)
    assert balance(Account.Kind.INCENTIVES) == 50_000
    assert balance(Account.Kind.INCENTIVES_HELD) == 100_000

    clock.advance(days=7)
    assert close_due_task() == [programme.pk]
    programme.refresh_from_db()
    assert programme.status == P.CLOSED
    assert [(s.creator.pk, s.qualifying_orders, s.amount) for s in services.selectors.standings(programme)] == [
        (a.pk, 4, 30_000),
        (b.pk, 1, 10_000),
        (c.pk, 0, 0),
    ]

    services.programme_transition(programme_id=programme.pk, to=P.PAID, actor=staff)

    programme.refresh_from_db()
    assert (programme.status, programme.paid_total, programme.returned) == (P.PAID, 40_000, 60_000)
    assert balance(Account.Kind.CREATOR_AVAILABLE, a.pk) == 30_000
    assert balance(Account.Kind.CREATOR_AVAILABLE, b.pk) == 10_000
    assert balance(Account.Kind.INCENTIVES_HELD) == 0
    assert balance(Account.Kind.INCENTIVES) == 110_000
    bonus_rows = AuditLog.objects.filter(action="money.programme_bonus", object_type="programmes.award")
    assert sorted(row.data["legs"][1]["amount"] for row in bonus_rows) == [10_000, 30_000]
    assert ledger.ledger_problems() == []


def test_paying_twice_pays_once(db, staff, clock):
    programme, a, *_ = open_with_history(staff, clock)
    clock.advance(days=7)
    close_due_task()

    for _ in range(2):
        services.programme_transition(programme_id=programme.pk, to=P.PAID, actor=staff)

    assert LedgerTransaction.objects.filter(kind="programme_bonus").count() == 2
    assert LedgerTransaction.objects.filter(kind="programme_return").count() == 1
    assert balance(Account.Kind.CREATOR_AVAILABLE, a.pk) == 30_000
    assert ledger.ledger_problems() == []


def test_a_worker_dying_mid_payment_pays_nothing_and_the_next_run_pays_everything(db, staff, clock, monkeypatch):
    programme, a, b, _c = open_with_history(staff, clock)
    clock.advance(days=7)
    close_due_task()
    real_pay, calls = services.incentives_pay, []

    def dies_on_the_second(**kwargs):
        calls.append(kwargs["creator_id"])
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_pay(**kwargs)

    monkeypatch.setattr(services, "incentives_pay", dies_on_the_second)
    with pytest.raises(SystemExit):
        services.programme_transition(programme_id=programme.pk, to=P.PAID, actor=staff)
    assert LedgerTransaction.objects.filter(kind="programme_bonus").count() == 0
    assert Programme.objects.get(pk=programme.pk).status == P.CLOSED

    monkeypatch.setattr(services, "incentives_pay", real_pay)
    services.programme_transition(programme_id=programme.pk, to=P.PAID, actor=staff)
    assert balance(Account.Kind.CREATOR_AVAILABLE, a.pk) + balance(Account.Kind.CREATOR_AVAILABLE, b.pk) == 40_000
    assert ledger.ledger_problems() == []


def test_the_period_end_fires_once_on_a_controlled_clock(db, staff, clock):
    programme, a, *_ = open_with_history(staff, clock)

    clock.advance(days=5, hours=23, minutes=59)  # the period ends six days from now
    assert close_due_task() == []  # a minute before the end: nothing
    with pytest.raises(InvalidTransition):
        services.programme_transition(programme_id=programme.pk, to=P.CLOSED, actor=staff)
    clock.advance(minutes=1)
    assert close_due_task() == [programme.pk]
    completed_order(a, at=programme.ends_at - timedelta(seconds=1))  # arrives late: the rule ran already
    clock.advance(hours=1)
    assert close_due_task() == []
    assert Award.objects.filter(programme=programme).count() == 3
    assert Award.objects.get(programme=programme, creator=a).qualifying_orders == 4


def test_opening_needs_the_fund_to_cover_the_budget(db, staff, clock):
    fund(99_999, staff)
    programme = make_programme(actor=staff)
    with pytest.raises(InsufficientFunds):
        services.programme_transition(programme_id=programme.pk, to=P.OPEN, actor=staff)
    assert Programme.objects.get(pk=programme.pk).status == P.DRAFT


def test_joining_checks_stage_interest_and_newness(db, staff, clock):
    fund(100_000, staff)
    programme = make_programme(actor=staff, stages=["departure"], new_creators_only=True)
    services.programme_transition(programme_id=programme.pk, to=P.OPEN, actor=staff)
    veteran = CreatorFactory(growth_stage="harvest")

    with pytest.raises(DomainError) as refused:
        services.programme_join(programme_id=programme.pk, creator=veteran, actor=veteran.user)
    assert "growth stages" in str(refused.value)
    newcomer = joined_creator(programme, growth_stage="departure")
    assert services.programme_join(programme_id=programme.pk, creator=newcomer, actor=None).creator == newcomer


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_pay_once(staff, clock):
    programme, a, _b, _c = open_with_history(staff, clock)
    clock.advance(days=7)
    close_due_task()
    barrier, results = threading.Barrier(2), []

    def confirm():
        try:
            barrier.wait(timeout=30)
            results.append(services.programme_transition(programme_id=programme.pk, to=P.PAID, actor=staff).status)
        except Exception as exc:  # the test looks at what each thread got
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results == [P.PAID, P.PAID]
    assert LedgerTransaction.objects.filter(kind="programme_bonus").count() == 2
    assert balance(Account.Kind.CREATOR_AVAILABLE, a.pk) == 30_000
    assert balance(Account.Kind.INCENTIVES) == 110_000
    assert ledger.ledger_problems() == []
