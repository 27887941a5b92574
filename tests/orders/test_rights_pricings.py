"""Usage rights on each way to pay (docs/deals.md, "Usage rights with pay per play and deposits"): what is held,
what is paid, what goes back and what the agency takes add up exactly on the ledger, whatever the pricing."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.urls import reverse

from creators import services as creator_services
from marketplace.core import DomainError, format_money
from orders.models import Collaboration, CollaborationEvent, Order
from orders.services import deals
from orders.services.results import result_record
from payouts.models import Hold, LedgerEntry
from payouts.selectors import agency_balances, ledger_problems
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, make_agency, sign
from tests.orders.conftest import (
    PLAY_BASE,
    PLAY_RATE,
    PRICE,
    TOPUP,
    act,
    balance,
    deal_in,
    deposit_order,
    key,
    make_creator,
    play_order,
)
from tests.orders.test_rights import MONTH, RIGHTS, priced_creator

S = Collaboration.Status
P = Collaboration.Pricing
TOTAL = PRICE + RIGHTS  # the work at CNY 5,000.00 and its rights, CNY 1,600.00 for 45 days


def with_rights(order: Order) -> Order:
    """The order states the brand's accounts and paid-ad codes for 45 days (two started months)."""
    Order.objects.filter(pk=order.pk).update(
        usage_channels=["creator_account", "brand_accounts"], usage_days=45, paid_ads_authorised=True
    )
    order.refresh_from_db()
    return order


def order_for(world, pricing: str) -> Order:
    return with_rights(
        {P.FIXED: lambda w: w["order"], P.PER_PLAY: play_order, P.DEPOSIT: deposit_order}[pricing](world)
    )


def books_add_up() -> None:
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
    assert ledger_problems() == []


def creator_money(c: Collaboration) -> int:
    return balance("creator_available", creator=c.creator) + balance("creator_pending", creator=c.creator)


# ------------------------------------------------------------------ pay per play


@pytest.mark.parametrize(
    ("views", "work_paid"),
    [
        (0, PLAY_BASE),  # no plays: the base
        (300_000, PLAY_BASE + 300_000 * PLAY_RATE // 10_000),  # between the base and the maximum
        (10**9, PRICE),  # far past the maximum: capped at the work's maximum
    ],
    ids=["base-only", "plays", "capped"],
)
def test_a_per_play_deal_holds_the_maximum_plus_the_rights_and_pays_the_rights_in_full(world, views, work_paid):
    # Given a per-play offer on an order that states priced rights: they are priced on the work's maximum
    c = deal_in(world, S.COMPLETED, creator=priced_creator(), order=order_for(world, P.PER_PLAY))
    assert (c.agreed_price, c.rights_price, c.work_price, c.play_base) == (TOTAL, RIGHTS, PRICE, PLAY_BASE)
    hold = Hold.objects.get(collaboration=c)
    assert (hold.amount, hold.status) == (TOTAL, "escrowed")

    # When the day-14 plays are counted and the brand confirms them
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=14, values={"views": views})
    c = act(c, "count_plays", None)
    assert c.play_amount == RIGHTS + work_paid
    c = act(c, "confirm_plays", world["owner"])

    # Then the creator gets the rights in full plus what the plays pay; the rest of the maximum goes back
    hold.refresh_from_db()
    assert (hold.creator_gross, hold.refunded) == (RIGHTS + work_paid, PRICE - work_paid)
    share, fee = fee_split(RIGHTS + work_paid, hold.fee_bps)
    assert (creator_money(c), balance("platform_fees")) == (share, fee)
    assert balance("brand_available", brand=world["brand"]) == TOPUP - RIGHTS - work_paid
    assert balance("order_escrow", order=c.order) == 0
    books_add_up()


def test_a_per_play_page_shows_the_rights_beside_the_maximum(world, client):
    c = deal_in(world, S.OFFERED, creator=priced_creator(), order=order_for(world, P.PER_PLAY))
    client.force_login(world["owner"])

    page = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()

    assert "at most CNY 5,000.00 (the maximum, held up front)" in page
    assert "Plus CNY 1,600.00 for the usage rights, held with the maximum and paid in full whatever the plays." in page


