"""What a creator sees of their money: gross, fee and net before accepting, escrow on its way, statements
in their own terms (which deal, what happened) and never another party's ledger accounts."""

import re

import pytest
from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from payouts.models import Account
from payouts.services.ledger import fee_split
from tests.orders.conftest import PATHS, PRICE, deal_in

S = Collaboration.Status
NET, FEE = fee_split(PRICE, 1000)  # the world's platform fee is 10 %


def cny(minor: int) -> str:
    return format_money(minor, "CNY")


def text(html: bytes) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_offer_in_the_inbox_shows_price_fee_and_what_the_creator_receives(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    page = text(client.get(reverse("deals:inbox")).content)

    assert f"{cny(PRICE)} − platform fee (10 %) {cny(FEE)} = you receive {cny(NET)}" in page


def test_the_accept_screen_shows_gross_fee_and_net_before_accepting(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.get(reverse("deals:collaboration", args=[c.pk]))

    page = text(response.content)
    assert f"If you accept: {cny(PRICE)} − platform fee (10 %) {cny(FEE)} = you receive {cny(NET)}" in page
    assert f"Price (gross) {cny(PRICE)} Platform fee (10 %) −{cny(FEE)} You receive (net) {cny(NET)}" in page


def test_the_fee_shown_is_the_one_fixed_on_the_hold_not_todays(world, client, settings):
    c = deal_in(world, S.OFFERED)  # held at 10 %
    settings.PLATFORM_FEE_BPS = 2500
    client.force_login(c.creator.user)

    inbox = text(client.get(reverse("deals:inbox")).content)
    detail = text(client.get(reverse("deals:collaboration", args=[c.pk])).content)

    for page in (inbox, detail):
        assert f"platform fee (10 %) {cny(FEE)} = you receive {cny(NET)}" in page
        assert "25 %" not in page


def test_an_application_shows_the_take_at_todays_fee(world, client, settings):
    c = deal_in(world, S.APPLIED)
    settings.PLATFORM_FEE_BPS = 2000
    client.force_login(c.creator.user)

    page = text(client.get(reverse("deals:inbox")).content)

    net, fee = fee_split(c.agreed_price, 2000)
    assert f"platform fee (20 %) {cny(fee)} = you receive {cny(net)}" in page


def test_escrowed_money_is_on_its_way_with_its_deal_on_the_earnings_page(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(c.creator.user)

    response = client.get(reverse("payouts:earnings"))

    page = text(response.content)
    html = response.content.decode()
    assert re.search(r'id="earnings-escrow">\s*' + re.escape(cny(NET)), html)
    assert f'href="{reverse("deals:collaboration", args=[c.pk])}"' in html
    assert "when you or the brand confirm the post is still live" in page  # what releases escrow, not acceptance
    assert f"{c.order.title} {cny(PRICE)} −{cny(FEE)} (10 %) {cny(NET)}" in page


def test_once_paid_the_escrow_is_no_longer_on_its_way(world, client):
    c = deal_in(world, S.SETTLED)
    client.force_login(c.creator.user)

    html = client.get(reverse("payouts:earnings")).content.decode()

    assert re.search(r'id="earnings-escrow">\s*' + re.escape(cny(0)), html)
    assert "No money in escrow for you right now" in html


def test_the_statement_says_which_deal_was_paid_with_fee_and_net(world, client):
    c = deal_in(world, S.SETTLED)
    client.force_login(c.creator.user)

    page = text(client.get(reverse("payouts:earnings")).content)

    assert (
        f"Payment for “{c.order.title}” released: {cny(PRICE)}, platform fee (10 %) {cny(FEE)}, net {cny(NET)}. "
        "Now available to pay out."
    ) in page


def test_the_collaboration_money_is_told_in_the_creators_terms(world, client):
    c = deal_in(world, S.SETTLED)
    client.force_login(c.creator.user)

    page = text(client.get(reverse("deals:collaboration", args=[c.pk])).content)

    assert f"The brand set aside {cny(PRICE)} for “{c.order.title}”." in page
    assert f"{cny(PRICE)} for “{c.order.title}” is in escrow" in page
    paid = f"Payment for “{c.order.title}” released: {cny(PRICE)}, platform fee (10 %) {cny(FEE)}, net {cny(NET)}."
    assert paid in page
    assert f"Paid to you (net) {cny(NET)}" in page


ACCOUNT_NAMES = [str(label) for _value, label in Account.Kind.choices]


@pytest.mark.parametrize("state", [s for s, path in PATHS.items() if path is not None] + [S.APPLIED])
def test_no_creator_page_names_another_partys_ledger_account(world, client, state):
    c = deal_in(world, state)
    client.force_login(c.creator.user)

    pages = {
        "collaboration": text(client.get(reverse("deals:collaboration", args=[c.pk])).content),
        "earnings": text(client.get(reverse("payouts:earnings")).content),
        "inbox": text(client.get(reverse("deals:inbox"), {"group": "done"}).content),
    }

    for name, page in pages.items():
        assert [n for n in ACCOUNT_NAMES if n in page] == [], name


def test_the_brand_still_sees_the_ledger_legs_of_its_deal(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(world["owner"])

    page = text(client.get(reverse("deals:collaboration", args=[c.pk])).content)

    assert "Order escrow" in page
    assert "You receive (net)" not in page


@pytest.mark.parametrize(("status", "on_its_way"), [(S.ACCEPTED, NET), (S.SETTLED, 0)], ids=["escrowed", "paid"])
def test_the_api_shows_the_money_on_its_way_as_the_earnings_page_does(world, client, status, on_its_way):
    from tests.api.clients import api_for

    c = deal_in(world, status)
    client.force_login(c.creator.user)

    html = client.get(reverse("payouts:earnings")).content.decode()
    body = api_for(c.creator.user).get(reverse("api:earnings-detail")).json()

    assert re.search(r'id="earnings-escrow">\s*' + re.escape(cny(on_its_way)), html)
    assert body["on_its_way_minor"] == on_its_way
    assert [(d["collaboration"], d["gross_minor"], d["fee_minor"], d["net_minor"]) for d in body["on_its_way"]] == (
        [(c.pk, PRICE, FEE, NET)] if on_its_way else []
    )
