"""Reads for the wallet, earnings and admin pages."""

import pytest

from payouts import selectors, services
from payouts.models import Account
from tests.payouts.conftest import escrowed_hold, fund, new_key

pytestmark = pytest.mark.django_db


def test_brand_statement_shows_each_movement_with_the_balance_after_it(order, creator):
    fund(order.brand, 10_000)
    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=4_000, idempotency_key=new_key())
    services.release_hold(hold_id=held.pk, idempotency_key=new_key())
    fund(order.brand, 500)

    rows = list(selectors.brand_statement(brand_id=order.brand_id))

    assert [(r.transaction.kind, r.amount, r.running_balance) for r in rows] == [
        ("topup", 500, 10_500),
        ("release_hold", 4_000, 10_000),
        ("hold", -4_000, 6_000),
        ("topup", 10_000, 10_000),
    ]


def test_statement_pages_keep_the_running_balance_of_the_whole_history(brand):
    for amount in (100, 200, 300):
        fund(brand, amount)

    first_page = list(selectors.brand_statement(brand_id=brand.pk)[:1])

    assert [(r.amount, r.running_balance) for r in first_page] == [(300, 600)]


def test_a_brand_without_money_has_an_empty_wallet_and_statement(brand):
    wallet = selectors.wallet_for_brand(brand_id=brand.pk)

    assert (wallet.available, wallet.held, wallet.in_escrow, wallet.total) == (0, 0, 0, 0)
    assert list(selectors.brand_statement(brand_id=brand.pk)) == []


def test_wallet_counts_available_held_and_escrow(order, creator):
    escrowed_hold(order, creator, 3_000)
    fund(order.brand, 1_000)
    services.hold(order_id=order.pk, creator_id=creator.pk, amount=400, idempotency_key=new_key())

    wallet = selectors.wallet_for_brand(brand_id=order.brand_id)

    assert (wallet.available, wallet.held, wallet.in_escrow, wallet.currency) == (600, 400, 3_000, "CNY")


def test_creator_earnings_show_pending_available_in_flight_and_paid(order, creator):
    first = services.release(hold_id=escrowed_hold(order, creator, 10_000).pk, idempotency_key=new_key())
    services.settle(hold_id=first.pk, idempotency_key=new_key())
    services.release(hold_id=escrowed_hold(order, creator, 2_000).pk, idempotency_key=new_key())
    services.payout_request(creator_id=creator.pk, amount=5_000, idempotency_key=new_key())

    earnings = selectors.earnings_for_creator(creator_id=creator.pk)

    assert (earnings.pending, earnings.available, earnings.in_flight, earnings.paid_out) == (1_800, 4_000, 5_000, 0)
    assert [p.amount for p in selectors.payouts_for_creator(creator_id=creator.pk)] == [5_000]


def test_platform_overview_balances_per_kind_add_up_to_zero(order, creator):
    services.split(hold_id=escrowed_hold(order, creator, 10_000).pk, creator_amount=5_000, idempotency_key=new_key())

    (cny,) = selectors.platform_overview()

    balances = {k.kind: k.balance for k in cny.kinds}
    assert balances == {
        Account.Kind.PROVIDER: -10_000,
        Account.Kind.BRAND_AVAILABLE: 5_000,
        Account.Kind.BRAND_HELD: 0,
        Account.Kind.ORDER_ESCROW: 0,
        Account.Kind.CREATOR_PENDING: 4_500,
        Account.Kind.PLATFORM_FEES: 500,
    }
    assert cny.balanced
    assert [t.kind for t in selectors.recent_transactions(limit=2)] == ["split", "escrow"]