# ------------------------------------------------------------------ deposits


def test_the_deposit_is_ten_percent_of_the_total_and_the_balance_holds_the_requoted_total(world):
    order = order_for(world, P.DEPOSIT)
    creator = priced_creator()
    c = deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    assert (c.agreed_price, c.rights_price, c.deposit) == (TOTAL, RIGHTS, TOTAL // 10)
    assert Hold.objects.get(collaboration=c).amount == TOTAL // 10

    # The creator re-quotes 10 % of the total more: the rights keep their price, the work takes the difference
    c = act(c, "reserve", creator.user)
    requote = TOTAL + TOTAL // 10
    c = act(c, "requote", creator.user, payload={"price": requote})
    c = act(c, "pay_balance", world["owner"])
    assert (c.agreed_price, c.rights_price, c.work_price) == (requote, RIGHTS, requote - RIGHTS)
    assert Hold.objects.get(collaboration=c).amount == requote
    assert balance("brand_available", brand=world["brand"]) == TOPUP - requote

    for action, who in [
        ("submit_script", creator.user),
        ("approve_script", world["owner"]),
        ("submit_video", creator.user),
        ("approve_video", world["owner"]),
        ("publish", creator.user),
        ("accept_work", world["owner"]),
        ("confirm_live", world["owner"]),  # the brand waives the rest of the stays-live check
    ]:
        c = act(c, action, who)

    hold = Hold.objects.get(collaboration=c)
    assert (hold.creator_gross, hold.refunded) == (requote, 0)
    assert creator_money(c) == fee_split(requote, hold.fee_bps)[0]
    assert c.rights_until == c.published_at + timedelta(days=45)
    books_add_up()


def test_a_requote_must_leave_something_for_the_work(world):
    # Rights worth four times the work and more: the band's low end is below what the rights alone cost
    creator = make_creator()
    creator_services.rights_rates_set(
        creator=creator, actor=creator.user, rates={"ad_authorisation": (None, 1_100_000)}
    )
    order = order_for(world, P.DEPOSIT)
    c = deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    c = act(c, "reserve", creator.user)

    with pytest.raises(DomainError) as refused:
        act(c, "requote", creator.user, payload={"price": c.rights_price})

    assert c.rights_price == 2 * 1_100_000  # the ad codes for two months; the brand's accounts are unpriced
    assert refused.value.field == "price" and "usage rights alone" in str(refused.value.detail)
    c.refresh_from_db()
    assert c.status == S.DEPOSIT_PAID and c.counter_price is None


def test_a_forfeited_deposit_is_ten_percent_of_the_total_and_grants_no_rights(world):
    order = order_for(world, P.DEPOSIT)
    creator = priced_creator()
    c = deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    c = act(c, "reserve", creator.user)

    c = act(c, "forfeit_deposit", None, now=c.accepted_at + timedelta(days=7, seconds=1))

    hold = Hold.objects.get(collaboration=c)
    assert (c.status, hold.creator_gross, hold.refunded) == (S.CLOSED, TOTAL // 10, 0)
    assert creator_money(c) == fee_split(TOTAL // 10, hold.fee_bps)[0]
    assert balance("brand_available", brand=world["brand"]) == TOPUP - TOTAL // 10
    assert c.rights_until is None
    books_add_up()


# ------------------------------------------------------------------ cancellation


@pytest.mark.parametrize(("pricing", "base"), [(P.FIXED, PRICE), (P.DEPOSIT, PRICE), (P.PER_PLAY, PLAY_BASE)])
def test_a_cancellation_fee_is_the_stage_share_of_the_work_and_the_rights_go_back(world, client, pricing, base):
    c = deal_in(world, S.VIDEO_SUBMITTED, creator=priced_creator(), order=order_for(world, pricing))
    assert (c.agreed_price, c.rights_price) == (TOTAL, RIGHTS)
    share_bps = c.order.cancellation_schedule["after_video"]
    fee_to_creator = base * share_bps // 10_000
    client.force_login(world["owner"])
    page = client.get(reverse("deals:collaboration", args=[c.pk]))
    assert page.context["cancel_fee"] == fee_to_creator

    c = act(c, "cancel", world["owner"])

    hold = Hold.objects.get(collaboration=c)
    assert share_bps > 0 and (hold.creator_gross, hold.refunded) == (fee_to_creator, TOTAL - fee_to_creator)
    assert creator_money(c) == fee_split(fee_to_creator, hold.fee_bps)[0]
    assert balance("brand_available", brand=world["brand"]) == TOPUP - fee_to_creator
    assert c.rights_until is None
    books_add_up()


# ------------------------------------------------------------------ the agency's share


def test_the_agency_takes_its_share_of_the_rights_and_of_an_extension(world):
    agency, owner, _manager = make_agency()
    creator = priced_creator()
    sign(owner, creator)
    with_rights(world["order"])

    c = deal_in(world, S.SETTLED, creator=creator)
    hold = Hold.objects.get(collaboration=c)
    share, fee = fee_split(TOTAL, hold.fee_bps)
    net, agency_share = agency_split(share, SHARE_BPS)
    assert (hold.creator_share, hold.agency_share, hold.fee) == (net, agency_share, fee)

    c = act(c, "extend_rights", world["owner"])
    paid = CollaborationEvent.objects.get(collaboration=c, action="extend_rights").data
    extension = Hold.objects.get(pk=paid["hold"])
    share2, fee2 = fee_split(MONTH, extension.fee_bps)
    net2, agency_share2 = agency_split(share2, SHARE_BPS)
    assert (paid["price"], extension.creator_share, extension.agency_share, extension.fee) == (
        MONTH,
        net2,
        agency_share2,
        fee2,
    )
    assert balance("creator_available", creator=creator) == net + net2
    assert agency_balances(agency_id=agency.pk)["agency_available"] == agency_share + agency_share2
    assert balance("brand_available", brand=world["brand"]) == TOPUP - TOTAL - MONTH
    books_add_up()


@pytest.mark.parametrize("end", ["settled", "forfeited"])
def test_the_agency_takes_its_share_of_a_deposit_deal_paid_up_or_forfeited(world, end):
    agency, owner, _manager = make_agency()
    creator = priced_creator()
    sign(owner, creator)
    order = order_for(world, P.DEPOSIT)
    if end == "settled":
        c = deal_in(world, S.SETTLED, creator=creator, order=order)
        gross = TOTAL
    else:
        c = deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
        c = act(c, "reserve", creator.user)
        c = act(c, "forfeit_deposit", None, now=c.accepted_at + timedelta(days=7, seconds=1))
        gross = TOTAL // 10

    hold = Hold.objects.get(collaboration=c)
    share, fee = fee_split(gross, hold.fee_bps)
    net, agency_share = agency_split(share, SHARE_BPS)
    assert agency_share > 0
    assert (hold.creator_gross, hold.creator_share, hold.agency_share, hold.fee) == (gross, net, agency_share, fee)
    assert agency_balances(agency_id=agency.pk)["agency_available"] == agency_share
    books_add_up()


def test_an_application_card_shows_the_quote_and_the_rights_the_order_adds(world, client):
    """The creator typed a quote for the work; the order's usage rights are priced on top. The card says both,
    so the total does not look like a quote outside the range the form allowed."""
    c = deal_in(world, S.APPLIED, creator=priced_creator(), order=with_rights(world["order"]))
    client.force_login(c.creator.user)

    page = " ".join(client.get(reverse("deals:inbox")).content.decode().split())

    assert c.rights_price and c.work_price + c.rights_price == c.agreed_price
    work, rights = format_money(c.work_price, "CNY"), format_money(c.rights_price, "CNY")
    assert f"({work} for the work + {rights} for the usage rights the order asks for)" in page
