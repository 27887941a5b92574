"""The agency's share is split on the ledger at settlement: creator net + agency share + platform fee add up
to the deal's price exactly, for every amount and every pair of rates."""

import functools

from django.db.models import Sum
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agencies.models import MAX_SHARE_BPS
from marketplace.core import format_money
from orders.models import Collaboration
from orders.services import deals
from payouts.models import Hold, LedgerEntry
from payouts.selectors import agency_balances, ledger_problems
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, sign
from tests.html import text_of, texts_of_class
from tests.orders.conftest import PRICE, balance, deal_in, make_creator

S = Collaboration.Status


@given(
    gross=st.integers(min_value=0, max_value=10**15),
    fee_bps=st.integers(min_value=0, max_value=10_000),
    agency_bps=st.integers(min_value=0, max_value=MAX_SHARE_BPS),
)
def test_creator_net_agency_share_and_fee_add_up_exactly(gross, fee_bps, agency_bps):
    share, fee = fee_split(gross, fee_bps)
    net, agency = agency_split(share, agency_bps)

    assert net + agency + fee == gross
    assert min(net, agency, fee) >= 0
    assert agency == share * agency_bps // 10_000  # rounded down: any fraction stays with the creator
    assert net >= agency  # the agency never takes more than half


def test_a_settled_deal_pays_creator_agency_and_platform_exactly(world, signed):
    c = deal_in(world, S.SETTLED, creator=signed["creator"])

    hold = Hold.objects.get(collaboration=c)
    share, fee = fee_split(PRICE, 1000)
    net, agency_share = agency_split(share, SHARE_BPS)
    assert (hold.creator_share, hold.agency_share, hold.fee) == (net, agency_share, fee)
    assert net + agency_share + fee == PRICE
    assert balance("creator_available", creator=c.creator) == net
    assert agency_balances(agency_id=signed["agency"].pk) == {"agency_pending": 0, "agency_available": agency_share}
    assert balance("platform_fees") == fee
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
    assert ledger_problems() == []


def test_an_unrepresented_creator_keeps_the_whole_share(world, agency):
    c = deal_in(world, S.SETTLED, creator=make_creator())

    share, _fee = fee_split(PRICE, 1000)
    assert balance("creator_available", creator=c.creator) == share
    assert agency_balances(agency_id=agency["agency"].pk) == {"agency_pending": 0, "agency_available": 0}


def test_the_contract_in_force_when_the_deal_is_agreed_sets_the_share(world, agency):
    # Given a deal agreed before the creator joined the agency
    creator = make_creator()
    c = deal_in(world, S.ACCEPTED, creator=creator)
    sign(agency["owner"], creator)

    # When it is finished and settled under the contract
    from tests.orders.conftest import act

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

    # Then the agency gets nothing of it: it was not the creator's agency when the deal was made
    share, _fee = fee_split(PRICE, 1000)
    assert balance("creator_available", creator=creator) == share
    assert Hold.objects.get(collaboration=c).agency_share == 0
    assert ledger_problems() == []


def test_a_cancellation_fee_is_split_with_the_agency_too(world, signed):
    c = deal_in(world, S.CANCELLED, creator=signed["creator"])

    hold = Hold.objects.get(collaboration=c)
    assert hold.creator_gross == hold.creator_share + hold.agency_share + hold.fee
    assert hold.amount == hold.creator_gross + hold.refunded
    assert ledger_problems() == []


def test_a_represented_creator_sees_the_agency_share_in_what_they_receive(world, signed, client):
    c = deal_in(world, S.ACCEPTED, creator=signed["creator"])
    share, _fee = fee_split(PRICE, 1000)
    net, agency_share = agency_split(share, SHARE_BPS)
    client.force_login(signed["creator"].user)

    deal = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()
    earnings = client.get(reverse("payouts:earnings")).content.decode()

    assert agency_share and texts_of_class(deal, "take-agency") == [f"−{format_money(agency_share, 'CNY')}"]
    # gross − fee − agency share, not gross − fee
    assert texts_of_class(deal, "take-net") == [format_money(net, "CNY")]
    assert text_of(earnings, "earnings-escrow") == format_money(net, "CNY")


def test_before_accepting_the_take_shown_is_what_accepting_will_pay(world, signed, client):
    """An offer's take on the inbox card and the deal page counts the agency's share under the contract in
    force, which accepting fixes on the hold: the creator is never shown more than accepting pays them."""
    c = deal_in(world, S.OFFERED, creator=signed["creator"])
    share, _fee = fee_split(PRICE, 1000)
    net, agency_share = agency_split(share, SHARE_BPS)
    client.force_login(signed["creator"].user)

    inbox = " ".join(client.get(reverse("deals:inbox")).content.decode().split())
    deal = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()
    deals.collaboration_transition(collaboration_id=c.pk, action="accept", actor=signed["creator"].user)
    accepted = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()

    cny = functools.partial(format_money, currency="CNY")
    shown = f"agency share ({SHARE_BPS / 100:g} %) {cny(agency_share)} = you receive <strong>{cny(net)}</strong>"
    assert shown in inbox
    assert texts_of_class(deal, "take-net") == texts_of_class(accepted, "take-net") == [cny(net)]
    assert Hold.objects.get(collaboration=c).agency_bps == SHARE_BPS  # what accepting fixed
