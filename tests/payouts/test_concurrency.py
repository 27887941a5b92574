"""Real threads against PostgreSQL: duplicate requests and competing holds."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from marketplace.core import InsufficientFunds
from payouts import selectors, services
from payouts.models import Account, Hold, LedgerTransaction, Payout, TopUp
from payouts.services import IdempotencyConflict
from payouts.tasks import payout_send_task
from tests.factories import BrandFactory, CreatorFactory, OrderFactory
from tests.payouts.conftest import fund, new_key

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work: Callable[[int], object]) -> list:
    """Run ``work(i)`` in ``count`` threads released at once; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_twenty_identical_topups_make_one_ledger_transaction(sandbox):
    brand = BrandFactory()

    results = run_together(20, lambda _i: services.topup(brand_id=brand.pk, amount=12_345, idempotency_key="one-topup"))

    assert all(isinstance(result, TopUp) for result in results), results
    assert {(r.pk, r.status, r.amount, r.provider_reference) for r in results} == {
        (results[0].pk, "succeeded", 12_345, results[0].provider_reference)
    }
    assert TopUp.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="topup").count() == 1
    assert len(sandbox.calls("top_up")) == 1
    assert selectors.wallet_for_brand(brand_id=brand.pk).available == 12_345

    with pytest.raises(IdempotencyConflict):
        services.topup(brand_id=brand.pk, amount=54_321, idempotency_key="one-topup")

    assert TopUp.objects.count() == 1
    assert selectors.wallet_for_brand(brand_id=brand.pk).available == 12_345
    assert selectors.ledger_problems() == []


def test_the_same_key_with_two_amounts_at_once_applies_exactly_one():
    brand = BrandFactory()

    results = run_together(
        10, lambda i: services.topup(brand_id=brand.pk, amount=100 + i % 2, idempotency_key="racing")
    )

    winners = [r for r in results if isinstance(r, TopUp)]
    losers = [r for r in results if isinstance(r, IdempotencyConflict)]
    assert len(winners) + len(losers) == 10
    assert {w.pk for w in winners} == {TopUp.objects.get().pk}
    assert all(w.amount == winners[0].amount for w in winners)
    assert selectors.wallet_for_brand(brand_id=brand.pk).available == winners[0].amount


@pytest.mark.parametrize(("threads", "amount"), [(12, 300), (8, 1_000)])
def test_competing_holds_never_hold_more_than_the_balance(threads, amount):
    order = OrderFactory(brand=BrandFactory())
    creator = CreatorFactory()
    fund(order.brand, 1_000)

    results = run_together(
        threads,
        lambda _i: services.hold(order_id=order.pk, creator_id=creator.pk, amount=amount, idempotency_key=new_key()),
    )

    held = [r for r in results if isinstance(r, Hold)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(held) + len(refused) == threads, results
    assert len(held) == 1_000 // amount
    wallet = selectors.wallet_for_brand(brand_id=order.brand_id)
    assert wallet.held == amount * len(held) <= 1_000
    assert wallet.available == 1_000 - wallet.held
    assert not Account.objects.exclude(kind=Account.Kind.PROVIDER).filter(balance__lt=0).exists()
    assert selectors.ledger_problems() == []


def test_a_payout_task_delivered_many_times_pays_once(sandbox, monkeypatch):
    order = OrderFactory(brand=BrandFactory())
    creator = CreatorFactory()
    fund(order.brand, 10_000)
    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=10_000, idempotency_key=new_key())
    services.escrow(hold_id=held.pk, idempotency_key=new_key())
    services.release(hold_id=held.pk, idempotency_key=new_key())
    services.settle(hold_id=held.pk, idempotency_key=new_key())
    queued = []  # the broker: holds the message until the workers below take it
    monkeypatch.setattr("payouts.services.payout._enqueue", queued.append)
    payout = services.payout_request(creator_id=creator.pk, amount=9_000, idempotency_key=new_key())
    assert queued == [payout.pk]

    statuses = run_together(8, lambda _i: payout_send_task.apply(args=[payout.pk]).get())

    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT
    assert set(statuses) <= {"sending", "sent"}, statuses
    sends = sandbox.calls("send_payout")
    assert [call.idempotency_key for call in sends] == [payout.provider_key]
    assert payout.attempts == 1
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert selectors.ledger_problems() == []
