"""The roster's "Pending shares" counts the agency's share of its creators' deals whose money is in escrow (the
share each escrow fixed, after the platform fee), as its label says, and the shares paid but not yet settled."""

from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from payouts.selectors import agency_escrow_share
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, make_agency
from tests.api.clients import api_for
from tests.html import text_of
from tests.orders.conftest import PRICE, deal_in

S = Collaboration.Status


def roster(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("agencies:roster")).content.decode()


def test_a_roster_deal_in_escrow_shows_the_agencys_expected_share(world, signed, client):
    deal_in(world, S.COMPLETED, creator=signed["creator"])  # accepted work, money still in escrow
    share, _fee = fee_split(PRICE, 1000)
    _net, expected = agency_split(share, SHARE_BPS)

    html = roster(client, signed["owner"])

    assert expected == 90_000  # 20 % of CNY 4,500.00
    assert text_of(html, "agency-pending") == format_money(expected, "CNY")
    assert "deals in escrow" in html


def test_once_settled_the_share_is_available_not_pending(world, signed, client):
    deal_in(world, S.SETTLED, creator=signed["creator"])

    html = roster(client, signed["owner"])

    assert text_of(html, "agency-pending") == format_money(0, "CNY")
    assert text_of(html, "agency-available") == format_money(90_000, "CNY")


def test_another_agencys_escrow_is_not_counted(world, signed):
    other, _owner, _manager = make_agency("Other Talent")
    deal_in(world, S.ACCEPTED, creator=signed["creator"])

    assert agency_escrow_share(agency_id=signed["agency"].pk) == 90_000
    assert agency_escrow_share(agency_id=other.pk) == 0


def test_the_api_wallet_counts_the_same_pending_share_as_the_roster(world, signed):
    deal_in(world, S.COMPLETED, creator=signed["creator"])

    wallet = api_for(signed["owner"]).get(reverse("api:agency-wallet")).json()

    assert wallet["pending_minor"] == 90_000 and wallet["available_minor"] == 0
