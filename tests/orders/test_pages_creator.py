"""The creator's inbox: offers with accept / decline, applications, collaborations by state, applying."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from brands.models import BrandMembership
from marketplace.core import format_money
from orders.models import Collaboration, Order
from tests.factories import MembershipFactory, OrderFactory
from tests.orders.conftest import PRICE, deal_in, make_creator

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}
INBOX = "/deals/inbox/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_inbox_lists_open_offers_with_accept_decline_and_time_left(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.get(reverse("deals:inbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert [o.pk for o in response.context["offers"]] == [c.pk]
    assert reverse("deals:act", args=[c.pk, "accept"]) in html
    assert reverse("deals:act", args=[c.pk, "decline"]) in html
    assert "hours left (until" in html  # time left before the 72-hour expiry
    assert format_money(PRICE, c.currency) in html


def test_the_inbox_is_linked_from_the_creator_nav_and_dashboard(world, client):
    creator = make_creator()
    client.force_login(creator.user)

    html = client.get(reverse("creators:dashboard")).content.decode()

    assert html.count(f'href="{INBOX}"') >= 2


def test_the_inbox_lists_applications_and_collaborations_by_state(world, client):
    creator = make_creator()
    applied = deal_in(world, S.APPLIED, creator=creator)
    other_order = OrderFactory(brand=world["brand"], status=Order.Status.PUBLISHED, creators_wanted=3)
    working = deal_in({**world, "order": other_order}, S.SCRIPT_SUBMITTED, creator=creator)
    client.force_login(creator.user)

    in_progress = client.get(reverse("deals:inbox"))
    done = client.get(reverse("deals:inbox"), {"group": "done"})

    assert [c.pk for c in in_progress.context["applications"]] == [applied.pk]
    assert [c.pk for c in in_progress.context["collaborations"]] == [working.pk]
    assert {k: n for k, _t, n in in_progress.context["groups"]}["in_progress"] == 1
    assert list(done.context["collaborations"]) == []
    assert reverse("deals:act", args=[applied.pk, "withdraw_application"]) in in_progress.content.decode()


def test_the_inbox_is_only_for_creators(world, client):
    client.force_login(world["owner"])

    assert client.get(reverse("deals:inbox")).status_code == 404


def test_a_creator_sees_only_their_own_offers(world, client):
    deal_in(world, S.OFFERED)
    someone_else = make_creator()
    client.force_login(someone_else.user)

    response = client.get(reverse("deals:inbox"))

    assert list(response.context["offers"]) == []


def test_accepting_from_the_inbox_by_plain_post_comes_back_to_the_inbox(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:act", args=[c.pk, "accept"]), {"origin": "inbox"})

    assert response.status_code == 302 and response["Location"] == reverse("deals:inbox")
    c.refresh_from_db()
    assert c.status == S.ACCEPTED


def test_declining_from_the_inbox_with_htmx_replaces_the_card(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:act", args=[c.pk, "decline"]), {"origin": "inbox"}, **HX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="deal-{c.pk}"' in html and "You declined the offer." in html
    assert reverse("deals:act", args=[c.pk, "accept"]) not in html
    c.refresh_from_db()
    assert c.status == S.CLOSED


@pytest.mark.parametrize(("shown", "listed"), [("", True), ("?group=done", False)])
def test_accepting_from_the_inbox_with_htmx_lists_the_deal_in_its_new_state_at_once(world, client, shown, listed):
    """The "My collaborations" list comes back out of band with the card, for the state the page shows: an
    accepted offer appears under "in progress" without a reload, and not under another state."""
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)
    headers = {**HX, "HTTP_HX_CURRENT_URL": "http://testserver" + reverse("deals:inbox") + shown}

    response = client.post(reverse("deals:act", args=[c.pk, "accept"]), {"origin": "inbox"}, **headers)

    html = response.content.decode()
    section = html.split('<section id="collaborations" hx-swap-oob="true">', 1)[1].split("</section>", 1)[0]
    assert (f'href="{reverse("deals:collaboration", args=[c.pk])}"' in section) is listed
    assert ("Nothing in this state." in section) is not listed
    assert 'id="group-count-in_progress" class="count">(1)' in section


def test_an_expired_offer_cannot_be_accepted_from_the_inbox(world, client):
    c = deal_in(world, S.OFFERED)
    Collaboration.objects.filter(pk=c.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:act", args=[c.pk, "accept"]), {"origin": "inbox"}, **HX)

    assert "This offer has expired." in response.content.decode()
    c.refresh_from_db()
    assert c.status == S.OFFERED


# -------------------------------------------------------------------- applying


def apply_url(order) -> str:
    return reverse("deals:apply", args=[order.pk])


def test_applying_with_a_decimal_quote_and_a_pitch(world, client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(apply_url(world["order"]), {"quote": "5200.50", "pitch": "Skincare every week."})

    assert response.status_code == 302 and response["Location"] == reverse("deals:inbox")
    c = Collaboration.objects.get(order=world["order"], creator=creator)
    assert (c.status, c.agreed_price, c.pitch) == (S.APPLIED, 520_050, "Skincare every week.")


def test_a_quote_outside_the_band_is_refused_next_to_the_field(world, client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(apply_url(world["order"]), {"quote": "9000", "pitch": "Hi"})

    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_apply{world["order"].pk}_quote_errors"' in html and "20 %" in html
    assert not Collaboration.objects.filter(creator=creator).exists()


def test_a_quote_that_is_not_money_is_refused_with_htmx_in_place(world, client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(apply_url(world["order"]), {"quote": "12,50", "pitch": "Hi"}, **HX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="apply-{world["order"].pk}"' in html and "Enter an amount like 1200 or 1200.50." in html
    assert not Collaboration.objects.filter(creator=creator).exists()


def test_applying_with_htmx_swaps_the_form_for_a_link(world, client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(apply_url(world["order"]), {"quote": "5000", "pitch": "Hi"}, **HX)

    c = Collaboration.objects.get(creator=creator)
    html = response.content.decode()
    assert reverse("deals:collaboration", args=[c.pk]) in html and "You applied" in html


def test_applying_twice_is_refused(world, client):
    creator = make_creator()
    client.force_login(creator.user)
    client.post(apply_url(world["order"]), {"quote": "5000", "pitch": "Hi"})

    response = client.post(apply_url(world["order"]), {"quote": "5000", "pitch": "Again"})

    assert response.status_code == 400
    assert "already on the order" in response.content.decode()
    assert Collaboration.objects.filter(creator=creator).count() == 1


def test_brands_cannot_apply(world, client):
    client.force_login(MembershipFactory(role=BrandMembership.Role.OWNER).user)

    response = client.post(apply_url(world["order"]), {"quote": "5000", "pitch": "Hi"})

    assert response.status_code == 404
    assert not Collaboration.objects.exists()


def test_a_direct_order_takes_no_applications(world, client):
    direct = OrderFactory(brand=world["brand"], status=Order.Status.PUBLISHED, mode=Order.Mode.DIRECT)
    client.force_login(make_creator().user)

    assert client.post(apply_url(direct), {"quote": "5000", "pitch": "Hi"}).status_code == 404


# ----------------------------------------------------------- recommended orders


def test_recommended_orders_show_their_reasons_and_an_apply_form(taxonomy, client, settings, tmp_path):
    """The reasons are said to the creator: the brand's labels, their own rate against the brand's budget — never
    the brand's words ("leaves 20 % of your budget per creator": a creator has no budget)."""
    from matching import engine
    from tests.matching.conftest import creator_with_a_recommended_order

    creator, fits = creator_with_a_recommended_order(settings, tmp_path)
    client.force_login(creator.user)

    response = client.get(reverse("deals:inbox"))

    engine.reset()
    items = response.context["recommended"].object_list
    assert items[0]["order"] == fits
    assert items[0]["reason_texts"][0].startswith("You make content on the brand")
    html = response.content.decode()
    assert "Serum for students" in html and "You make content on the brand&#x27;s labels" in html
    assert "under the brand&#x27;s budget per creator" in html and "your budget" not in html
    assert reverse("deals:apply", args=[fits.pk]) in html
    assert 'value="10000000.00"' in html  # the quote starts at the listed price
    # The same 0-100 match score the brand sees for the creator, not the raw 0-1 number.
    assert f"match {round(items[0]['score'] * 100)} / 100" in html


