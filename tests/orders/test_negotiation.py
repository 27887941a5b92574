"""Negotiation, one rule for every mode: an offer at the brand's price with a note, one counter within ±20 % and
the offer's 72 hours, the brand accepting it (the hold adjusted in one ledger transaction) or declining it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.core import DomainError, InsufficientFunds, InvalidTransition, NotAllowed
from orders import negotiation
from orders.models import Collaboration
from orders.services import deals
from orders.services.collaborations import allowed_actions
from payouts import services as money
from payouts.models import Hold, LedgerTransaction
from payouts.selectors import ledger_problems, wallet_for_brand
from tests.factories import MembershipFactory
from tests.orders.conftest import PRICE, TOPUP, act, key, make_creator

S = Collaboration.Status
OFFERED = 400_000  # CNY 4,000.00, below the creator's CNY 5,000.00 rate card


def offer(world, creator=None, *, price=OFFERED, note="Two cuts, one with the product close up."):
    creator = creator or make_creator()
    return deals.offer_send(
        order_id=world["order"].pk,
        creator_id=creator.pk,
        actor=world["owner"],
        idempotency_key=key(),
        price=price,
        note=note,
    )


def counter(c, price, note="My usual price for two cuts.", **kw):
    return deals.offer_counter(collaboration_id=c.pk, actor=c.creator.user, price=price, note=note, **kw)


def available(world) -> int:
    return wallet_for_brand(brand_id=world["brand"].pk).available


# ------------------------------------------------------------------ the offer


def test_an_offer_carries_the_brands_price_and_note_beside_the_rate_card_and_holds_that_price(world):
    c = offer(world)

    assert (c.agreed_price, c.list_price, c.offer_note) == (OFFERED, PRICE, "Two cuts, one with the product close up.")
    assert Hold.objects.get(collaboration=c).amount == OFFERED
    assert available(world) == TOPUP - OFFERED


def test_an_offer_without_a_price_is_at_the_rate_card_price(world):
    c = offer(world, price=None, note="")

    assert (c.agreed_price, c.list_price) == (PRICE, PRICE)


BAD_OFFERS = [(0, ""), (-5, ""), (10**13, ""), (OFFERED, "x" * 2001), (OFFERED, "a\x00b")]


@pytest.mark.parametrize(("price", "note"), BAD_OFFERS)
def test_an_offer_with_a_bad_price_or_note_is_refused_and_holds_nothing(world, price, note):
    with pytest.raises(DomainError) as refused:
        offer(world, price=price, note=note)

    assert refused.value.field in ("price", "note")
    assert not Collaboration.objects.exists()
    assert available(world) == TOPUP


# ------------------------------------------------------------------ the counter


@pytest.mark.parametrize("price", [320_000, 480_000, 400_001, 399_999])
def test_a_counter_within_twenty_percent_of_the_offered_price_waits_for_the_brand(world, price):
    c = offer(world)

    c = counter(c, price)

    assert (c.status, c.counter_price, c.agreed_price) == (S.COUNTERED, price, OFFERED)
    assert c.counter_note == "My usual price for two cuts."
    assert Hold.objects.get(collaboration=c).amount == OFFERED  # nothing moves until the brand accepts
    assert set(allowed_actions(c, c.order.brand.memberships.first().user)) >= {"accept_counter", "decline_counter"}


@pytest.mark.parametrize("price", [319_999, 480_001, 0, 10**13])
def test_a_counter_beyond_twenty_percent_is_refused_with_the_band(world, price):
    c = offer(world)

    with pytest.raises(DomainError) as refused:
        counter(c, price)

    assert refused.value.field == "price"
    c.refresh_from_db()
    assert (c.status, c.counter_price) == (S.OFFERED, None)


def test_the_band_message_names_both_ends(world):
    c = offer(world)

    with pytest.raises(DomainError) as refused:
        counter(c, 500_000)

    assert "CNY 3,200.00" in refused.value.detail and "CNY 4,800.00" in refused.value.detail


def test_the_creator_counters_once_even_after_the_brand_declined_the_counter(world):
    c = counter(offer(world), 450_000)
    c = act(c, "decline_counter", world["owner"])
    assert (c.status, c.agreed_price) == (S.OFFERED, OFFERED)
    assert "counter" not in allowed_actions(c, c.creator.user)

    with pytest.raises(InvalidTransition) as refused:
        counter(c, 440_000)

    assert "once" in refused.value.detail


def test_after_a_declined_counter_the_creator_may_still_accept_the_offer_at_its_price(world):
    c = act(counter(offer(world), 450_000), "decline_counter", world["owner"])

    c = act(c, "accept", c.creator.user)

    assert (c.status, c.agreed_price) == (S.ACCEPTED, OFFERED)
    assert Hold.objects.get(collaboration=c).status == Hold.Status.ESCROWED
    assert ledger_problems() == []


def test_a_counter_after_the_offers_72_hours_is_refused(world):
    c = offer(world)
    late = c.offered_at + negotiation.OFFER_TTL + timedelta(seconds=1)

    with pytest.raises(InvalidTransition) as refused:
        counter(c, 450_000, now=late)

    assert "expired" in refused.value.detail


def test_a_counter_at_the_last_moment_of_the_72_hours_is_taken(world):
    c = offer(world)

    c = counter(c, 450_000, now=c.expires_at)

    assert c.status == S.COUNTERED


def test_a_countered_offer_expires_with_the_offer_and_its_money_goes_back(world):
    c = counter(offer(world), 450_000)

    deals.timers_run(now=c.expires_at + timedelta(seconds=1))

    c.refresh_from_db()
    assert c.status == S.CLOSED
    assert Hold.objects.get(collaboration=c).status == Hold.Status.RELEASED
    assert available(world) == TOPUP
    assert ledger_problems() == []


def test_the_brand_cannot_accept_a_counter_once_the_offer_expired(world):
    c = counter(offer(world), 450_000)

    with pytest.raises(InvalidTransition):
        act(c, "accept_counter", world["owner"], now=c.expires_at + timedelta(seconds=1))

    c.refresh_from_db()
    assert c.status == S.COUNTERED
    assert Hold.objects.get(collaboration=c).amount == OFFERED


# ------------------------------------------------------------------ the brand's answer


@pytest.mark.parametrize("counter_price", [480_000, 320_000])
def test_accepting_a_counter_adjusts_the_hold_in_one_ledger_transaction_and_escrows_it(world, counter_price):
    c = counter(offer(world), counter_price)

    c = act(c, "accept_counter", world["owner"])

    assert (c.status, c.agreed_price) == (S.ACCEPTED, counter_price)
    hold = Hold.objects.get(collaboration=c)
    assert (hold.status, hold.amount) == (Hold.Status.ESCROWED, counter_price)
    adjustments = LedgerTransaction.objects.filter(collaboration=c, kind=LedgerTransaction.Kind.HOLD_ADJUST)
    assert adjustments.count() == 1
    legs = sorted(adjustments.get().entries.values_list("account__kind", "amount"))
    delta = counter_price - OFFERED
    assert legs == sorted([("brand_available", -delta), ("brand_held", delta)])
    assert available(world) == TOPUP - counter_price
    assert ledger_problems() == []


def test_a_counter_at_the_offered_price_adjusts_nothing_and_still_escrows(world):
    c = act(counter(offer(world), OFFERED), "accept_counter", world["owner"])

    assert c.status == S.ACCEPTED
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.HOLD_ADJUST).exists()
    assert available(world) == TOPUP - OFFERED


def test_accepting_a_higher_counter_the_wallet_cannot_cover_changes_nothing(world):
    c = counter(offer(world), 480_000)
    spare = available(world)
    money.hold(order_id=world["order"].pk, amount=spare - 10_000, idempotency_key=key(), actor=world["owner"])

    with pytest.raises(InsufficientFunds):
        act(c, "accept_counter", world["owner"])

    c.refresh_from_db()
    assert (c.status, c.agreed_price) == (S.COUNTERED, OFFERED)
    assert Hold.objects.get(collaboration=c).amount == OFFERED
    assert ledger_problems() == []


def test_the_brand_may_withdraw_and_the_creator_decline_a_countered_offer(world):
    withdrawn = act(counter(offer(world), 450_000), "withdraw", world["owner"])
    c = counter(offer(world), 450_000)
    declined = act(c, "decline", c.creator.user)

    assert withdrawn.status == declined.status == S.CLOSED
    assert available(world) == TOPUP
    assert ledger_problems() == []


# ------------------------------------------------------------------ who may act


def test_only_the_offers_creator_counters_and_only_the_brands_editors_answer(world):
    c = counter(offer(world), 450_000)
    stranger_brand = MembershipFactory(role="owner").user

    with pytest.raises(NotAllowed):
        act(c, "accept_counter", stranger_brand)
    with pytest.raises(NotAllowed):
        act(c, "accept_counter", world["viewer"])
    with pytest.raises(NotAllowed):
        act(c, "accept_counter", c.creator.user)
    other = offer(world)
    with pytest.raises(NotAllowed):
        deals.offer_counter(collaboration_id=other.pk, actor=make_creator().user, price=OFFERED)
    with pytest.raises(NotAllowed):
        deals.offer_counter(collaboration_id=other.pk, actor=world["owner"], price=OFFERED)

    c.refresh_from_db()
    assert c.status == S.COUNTERED


def test_an_application_quote_answers_to_the_same_band(world):
    listed = world["order"].per_creator_budget()
    low, high = negotiation.price_band(listed)

    ok = deals.application_submit(order_id=world["order"].pk, actor=make_creator().user, quote=high, pitch="Me.")
    with pytest.raises(DomainError) as refused:
        deals.application_submit(order_id=world["order"].pk, actor=make_creator().user, quote=high + 1, pitch="Me.")

    assert ok.agreed_price == high and low == listed - listed // 5
    assert refused.value.field == "quote"


def test_the_offer_clock_is_the_negotiations_clock(world):
    c = offer(world)

    assert c.expires_at - c.offered_at == negotiation.OFFER_TTL == timedelta(hours=72)
    assert timezone.now() < c.expires_at
