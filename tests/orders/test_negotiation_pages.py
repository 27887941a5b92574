"""Negotiation in the web pages, with and without JavaScript: the brand's price and note (from a profile and
from the ranked list, each row its own), the creator's counter form, the brand's answer on the collaboration
page and on the order's board."""

import pytest
from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from orders.services import deals
from payouts.models import Hold, LedgerTransaction
from payouts.selectors import ledger_problems
from tests.html import text_of
from tests.orders.conftest import PRICE, key, make_creator
from tests.orders.test_pages_brand import form_key, order_page, send_url, stored_ranking
from tests.pages import page_as_shown

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}
OFFERED = 400_000


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def cny(minor: int) -> str:
    return format_money(minor, "CNY")


def offered(world, creator=None, note="Two cuts, please.") -> Collaboration:
    creator = creator or make_creator()
    return deals.offer_send(
        order_id=world["order"].pk,
        creator_id=creator.pk,
        actor=world["owner"],
        idempotency_key=key(),
        price=OFFERED,
        note=note,
    )


def act_url(c, action: str) -> str:
    return reverse("deals:act", args=[c.pk, action])


def page(c) -> str:
    return reverse("deals:collaboration", args=[c.pk])


# ------------------------------------------------------------------ the brand's offer


def test_an_offer_from_a_profile_takes_the_brands_price_and_note_and_the_creator_reads_them(world, client):
    creator = make_creator()
    client.force_login(world["owner"])
    url = reverse("deals:offer_create", args=[creator.handle])

    form = client.get(url).content.decode()
    response = client.post(
        url,
        {"order": world["order"].pk, "price": "4,000", "note": "Two cuts, please.", "idempotency_key": form_key()},
        follow=True,
    )
    client.force_login(creator.user)
    creator_page = client.get(response.redirect_chain[-1][0]).content.decode()
    inbox = client.get(reverse("deals:inbox")).content.decode()

    assert 'name="price"' in form and 'name="note"' in form and cny(PRICE) in form  # beside the rate card
    c = Collaboration.objects.get(creator=creator)
    assert (c.agreed_price, c.list_price, c.offer_note) == (OFFERED, PRICE, "Two cuts, please.")
    assert Hold.objects.get(collaboration=c).amount == OFFERED
    assert cny(OFFERED) in creator_page and cny(PRICE) in creator_page and "-20 % against the rate card" in creator_page
    assert "Two cuts, please." in creator_page and "Two cuts, please." in inbox
    assert act_url(c, "counter") in creator_page


def test_a_bad_price_on_the_profile_offer_is_said_next_to_the_field_and_nothing_is_held(world, client):
    creator = make_creator()
    client.force_login(world["owner"])

    response = client.post(
        reverse("deals:offer_create", args=[creator.handle]),
        {"order": world["order"].pk, "price": "12,50", "idempotency_key": form_key()},
    )

    assert response.status_code == 400
    assert "Enter an amount like" in text_of(response.content.decode(), "id_price_errors")
    assert not Collaboration.objects.filter(creator=creator).exists()


def test_offers_from_the_ranked_list_each_carry_their_rows_price_and_note(world, client):
    first, second, third = (make_creator() for _ in range(3))
    stored_ranking(world["order"], [first, second, third])
    client.force_login(world["owner"])

    shown = page_as_shown(client, order_page(world["order"]))
    response = client.post(
        send_url(world["order"]),
        {
            "creator": [first.pk, second.pk, third.pk],
            f"price_{first.pk}": "4500",
            f"note_{first.pk}": "For you: the serum launch.",
            f"price_{second.pk}": "",
            f"price_{third.pk}": "not money",
            "idempotency_key": form_key(),
        },
        follow=True,
    )

    assert f'name="price_{first.pk}"' in shown and f'name="note_{third.pk}"' in shown
    html = response.content.decode()
    by_creator = {c.creator_id: c for c in Collaboration.objects.filter(order=world["order"])}
    assert (by_creator[first.pk].agreed_price, by_creator[first.pk].offer_note) == (
        450_000,
        "For you: the serum launch.",
    )
    assert (by_creator[second.pk].agreed_price, by_creator[second.pk].offer_note) == (PRICE, "")
    assert third.pk not in by_creator
    assert f"{third.display_name}: Enter an amount like" in html


def test_the_ranked_list_takes_up_to_fifty_offers_at_once(world, client):
    client.force_login(world["owner"])

    response = client.post(
        send_url(world["order"]), {"creator": list(range(1, 52)), "idempotency_key": form_key()}, follow=True
    )

    assert "Choose up to 50 creators" in response.content.decode()
    assert not Collaboration.objects.exists()


