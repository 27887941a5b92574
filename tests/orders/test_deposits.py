"""Deposit orders (docs/deals.md, "Deposit orders"): 10 % held to reserve, one re-quote within 24 hours and
±20 %, the balance within 7 days or the deposit is forfeited to the creator; the books balance after each."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from marketplace.core import DomainError, InsufficientFunds, InvalidTransition
from orders import deposits
from orders.models import Collaboration
from orders.services import deals
from payouts import services as money
from payouts.models import LedgerEntry
from payouts.services import fee_split
from tests.orders.conftest import PRICE, TOPUP, act, balance, deal_in, deposit_order, key

S = Collaboration.Status
DEPOSIT = PRICE // 10


def books_balance() -> bool:
    return LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def money_of(world, c):
    return {
        "brand_available": balance("brand_available", brand=world["brand"]),
        "brand_held": balance("brand_held", brand=world["brand"]),
        "escrow": balance("order_escrow", order=c.order),
        "creator": balance("creator_available", creator=c.creator),
        "platform": balance("platform_fees"),
    }


def test_the_offer_holds_ten_percent_and_accepting_reserves_without_moving_money(world):
    c = deal_in(world, S.OFFERED, order=deposit_order(world))
    assert (c.pricing, c.deposit, c.agreed_price) == ("deposit", DEPOSIT, PRICE)
    assert money_of(world, c)["brand_held"] == DEPOSIT
    with pytest.raises(InvalidTransition):  # a deposit offer is reserved, not accepted outright
        act(c, "accept", c.creator.user)
    c = act(c, "reserve", c.creator.user)
    assert c.status == S.DEPOSIT_PAID
    assert money_of(world, c)["brand_held"] == DEPOSIT and money_of(world, c)["escrow"] == 0
    assert books_balance()


def test_paying_the_balance_puts_the_whole_price_in_escrow_and_the_deal_runs_as_any(world):
    c = deal_in(world, S.DEPOSIT_PAID, order=deposit_order(world))
    c = act(c, "pay_balance", world["owner"])
    assert c.status == S.ACCEPTED
    assert money_of(world, c) | {"creator": 0} == {
        "brand_available": TOPUP - PRICE,
        "brand_held": 0,
        "escrow": PRICE,
        "creator": 0,
        "platform": 0,
    }
    assert books_balance()


def test_a_requote_within_the_band_is_what_the_balance_is_paid_at(world):
    c = deal_in(world, S.DEPOSIT_PAID, order=deposit_order(world))
    with pytest.raises(DomainError, match="between"):
        deals.deposit_requote(collaboration_id=c.pk, actor=c.creator.user, price=PRICE * 13 // 10)
    c = deals.deposit_requote(collaboration_id=c.pk, actor=c.creator.user, price=PRICE * 12 // 10, note="Longer cut")
    assert c.status == S.REQUOTED
    c = act(c, "pay_balance", world["owner"])
    assert c.agreed_price == PRICE * 12 // 10
    assert money_of(world, c)["escrow"] == PRICE * 12 // 10
    assert money_of(world, c)["brand_available"] == TOPUP - PRICE * 12 // 10
    assert books_balance()


def test_a_declined_requote_leaves_the_price_and_no_second_requote(world):
    c = deal_in(world, S.REQUOTED, order=deposit_order(world))
    c = act(c, "decline_requote", world["owner"])
    assert c.status == S.DEPOSIT_PAID and c.agreed_price == PRICE
    with pytest.raises(InvalidTransition, match="once"):
        deals.deposit_requote(collaboration_id=c.pk, actor=c.creator.user, price=PRICE)


def test_no_requote_after_24_hours(world):
    c = deal_in(world, S.DEPOSIT_PAID, order=deposit_order(world))
    with pytest.raises(InvalidTransition, match="24 hours"):
        deals.deposit_requote(
            collaboration_id=c.pk,
            actor=c.creator.user,
            price=PRICE,
            now=c.accepted_at + deposits.REQUOTE_WITHIN + timedelta(minutes=1),
        )


def test_a_balance_the_wallet_cannot_cover_is_refused_and_nothing_changes(world):
    c = deal_in(world, S.DEPOSIT_PAID, order=deposit_order(world))
    spare = balance("brand_available", brand=world["brand"])
    other = deal_in(world, S.OFFERED)  # spend most of the wallet on another offer
    money.hold(order_id=other.order_id, collaboration_id=None, amount=spare - PRICE - 1, idempotency_key=key())
    entries = LedgerEntry.objects.count()
    with pytest.raises(InsufficientFunds):
        act(c, "pay_balance", world["owner"])
    c.refresh_from_db()
    assert c.status == S.DEPOSIT_PAID and LedgerEntry.objects.count() == entries


def test_an_unpaid_balance_forfeits_the_deposit_to_the_creator_once_after_7_days(world):
    c = deal_in(world, S.DEPOSIT_PAID, order=deposit_order(world))
    due = c.accepted_at + deposits.BALANCE_WITHIN
    assert deals.timers_run(now=due - timedelta(minutes=1))["deposits_forfeited"] == 0
    with pytest.raises(InvalidTransition, match="7 days"):
        act(c, "pay_balance", world["owner"], now=due + timedelta(seconds=1))
    assert deals.timers_run(now=due + timedelta(minutes=1))["deposits_forfeited"] == 1
    assert deals.timers_run(now=due + timedelta(minutes=2))["deposits_forfeited"] == 0
    c.refresh_from_db()
    share, fee = fee_split(DEPOSIT, 1000)
    assert c.status == S.CLOSED
    assert money_of(world, c) == {
        "brand_available": TOPUP - DEPOSIT,
        "brand_held": 0,
        "escrow": 0,
        "creator": share,
        "platform": fee,
    }
    assert books_balance()


def test_a_deposit_order_takes_no_applications(world):
    order = deposit_order(world)
    order.mode = "recruitment"
    order.save(update_fields=["mode"])
    with pytest.raises(DomainError):
        deals.application_submit(
            order_id=order.pk, actor=deal_in(world, S.OFFERED).creator.user, quote=PRICE, pitch="x"
        )


def test_the_brand_is_told_to_pay_the_balance_and_both_see_the_deadline(world):
    from orders.selectors.deadlines import deadlines_for_user, needs_action_for_brand

    c = deal_in(world, S.DEPOSIT_PAID, order=deposit_order(world))
    items, _n = needs_action_for_brand(brand_id=world["brand"].pk)
    due = c.accepted_at + deposits.BALANCE_WITHIN
    assert [(i.kind, i.due) for i in items if i.collaboration.pk == c.pk] == [("balance", due)]
    for user in (world["owner"], c.creator.user):
        assert due in [d.at for d in deadlines_for_user(user=user) if d.kind == "balance"]
