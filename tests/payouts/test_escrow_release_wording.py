"""Escrow is released when the deal settles: after the brand accepts the work, once the brand or the creator
confirms the post is still live (confirm_live; orders.services.collaborations.money: "settle" releases it). The
pages say so, not "when the brand accepts the work": a completed deal's money is still in escrow."""

from django.urls import reverse

from orders.models import Collaboration
from payouts.creator_terms import movement_text
from payouts.models import Hold, LedgerTransaction
from tests.html import text_of
from tests.orders import conftest as deal_world
from tests.orders.conftest import deal_in

S = Collaboration.Status
world = deal_world.world  # a brand with money and a published order (the deal tests' fixture)


def test_a_completed_deal_is_still_in_escrow_and_the_creator_is_told_what_releases_it(world, client):
    c = deal_in(world, S.COMPLETED)  # the brand accepted the work
    client.force_login(c.creator.user)

    html = " ".join(client.get(reverse("payouts:earnings")).content.decode().split())

    assert Hold.objects.get(collaboration=c).status == Hold.Status.ESCROWED
    assert "when the brand accepts the work" not in html
    assert "confirm the post is still live" in text_of(html, "escrow-deals")
    assert "the post is confirmed still live" in html  # the "On its way" card


def test_the_brand_wallet_says_what_pays_the_creator(world, client):
    deal_in(world, S.COMPLETED)
    client.force_login(world["owner"])

    html = " ".join(client.get(reverse("payouts:wallet")).content.decode().split())

    assert "when the work is approved" not in html
    assert "paid to the creator after you accept the work, when you or the creator confirm the post is still live" in (
        html
    )


def test_the_creators_escrow_line_says_the_same(world):
    c = deal_in(world, S.ACCEPTED)
    tx = LedgerTransaction.objects.select_related("order").get(collaboration=c, kind="escrow")

    text = movement_text(tx, c.agreed_price, currency="CNY")

    assert "once the brand has accepted the work and the post is confirmed still live" in text
