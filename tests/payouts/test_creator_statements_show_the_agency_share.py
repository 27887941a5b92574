"""A represented creator's statements add up: wherever the creator is shown gross, platform fee and net, the
agency's share is shown too, with the agency's name, so gross − fee − agency share = net on the page."""

from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from payouts.creator_terms import movement_text
from payouts.models import LedgerTransaction
from payouts.services.ledger import agency_split, fee_split
from tests.agencies import conftest as agency_world
from tests.agencies.conftest import SHARE_BPS
from tests.html import text_of, texts_of_class
from tests.orders import conftest as deal_world
from tests.orders.conftest import PRICE, act, deal_in

S = Collaboration.Status
world = deal_world.world  # a brand with money and a published order (the deal tests' fixture)
agency, signed = agency_world.agency, agency_world.signed  # an agency with a creator on its roster (20 %)
FEE_BPS = 1000
TO_CREATOR = 100_000  # a dispute split: CNY 1,000.00 to the creator


def cny(amount: int) -> str:
    return format_money(amount, "CNY")


def parts(gross: int) -> tuple[int, int, int]:
    """(fee, agency share, net) of ``gross`` by the ledger's own rules."""
    share, fee = fee_split(gross, FEE_BPS)
    net, agency_share = agency_split(share, SHARE_BPS)
    return fee, agency_share, net


def earnings(client, creator) -> str:
    client.force_login(creator.user)
    return client.get(reverse("payouts:earnings")).content.decode()


def test_a_released_payment_names_the_agency_and_its_share_between_fee_and_net(world, signed, client):
    deal_in(world, S.SETTLED, creator=signed["creator"])
    fee, agency_share, net = parts(PRICE)

    statement = text_of(earnings(client, signed["creator"]), "statement")

    name = signed["agency"].name
    line = (
        f"released: {cny(PRICE)}, platform fee (10 %) {cny(fee)}, "
        f"agency share to {name} ({SHARE_BPS // 100} % after the fee) {cny(agency_share)}, net {cny(net)}."
    )
    assert line in statement
    assert PRICE - fee - agency_share == net


def test_a_split_decision_shows_the_agency_share_too(world, signed, client):
    c = deal_in(world, S.DISPUTED, creator=signed["creator"])
    decision = {"decision": "split", "creator_amount": TO_CREATOR, "brand_amount": PRICE - TO_CREATOR}
    act(c, "resolve", world["admin"], payload=decision)
    fee, agency_share, net = parts(TO_CREATOR)

    statement = text_of(earnings(client, signed["creator"]), "statement")

    assert f"{cny(TO_CREATOR)} to you, platform fee (10 %) {cny(fee)}, agency share to {signed['agency'].name}" in (
        statement
    )
    assert f"{cny(agency_share)}, net {cny(net)}." in statement


def test_money_on_its_way_has_an_agency_share_column(world, signed, client):
    deal_in(world, S.ACCEPTED, creator=signed["creator"])
    fee, agency_share, net = parts(PRICE)

    table = text_of(earnings(client, signed["creator"]), "escrow-deals")

    assert "Agency share" in table
    assert f"{cny(PRICE)} −{cny(fee)} (10 %) −{cny(agency_share)} ({signed['agency'].name}, 20 % after the fee)" in (
        table
    )
    assert f"{cny(net)}" in table


def test_the_deal_page_names_the_agency_beside_its_share(world, signed, client):
    c = deal_in(world, S.ACCEPTED, creator=signed["creator"])
    client.force_login(signed["creator"].user)

    deal = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()

    assert f"Agency share to {signed['agency'].name} (20 % after the fee)" in " ".join(deal.split())
    assert texts_of_class(deal, "take-net") == [cny(parts(PRICE)[2])]


def test_an_unrepresented_creator_sees_no_agency(world, client):
    c = deal_in(world, S.SETTLED)
    _share, fee = fee_split(PRICE, FEE_BPS)

    html = earnings(client, c.creator)

    assert f"platform fee (10 %) {cny(fee)}, net {cny(PRICE - fee)}." in text_of(html, "statement")
    assert "agency" not in text_of(html, "statement").lower()


def test_the_monthly_statement_line_is_the_same_sentence(world, signed):
    c = deal_in(world, S.SETTLED, creator=signed["creator"])
    tx = LedgerTransaction.objects.select_related("order", "hold").get(collaboration=c, kind="settle")

    text = movement_text(tx, parts(PRICE)[2], currency="CNY")

    assert f"agency share to {signed['agency'].name}" in text and "Now available to pay out." in text
