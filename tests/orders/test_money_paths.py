"""Each way a deal can end, with every party's balance exactly as the rules say."""

import pytest
from django.db.models import Sum

from orders.models import Collaboration
from payouts.models import LedgerEntry
from payouts.services import fee_split
from tests.orders.conftest import PRICE, TOPUP, act, balance, deal_in

S = Collaboration.Status


def assert_books_balance():
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def parties(world, c):
    return {
        "brand_available": balance("brand_available", brand=world["brand"]),
        "brand_held": balance("brand_held", brand=world["brand"]),
        "escrow": balance("order_escrow", order=world["order"]),
        "creator_pending": balance("creator_pending", creator=c.creator),
        "creator_available": balance("creator_available", creator=c.creator),
        "platform": balance("platform_fees"),
    }


def test_an_offer_holds_the_price_and_accepting_moves_it_to_escrow(world):
    offered = deal_in(world, S.OFFERED)
    assert parties(world, offered) == {
        "brand_available": TOPUP - PRICE,
        "brand_held": PRICE,
        "escrow": 0,
        "creator_pending": 0,
        "creator_available": 0,
        "platform": 0,
    }

    act(offered, "accept", offered.creator.user)

    assert parties(world, offered)["escrow"] == PRICE
    assert parties(world, offered)["brand_held"] == 0
    assert_books_balance()


def test_declining_gives_the_hold_back(world):
    c = deal_in(world, S.CLOSED)

    assert parties(world, c)["brand_available"] == TOPUP
    assert parties(world, c)["brand_held"] == 0
    assert_books_balance()


def test_completed_and_settled_pays_the_creator_less_the_fee(world):
    c = deal_in(world, S.SETTLED)

    share, fee = fee_split(PRICE, 1000)
    assert parties(world, c) == {
        "brand_available": TOPUP - PRICE,
        "brand_held": 0,
        "escrow": 0,
        "creator_pending": 0,
        "creator_available": share,
        "platform": fee,
    }
    assert share + fee == PRICE
    assert_books_balance()


@pytest.mark.parametrize(
    ("state", "revisions", "share_bps"),
    [
        (S.ACCEPTED, 0, 0),
        (S.SCRIPT_SUBMITTED, 0, 1000),
        (S.SCRIPT_APPROVED, 0, 1000),
        (S.VIDEO_SUBMITTED, 0, 5000),
        (S.VIDEO_SUBMITTED, 2, 10000),
    ],
)
def test_brand_cancellation_pays_the_stage_fee_and_refunds_the_rest(world, state, revisions, share_bps):
    c = deal_in(world, state)
    for _ in range(revisions):
        act(c, "request_revision", world["owner"])
        act(c, "submit_video", c.creator.user)

    act(c, "cancel", world["owner"])

    gross = PRICE * share_bps // 10_000
    share, fee = fee_split(gross, 1000)
    assert parties(world, c) == {
        "brand_available": TOPUP - gross,
        "brand_held": 0,
        "escrow": 0,
        "creator_pending": 0,
        "creator_available": share,
        "platform": fee,
    }
    assert_books_balance()


def test_a_missed_script_deadline_lets_the_brand_cancel_with_a_full_refund(world):
    from datetime import timedelta

    from django.utils import timezone

    c = deal_in(world, S.ACCEPTED)

    act(c, "cancel", world["owner"], now=world["order"].script_by + timedelta(hours=1))

    assert parties(world, c)["brand_available"] == TOPUP
    assert parties(world, c)["creator_available"] == 0
    assert timezone.now() < world["order"].script_by  # the clock was moved, not the order
    assert_books_balance()


@pytest.mark.parametrize(("decision", "creator_gross"), [("release", PRICE), ("refund", 0), ("split", 300_000)])
def test_dispute_decisions_pay_exactly_what_the_admin_decided(world, decision, creator_gross):
    c = deal_in(world, S.DISPUTED)
    payload = {"decision": decision}
    if decision == "split":
        payload |= {"creator_amount": creator_gross, "brand_amount": PRICE - creator_gross}

    act(c, "resolve", world["admin"], payload=payload, comment="Both sides heard; evidence reviewed.")

    share, fee = fee_split(creator_gross, 1000)
    assert parties(world, c) == {
        "brand_available": TOPUP - creator_gross,
        "brand_held": 0,
        "escrow": 0,
        "creator_pending": 0,
        "creator_available": share,
        "platform": fee,
    }
    dispute = c.disputes.get()
    assert (dispute.status, dispute.decision, dispute.creator_amount) == ("resolved", decision, creator_gross)
    assert_books_balance()


def test_a_split_that_does_not_add_up_is_refused_and_moves_nothing(world):
    from marketplace.core import DomainError

    c = deal_in(world, S.DISPUTED)
    before = parties(world, c)

    with pytest.raises(DomainError, match="add up"):
        act(
            c,
            "resolve",
            world["admin"],
            payload={"decision": "split", "creator_amount": 100, "brand_amount": 100},
            comment="Split.",
        )

    assert parties(world, c) == before
    c.refresh_from_db()
    assert c.status == S.DISPUTED


def test_a_decision_needs_a_written_reason(world):
    from marketplace.core import DomainError

    c = deal_in(world, S.DISPUTED)

    with pytest.raises(DomainError):
        act(c, "resolve", world["admin"], payload={"decision": "release"}, comment="  ")


def test_an_offer_without_enough_money_is_refused_and_leaves_nothing(world):
    from marketplace.core import InsufficientFunds
    from orders.services import deals
    from tests.orders.conftest import key, make_creator

    world["order"].price_per_creator = TOPUP * 2
    world["order"].save()
    rich = make_creator()
    rich.rate_prices.update(amount=TOPUP + 1)

    with pytest.raises(InsufficientFunds):
        deals.offer_send(order_id=world["order"].pk, creator_id=rich.pk, actor=world["owner"], idempotency_key=key())

    assert not Collaboration.objects.filter(creator=rich).exists()


def test_the_third_script_rejection_sends_the_script_to_admin_review(world):
    c = deal_in(world, S.SCRIPT_SUBMITTED)
    for _ in range(2):
        act(c, "reject_script", world["owner"], comment="Tone it down.")
        act(c, "submit_script", c.creator.user)

    act(c, "reject_script", world["owner"], comment="Still off-brief.")

    c.refresh_from_db()
    assert c.status == S.DISPUTED
    assert c.script_rejections == 3
    assert "admin review" in c.disputes.get().reason
    assert parties(world, c)["escrow"] == PRICE  # frozen


def test_only_two_video_revision_rounds(world):
    from marketplace.core import Conflict

    c = deal_in(world, S.VIDEO_SUBMITTED)
    for _ in range(2):
        act(c, "request_revision", world["owner"], comment="Shorter intro.")
        act(c, "submit_video", c.creator.user)

    with pytest.raises(Conflict, match="revision"):
        act(c, "request_revision", world["owner"], comment="Again.")