# ------------------------------------------------------- partials chosen by the request


def _rival_on_the_board(world) -> Collaboration:
    """Another creator's application on the brand's recruitment order: the brand's private board."""
    rival = make_creator(display_name="Rival Rosalind", handle="rival-rosalind")
    c = deal_in(world, S.APPLIED, creator=rival)
    Collaboration.objects.filter(pk=c.pk).update(pitch="My secret pitch for the brand", agreed_price=PRICE + 4321)
    return c


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("comment", {"text": "Hello brand"}),  # allowed: the creator writes on their own deal
        ("accept", {}),  # refused: an application is not an offer
        ("withdraw_application", {}),  # allowed, and the last step the creator takes
    ],
)
def test_a_creator_posting_origin_board_gets_their_own_deal_not_the_brands_board(world, client, action, data):
    _rival_on_the_board(world)
    mine = deal_in(world, S.APPLIED)
    client.force_login(mine.creator.user)

    response = client.post(reverse("deals:act", args=[mine.pk, action]), {"origin": "board", **data}, **HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="collaboration-board"' not in html
    assert "Rival Rosalind" not in html and "rival-rosalind" not in html
    assert "My secret pitch for the brand" not in html and "5,043.21" not in html
    assert 'id="collaboration"' in html  # the deal's own page part, which the creator may see


def test_a_brand_member_posting_origin_inbox_gets_the_deal_not_a_creators_inbox_card(world, client):
    c = deal_in(world, S.APPLIED)
    client.force_login(world["owner"])

    response = client.post(reverse("deals:act", args=[c.pk, "comment"]), {"origin": "inbox", "text": "Hi"}, **HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="deal-{c.pk}"' not in html and 'id="collaboration"' in html


def test_without_htmx_origin_board_sends_a_creator_back_to_their_deal(world, client):
    mine = deal_in(world, S.APPLIED)
    client.force_login(mine.creator.user)

    response = client.post(reverse("deals:act", args=[mine.pk, "comment"]), {"origin": "board", "text": "Hi"})

    assert response.status_code == 302
    assert response["Location"] == reverse("deals:collaboration", args=[mine.pk])


def test_refusals_write_money_and_dates_in_the_creators_language_and_time_zone(world, client):
    from datetime import UTC, datetime

    from orders.models import Order

    creator = make_creator()
    creator.user.time_zone = "Asia/Shanghai"
    creator.user.save(update_fields=["time_zone"])
    client.cookies["django_language"] = "zh-hans"
    client.force_login(creator.user)

    band = client.post(apply_url(world["order"]), {"quote": "9000", "pitch": "Hi"}).content.decode()
    Order.objects.filter(pk=world["order"].pk).update(apply_by=datetime(2026, 1, 1, 20, 0, tzinfo=UTC))
    closed = client.post(apply_url(world["order"]), {"quote": "5200", "pitch": "Hi"}).content.decode()

    assert "¥" in band and "CNY" not in band
    assert "2026年1月2日 04:00" in closed  # 20:00 UTC is the next morning in Shanghai


def test_applying_with_htmx_redraws_my_applications_and_its_count_at_once(world, client):
    creator = make_creator()
    client.force_login(creator.user)
    before = client.get(INBOX).content.decode()

    response = client.post(apply_url(world["order"]), {"quote": "5000", "pitch": "Skincare every week."}, **HX)

    assert 'My applications <small id="applications-count" class="count">(0)</small>' in before
    html = response.content.decode()
    assert f'id="apply-{world["order"].pk}"' in html and "Applied." in html
    assert '<section id="applications" hx-swap-oob="true">' in html
    assert 'My applications <small id="applications-count" class="count">(1)</small>' in html
    assert world["order"].title in html


def test_the_brands_board_shows_an_applicants_match_score_out_of_100(world, client):
    rival = _rival_on_the_board(world)
    Collaboration.objects.filter(pk=rival.pk).update(match_score=0.634)
    client.force_login(world["owner"])

    html = client.get(reverse("orders:detail", args=[world["order"].pk])).content.decode()

    assert "63 / 100" in html and "0.634" not in html