# ------------------------------------------------------------------ the creator's counter


def test_the_creator_counters_without_javascript_and_the_page_says_it_waits_for_the_brand(world, client):
    c = offered(world)
    client.force_login(c.creator.user)

    form = client.get(page(c)).content.decode()
    response = client.post(act_url(c, "counter"), {"price": "4600", "note": "Two cuts take two days."}, follow=True)

    assert f"counter between {cny(320_000)} and {cny(480_000)}" in form
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page(c)
    assert "Counter-offer sent" in html
    assert cny(460_000) in text_of(html, "counter-offer") and "waiting for the brand" in text_of(html, "counter-offer")
    assert act_url(c, "counter") not in html  # once


def test_a_counter_beyond_the_band_is_said_next_to_the_price_with_and_without_javascript(world, client):
    c = offered(world)
    client.force_login(c.creator.user)

    plain = client.post(act_url(c, "counter"), {"price": "5000"})
    htmx = client.post(act_url(c, "counter"), {"price": "3000"}, **HX)

    assert plain.status_code == 400
    assert cny(480_000) in text_of(plain.content.decode(), "id_counter_price_errors")
    assert htmx.status_code == 200 and cny(320_000) in text_of(htmx.content.decode(), "id_counter_price_errors")
    c.refresh_from_db()
    assert c.status == S.OFFERED


def test_the_creators_inbox_shows_a_countered_offer_as_waiting(world, client):
    c = offered(world)
    deals.offer_counter(collaboration_id=c.pk, actor=c.creator.user, price=450_000)
    client.force_login(c.creator.user)

    html = client.get(reverse("deals:inbox")).content.decode()

    assert f"You countered with {cny(450_000)}" in html
    assert act_url(c, "accept") not in html


# ------------------------------------------------------------------ the brand's answer


def test_the_brand_accepts_the_counter_on_the_collaboration_page_and_the_hold_follows(world, client):
    c = offered(world)
    deals.offer_counter(collaboration_id=c.pk, actor=c.creator.user, price=460_000, note="Two days of shooting.")
    client.force_login(world["owner"])

    before = client.get(page(c)).content.decode()
    response = client.post(act_url(c, "accept_counter"), {}, follow=True)

    assert "Two days of shooting." in before and cny(460_000) in before
    assert act_url(c, "accept_counter") in before and act_url(c, "decline_counter") in before
    html = response.content.decode()
    assert "Counter-offer accepted" in html
    c.refresh_from_db()
    assert (c.status, c.agreed_price) == (S.ACCEPTED, 460_000)
    assert Hold.objects.get(collaboration=c).amount == 460_000
    assert LedgerTransaction.objects.filter(collaboration=c, kind="hold_adjust").count() == 1
    assert ledger_problems() == []


def test_the_brand_answers_a_counter_from_the_orders_board_with_htmx(world, client):
    c = offered(world)
    deals.offer_counter(collaboration_id=c.pk, actor=c.creator.user, price=350_000)
    client.force_login(world["owner"])

    board = page_as_shown(client, order_page(world["order"]))
    response = client.post(act_url(c, "decline_counter"), {"origin": "board"}, **HX)

    assert f"Counter-offer: {cny(350_000)}" in board and act_url(c, "decline_counter") in board
    html = response.content.decode()
    assert 'id="collaboration-board"' in html and "Counter-offer declined" in html
    assert f"Counter-offer: {cny(350_000)}" not in html
    c.refresh_from_db()
    assert (c.status, c.agreed_price) == (S.OFFERED, OFFERED)


def test_another_creator_or_brand_cannot_post_the_negotiation_forms(world, client):
    from tests.factories import MembershipFactory

    c = offered(world)
    client.force_login(make_creator().user)
    stranger = client.post(act_url(c, "counter"), {"price": "4200"})
    client.force_login(world["owner"])
    brand_counters = client.post(act_url(c, "counter"), {"price": "4200"})
    deals.offer_counter(collaboration_id=c.pk, actor=c.creator.user, price=420_000)
    client.force_login(MembershipFactory(role="owner").user)
    other_brand = client.post(act_url(c, "accept_counter"), {})
    client.force_login(world["viewer"])
    viewer = client.post(act_url(c, "accept_counter"), {})

    assert (stranger.status_code, brand_counters.status_code) == (404, 403)
    assert (other_brand.status_code, viewer.status_code) == (404, 403)
    c.refresh_from_db()
    assert (c.status, c.agreed_price) == (S.COUNTERED, OFFERED)
