"""A Hypothesis state machine drives random sequences of every money flow against PostgreSQL.

Every step commits for real (``transaction=True``), so the deferred zero-sum trigger checks each
ledger transaction. The machine keeps its own model of every balance and compares after each
step, together with the ledger-wide invariants. Run with ``-s`` to see how many steps it ran.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from marketplace.core import DomainError, InsufficientFunds, InvalidTransition
from payouts import selectors, services
from payouts.models import Account, Hold, IdempotencyKey, LedgerEntry, LedgerTransaction, Payout, TopUp
from payouts.services import IdempotencyConflict, fee_split
from tests.factories import BrandFactory, CreatorFactory, OrderFactory

FEE_BPS = 1000
MINIMUM = 100
AMOUNTS = st.integers(min_value=1, max_value=2_000_000)
LEDGER_MODELS = [LedgerEntry, LedgerTransaction, IdempotencyKey, Hold, Payout, TopUp, Account]
STATS = {"steps": 0, "examples": 0, "replays": 0, "conflicts": 0, "refusals": 0}


@dataclass
class Expected:
    """What every balance should be, computed by the test on its own."""

    available: int = 0
    held: int = 0
    escrow: dict[int, int] = field(default_factory=dict)
    funded: dict[int, int] = field(default_factory=dict)  # per order: everything escrowed
    released: dict[int, int] = field(default_factory=dict)  # per order: gross paid towards creators
    refunded: dict[int, int] = field(default_factory=dict)  # per order: given back to the brand
    pending: dict[int, int] = field(default_factory=dict)
    creator_available: dict[int, int] = field(default_factory=dict)
    fees: int = 0
    holds: dict[int, str] = field(default_factory=dict)  # hold id -> status
    shares: dict[int, int] = field(default_factory=dict)  # hold id -> unsettled creator share


@dataclass(frozen=True)
class Call:
    service: str
    kwargs: dict
    result_id: int


def key() -> str:
    return uuid.uuid4().hex


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        STATS["examples"] += 1
        self.brand = BrandFactory()
        self.orders = [OrderFactory(brand=self.brand, currency="CNY") for _ in range(2)]
        self.creators = [CreatorFactory() for _ in range(2)]
        self.x = Expected(
            escrow={o.pk: 0 for o in self.orders},
            funded={o.pk: 0 for o in self.orders},
            released={o.pk: 0 for o in self.orders},
            refunded={o.pk: 0 for o in self.orders},
            pending={c.pk: 0 for c in self.creators},
            creator_available={c.pk: 0 for c in self.creators},
        )
        self.hold_orders: dict[int, int] = {}
        self.hold_creators: dict[int, int] = {}
        self.hold_amounts: dict[int, int] = {}
        self.calls: list[Call] = []
        self.fees_before = _platform_fees()

    def teardown(self) -> None:
        # Each example starts from an empty ledger, so a failure shrinks to the steps that caused it; CASCADE
        # empties whatever points at the ledger too (awards, invoices), none of which this machine writes.
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in LEDGER_MODELS)} CASCADE")

    # ---------------------------------------------------------------- helpers

    def _call(self, service: str, **kwargs):
        STATS["steps"] += 1
        result = getattr(services, service)(**kwargs)
        self.calls.append(Call(service, kwargs, result.pk))
        return result

    def _holds(self, *statuses: str) -> list[int]:
        return sorted(pk for pk, status in self.x.holds.items() if status in statuses)

    def _refused(self, error: type[Exception], service: str, **kwargs) -> None:
        STATS["steps"] += 1
        STATS["refusals"] += 1
        before = LedgerTransaction.objects.count()
        with pytest.raises(error):
            getattr(services, service)(**kwargs)
        assert LedgerTransaction.objects.count() == before

    # ------------------------------------------------------------------ rules

    @rule(amount=AMOUNTS)
    def topup(self, amount):
        self._call("topup", brand_id=self.brand.pk, amount=amount, idempotency_key=key())
        self.x.available += amount

    @precondition(lambda self: self.x.available > 0)
    @rule(data=st.data(), order=st.integers(0, 1), creator=st.integers(0, 1))
    def hold(self, data, order, creator):
        amount = data.draw(st.integers(1, self.x.available))
        order_id, creator_id = self.orders[order].pk, self.creators[creator].pk
        kwargs = {"order_id": order_id, "creator_id": creator_id, "amount": amount, "idempotency_key": key()}
        held = self._call("hold", **kwargs)
        self.x.available -= amount
        self.x.held += amount
        self.x.holds[held.pk] = Hold.Status.HELD
        self.hold_orders[held.pk], self.hold_creators[held.pk], self.hold_amounts[held.pk] = (
            order_id,
            creator_id,
            amount,
        )

    @precondition(lambda self: self._holds(Hold.Status.HELD))
    @rule(data=st.data())
    def release_hold(self, data):
        pk = data.draw(st.sampled_from(self._holds(Hold.Status.HELD)))
        self._call("release_hold", hold_id=pk, idempotency_key=key())
        self.x.held -= self.hold_amounts[pk]
        self.x.available += self.hold_amounts[pk]
        self.x.holds[pk] = Hold.Status.RELEASED

    @precondition(lambda self: self._holds(Hold.Status.HELD))
    @rule(data=st.data())
    def escrow(self, data):
        pk = data.draw(st.sampled_from(self._holds(Hold.Status.HELD)))
        self._call("escrow", hold_id=pk, idempotency_key=key())
        amount, order_id = self.hold_amounts[pk], self.hold_orders[pk]
        self.x.held -= amount
        self.x.escrow[order_id] += amount
        self.x.funded[order_id] += amount
        self.x.holds[pk] = Hold.Status.ESCROWED

    @precondition(lambda self: self._holds(Hold.Status.ESCROWED))
    @rule(data=st.data(), outcome=st.sampled_from(["release", "refund", "split", "cancellation_fee"]))
    def resolve(self, data, outcome):
        pk = data.draw(st.sampled_from(self._holds(Hold.Status.ESCROWED)))
        amount = self.hold_amounts[pk]
        kwargs: dict = {"hold_id": pk, "idempotency_key": key()}
        if outcome == "release":
            gross, status = amount, Hold.Status.PAID
        elif outcome == "refund":
            gross, status = 0, Hold.Status.REFUNDED
        elif outcome == "split":
            gross, status = data.draw(st.integers(0, amount)), Hold.Status.SPLIT
            kwargs["creator_amount"] = gross
        else:
            share_bps = data.draw(st.sampled_from([0, 1000, 5000, 10_000]) | st.integers(0, 10_000))
            gross, status = amount * share_bps // 10_000, Hold.Status.CANCELLED
            kwargs["share_bps"] = share_bps
        resolved = self._call(outcome, **kwargs)
        share, fee = fee_split(gross, FEE_BPS)
        assert (resolved.status, resolved.creator_share, resolved.fee) == (status, share, fee)
        order_id, creator_id = self.hold_orders[pk], self.hold_creators[pk]
        self.x.escrow[order_id] -= amount
        self.x.released[order_id] += gross
        self.x.refunded[order_id] += amount - gross
        self.x.available += amount - gross
        self.x.pending[creator_id] += share
        self.x.fees += fee
        self.x.holds[pk] = status
        if share:
            self.x.shares[pk] = share

    @precondition(lambda self: self.x.shares)
    @rule(data=st.data())
    def settle(self, data):
        pk = data.draw(st.sampled_from(sorted(self.x.shares)))
        self._call("settle", hold_id=pk, idempotency_key=key())
        share = self.x.shares.pop(pk)
        self.x.pending[self.hold_creators[pk]] -= share
        self.x.creator_available[self.hold_creators[pk]] += share

    @precondition(lambda self: max(self.x.creator_available.values()) >= MINIMUM)
    @rule(data=st.data())
    def payout(self, data):
        creator_id = data.draw(st.sampled_from([c for c, v in self.x.creator_available.items() if v >= MINIMUM]))
        balance = self.x.creator_available[creator_id]
        amount = data.draw(st.integers(MINIMUM, balance))
        payout = self._call("payout_request", creator_id=creator_id, amount=amount, idempotency_key=key())
        # The send task ran eagerly at commit, through the sandbox.
        assert Payout.objects.get(pk=payout.pk).status == Payout.Status.SENT
        self.x.creator_available[creator_id] -= amount

    @rule(data=st.data(), what=st.sampled_from(["hold", "payout", "small_payout", "again"]))
    def refused_request(self, data, what):
        """More than the balance, a payout below the minimum, or a hold resolved twice: refused, no effect."""
        creator_id = self.creators[data.draw(st.integers(0, 1))].pk
        done = self._holds(*Hold.RESOLVED, Hold.Status.RELEASED)
        if what == "hold":
            amount = self.x.available + data.draw(st.integers(1, 10**6))
            self._refused(InsufficientFunds, "hold", order_id=self.orders[0].pk, amount=amount, idempotency_key=key())
        elif what == "payout":
            amount = max(MINIMUM, self.x.creator_available[creator_id] + data.draw(st.integers(1, 10**6)))
            self._refused(
                InsufficientFunds, "payout_request", creator_id=creator_id, amount=amount, idempotency_key=key()
            )
        elif what == "small_payout" or not done:
            amount = data.draw(st.integers(1, MINIMUM - 1))
            self._refused(DomainError, "payout_request", creator_id=creator_id, amount=amount, idempotency_key=key())
        else:
            step = data.draw(st.sampled_from(["escrow", "release_hold", "release", "refund", "split"]))
            extra = {"creator_amount": 0} if step == "split" else {}
            self._refused(
                InvalidTransition, step, hold_id=data.draw(st.sampled_from(done)), idempotency_key=key(), **extra
            )

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def replay(self, data):
        call = data.draw(st.sampled_from(self.calls))
        STATS["steps"] += 1
        STATS["replays"] += 1
        before = LedgerTransaction.objects.count()

        again = getattr(services, call.service)(**call.kwargs)

        assert again.pk == call.result_id
        assert LedgerTransaction.objects.count() == before

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def reuse_key_for_another_request(self, data):
        call = data.draw(st.sampled_from(self.calls))
        STATS["conflicts"] += 1
        same_key = call.kwargs["idempotency_key"]
        if "amount" in call.kwargs:
            self._refused(IdempotencyConflict, call.service, **{**call.kwargs, "amount": call.kwargs["amount"] + 1})
        elif call.service == "settle":  # a creator-scoped key, reused for a payout
            creator_id = self.hold_creators[call.kwargs["hold_id"]]
            self._refused(
                IdempotencyConflict, "payout_request", creator_id=creator_id, amount=MINIMUM, idempotency_key=same_key
            )
        else:  # a brand-scoped key, reused for another step on the same hold
            other = "release" if call.service == "refund" else "refund"
            self._refused(IdempotencyConflict, other, hold_id=call.kwargs["hold_id"], idempotency_key=same_key)

    # ------------------------------------------------------------- invariants

    @invariant()
    def ledger_is_consistent(self):
        # Zero sum per currency and per transaction, cached == recomputed, nothing but the provider
        # negative, and every kind of balance equal to what the holds, top-ups and payouts imply.
        assert selectors.ledger_problems() == []

    @invariant()
    def balances_match_the_model(self):
        k = Account.Kind
        mine = Q(brand=self.brand) | Q(order__in=self.orders) | Q(creator__in=self.creators) | Q(kind=k.PLATFORM_FEES)
        rows = Account.objects.filter(mine, currency="CNY").values_list("kind", "brand", "order", "creator", "balance")
        actual = {(kind, brand or order or creator): balance for kind, brand, order, creator, balance in rows}
        expected = {
            (k.BRAND_AVAILABLE, self.brand.pk): self.x.available,
            (k.BRAND_HELD, self.brand.pk): self.x.held,
            (k.PLATFORM_FEES, None): self.fees_before + self.x.fees,
        }
        for order in self.orders:
            escrow = self.x.funded[order.pk] - self.x.released[order.pk] - self.x.refunded[order.pk]
            assert escrow == self.x.escrow[order.pk]
            expected[(k.ORDER_ESCROW, order.pk)] = escrow
        for creator in self.creators:
            expected[(k.CREATOR_PENDING, creator.pk)] = self.x.pending[creator.pk]
            expected[(k.CREATOR_AVAILABLE, creator.pk)] = self.x.creator_available[creator.pk]
        assert {key: actual.get(key, 0) for key in expected} == expected
        assert dict(Hold.objects.filter(brand=self.brand).values_list("pk", "status")) == self.x.holds


def _platform_fees() -> int:
    fees = Account.objects.filter(kind=Account.Kind.PLATFORM_FEES, currency="CNY")
    return fees.values_list("balance", flat=True).first() or 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_random_money_flows_keep_every_invariant(settings):
    settings.PLATFORM_FEE_BPS = FEE_BPS
    settings.PAYOUT_MINIMUM = MINIMUM
    for name in STATS:
        STATS[name] = 0

    run_state_machine_as_test(LedgerMachine, settings=settings_for_ci())

    print(
        f"\nstateful ledger test: {STATS['steps']} steps in {STATS['examples']} examples "
        f"({STATS['replays']} replays, {STATS['conflicts']} key conflicts, {STATS['refusals']} refusals)"
    )
    assert STATS["steps"] > 0


def settings_for_ci():
    """Bounded so the test stays well under a minute; raise max_examples locally to dig deeper."""
    return hypothesis_settings(
        max_examples=20,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
