"""Brand pages: sending offers from the ranked list and from a profile, the order's board, applicants."""

import re
import uuid

import pytest
from django.urls import reverse

from brands.models import BrandMembership
from creators.models import RatePrice
from matching.models import RankingResult, RankingRun
from orders.models import Collaboration, Order
from payouts.models import Hold
from tests.factories import MembershipFactory, OrderFactory
from tests.orders.conftest import PRICE, TOPUP, deal_in, make_creator
from tests.pages import page_as_shown

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stored_ranking(order, creators) -> RankingRun:
    """A finished ranking as the worker stores it, with the creators in this order."""
    run = RankingRun.objects.create(
        order=order, status="done", model_version="hand", eligible_count=len(creators), considered_count=len(creators)
    )
    for rank, creator in enumerate(creators, start=1):
        RankingResult.objects.create(
            run=run,
            rank=rank,
            creator=creator,
            score=1 - rank / 100,
            hand_score=1 - rank / 100,
            content=0.81,
            audience=0.72,
            performance=0.63,
            value=0.54,
            reliability=0.45,
            exploration=0.0,
            price=PRICE,
            expected_views=40_000,
            reasons=[],
        )
    return run


def form_key() -> str:
    """A key as a form draws one (forms take no other)."""
    return str(uuid.uuid4())


def order_page(order) -> str:
    return reverse("orders:detail", args=[order.pk])


def send_url(order) -> str:
    return reverse("deals:offers_send", args=[order.pk])


# ------------------------------------------------------------- the ranked list


def test_the_ranked_list_has_checkboxes_and_a_fresh_key_per_render(world, client):
    creators = [make_creator() for _ in range(3)]
    stored_ranking(world["order"], creators)
    client.force_login(world["owner"])

    first = page_as_shown(client, order_page(world["order"]))
    second = page_as_shown(client, order_page(world["order"]))

    for creator in creators:
        assert f'name="creator" value="{creator.pk}"' in first
    assert send_url(world["order"]) in first and "Send offers" in first
    key = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')
    assert key.search(first).group(1) != key.search(second).group(1)


def test_a_viewer_sees_the_ranked_list_without_checkboxes(world, client):
    stored_ranking(world["order"], [make_creator()])
    client.force_login(world["viewer"])

    html = page_as_shown(client, order_page(world["order"]))

    assert world["order"].title in html and "Ranked creators" in html
    assert 'type="checkbox" name="creator"' not in html and "Send offers" not in html


def test_sending_offers_holds_money_for_each_ticked_creator(world, client):
    creators = [make_creator() for _ in range(2)]
    client.force_login(world["owner"])

    response = client.post(
        send_url(world["order"]), {"creator": [c.pk for c in creators], "idempotency_key": form_key()}, follow=True
    )

    assert response.redirect_chain[-1][0] == order_page(world["order"]) + "#collaboration-board"
    offers = Collaboration.objects.filter(order=world["order"], status=S.OFFERED)
    assert {c.creator_id for c in offers} == {c.pk for c in creators}
    assert Hold.objects.filter(order=world["order"], status="held").count() == 2
    assert "Offer sent to" in response.content.decode()


def test_a_replayed_send_offers_form_makes_one_offer_per_creator(world, client):
    creator = make_creator()
    client.force_login(world["owner"])
    form = {"creator": [creator.pk], "idempotency_key": form_key()}

    client.post(send_url(world["order"]), form)
    again = client.post(send_url(world["order"]), form, follow=True)

    assert Collaboration.objects.filter(order=world["order"], creator=creator).count() == 1
    assert Hold.objects.filter(order=world["order"]).count() == 1
    assert "Already sent with this form" in again.content.decode()


def test_each_refused_offer_is_reported_and_the_others_still_go(world, client):
    fine, on_order, too_dear = make_creator(), make_creator(), make_creator()
    deal_in(world, S.OFFERED, creator=on_order)
    RatePrice.objects.filter(creator=too_dear).update(amount=TOPUP * 2)
    client.force_login(world["owner"])

    response = client.post(
        send_url(world["order"]),
        {"creator": [fine.pk, on_order.pk, too_dear.pk], "idempotency_key": form_key()},
        follow=True,
    )

    html = response.content.decode()
    # Without JavaScript the page opens at its top, where the refusals are said, not at the board.
    assert response.redirect_chain[0][0] == order_page(world["order"])
    assert f"{on_order.display_name}: This creator is already on the order." in html
    assert f"{too_dear.display_name}: Not enough funds" in html
    assert Collaboration.objects.filter(order=world["order"], creator=fine, status=S.OFFERED).exists()
    assert not Collaboration.objects.filter(order=world["order"], creator=too_dear).exists()


def test_sending_without_ticking_anyone_says_so(world, client):
    client.force_login(world["owner"])

    response = client.post(send_url(world["order"]), {"idempotency_key": form_key()}, follow=True)

    assert response.redirect_chain[0][0] == order_page(world["order"])
    assert "Tick at least one creator." in response.content.decode()
    assert not Collaboration.objects.filter(order=world["order"]).exists()


def test_sending_offers_with_htmx_answers_with_the_list_and_the_board(world, client):
    creator = make_creator()
    stored_ranking(world["order"], [creator])
    client.force_login(world["owner"])

    response = client.post(send_url(world["order"]), {"creator": [creator.pk], "idempotency_key": form_key()}, **HX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="ranking"' in html and "Offer sent to" in html
    assert 'id="collaboration-board" hx-swap-oob="true"' in html
    assert creator.display_name in html


def test_a_viewer_cannot_send_offers(world, client):
    client.force_login(world["viewer"])

    response = client.post(send_url(world["order"]), {"creator": [make_creator().pk], "idempotency_key": form_key()})

    assert response.status_code == 403
    assert not Collaboration.objects.exists()


def test_another_brand_cannot_send_offers_on_the_order(world, client):
    client.force_login(MembershipFactory(role=BrandMembership.Role.OWNER).user)

    response = client.post(send_url(world["order"]), {"creator": [make_creator().pk], "idempotency_key": form_key()})

    assert response.status_code == 404
    assert not Collaboration.objects.exists()


# --------------------------------------------------------- offer from a profile


def test_a_brand_editor_sees_an_offer_button_on_a_creators_profile(world, client):
    creator = make_creator()
    client.force_login(world["owner"])

    html = client.get(reverse("creators:detail", args=[creator.handle])).content.decode()

    assert reverse("deals:offer_create", args=[creator.handle]) in html


def test_a_viewer_has_no_offer_button_and_cannot_offer(world, client):
    creator = make_creator()
    client.force_login(world["viewer"])

    html = client.get(reverse("creators:detail", args=[creator.handle])).content.decode()
    response = client.post(
        reverse("deals:offer_create", args=[creator.handle]),
        {"order": world["order"].pk, "idempotency_key": form_key()},
    )

    assert reverse("deals:offer_create", args=[creator.handle]) not in html
    assert response.status_code == 403


def test_an_offer_from_a_profile_picks_one_of_the_brands_published_orders(world, client):
    creator = make_creator()
    OrderFactory(brand=world["brand"], title="Still a draft")
    OrderFactory(title="Another brand's order", status=Order.Status.PUBLISHED)
    client.force_login(world["owner"])
    url = reverse("deals:offer_create", args=[creator.handle])

    form_page = client.get(url)
    response = client.post(url, {"order": world["order"].pk, "idempotency_key": form_key()})

    html = form_page.content.decode()
    assert world["order"].title in html
    assert "Still a draft" not in html and "Another brand's order" not in html
    c = Collaboration.objects.get(order=world["order"], creator=creator)
    assert response.status_code == 302 and response["Location"] == reverse("deals:collaboration", args=[c.pk])
    assert c.status == S.OFFERED


def test_an_offer_sent_from_the_profiles_box_opens_the_deal_as_a_whole_page(world, client):
    """The box posts with htmx: a plain redirect would be followed by htmx and the whole deal page, with its
    navigation, messages and footer, swapped into the box. The answer is a client redirect instead."""
    creator = make_creator()
    client.force_login(world["owner"])

    response = client.post(
        reverse("deals:offer_create", args=[creator.handle]),
        {"order": world["order"].pk, "idempotency_key": form_key()},
        headers={"HX-Request": "true", "HX-Target": "offer-box"},
    )

    c = Collaboration.objects.get(order=world["order"], creator=creator)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("deals:collaboration", args=[c.pk])
    assert not response.content


def test_an_offer_on_another_brands_order_is_refused_next_to_the_field(world, client):
    creator = make_creator()
    foreign = OrderFactory(status=Order.Status.PUBLISHED)
    client.force_login(world["owner"])

    response = client.post(
        reverse("deals:offer_create", args=[creator.handle]), {"order": foreign.pk, "idempotency_key": form_key()}
    )

    assert response.status_code == 400
    assert 'id="id_order_errors"' in response.content.decode()
    assert not Collaboration.objects.exists()


def test_the_offer_form_loads_in_place_with_htmx(world, client):
    creator = make_creator()
    client.force_login(world["owner"])

    response = client.get(reverse("deals:offer_create", args=[creator.handle]), **HX)

    html = response.content.decode()
    assert "<html" not in html and 'id="offer-box"' in html and world["order"].title in html


# ----------------------------------------------------------------- the board


def test_the_order_page_shows_collaborations_as_a_board_by_state(world, client):
    offered, working, published, done, disputed, closed = (
        deal_in(world, state) for state in (S.OFFERED, S.SCRIPT_APPROVED, S.PUBLISHED, S.SETTLED, S.DISPUTED, S.CLOSED)
    )
    client.force_login(world["viewer"])

    response = client.get(order_page(world["order"]))

    columns = {column["key"]: [c.pk for c in column["cards"]] for column in response.context["board"]}
    assert columns == {
        "offers": [offered.pk],
        "in_progress": [working.pk],
        "published": [published.pk],
        "done": [done.pk],
        "disputes": [disputed.pk],
        "closed": [closed.pk],
    }
    html = response.content.decode()
    for c in (offered, working, published, done, disputed, closed):
        assert reverse("deals:collaboration", args=[c.pk]) in html


def test_a_draft_order_has_no_board(world, client):
    draft = OrderFactory(brand=world["brand"])
    client.force_login(world["owner"])

    response = client.get(order_page(draft))

    assert "board" not in response.context and 'id="collaboration-board"' not in response.content.decode()


def test_the_board_paginates(world, client, monkeypatch):
    from orders.views import brand

    monkeypatch.setattr(brand, "BOARD_PAGE", 2)
    for _ in range(3):
        deal_in(world, S.OFFERED)
    client.force_login(world["owner"])

    first = client.get(order_page(world["order"]))
    second = client.get(order_page(world["order"]), {"board_page": 2})

    assert sum(len(col["cards"]) for col in first.context["board"]) == 2
    assert sum(len(col["cards"]) for col in second.context["board"]) == 1
    assert first.context["board"][0]["total"] == 3
    assert "board_page=2" in first.content.decode()


# ------------------------------------------------------------------- applicants


def test_applicants_are_compared_by_quote_pitch_and_match_components(world, client):
    applicant = make_creator()
    stored_ranking(world["order"], [applicant])
    c = deal_in(world, S.APPLIED, creator=applicant)
    Collaboration.objects.filter(pk=c.pk).update(pitch="I film skincare every week.")
    client.force_login(world["owner"])

    response = client.get(order_page(world["order"]))

    row = response.context["applicants"][0]
    assert row["collaboration"].pk == c.pk
    assert row["result"].content == pytest.approx(0.81)
    assert row["quote_vs_listed"] == 0
    html = response.content.decode()
    assert "I film skincare every week." in html
    assert 'value="0.81"' in html  # the content component's bar
    assert reverse("deals:act", args=[c.pk, "select"]) in html


def test_selecting_an_applicant_from_the_board_by_plain_post(world, client):
    c = deal_in(world, S.APPLIED)
    client.force_login(world["owner"])

    response = client.post(reverse("deals:act", args=[c.pk, "select"]), {"origin": "board"})

    assert response.status_code == 302
    assert response["Location"] == order_page(world["order"]) + "#collaboration-board"
    c.refresh_from_db()
    assert c.status == S.ACCEPTED
    assert Hold.objects.get(collaboration=c).status == "escrowed"


def test_selecting_an_applicant_with_htmx_answers_with_the_board(world, client):
    c = deal_in(world, S.APPLIED)
    client.force_login(world["owner"])

    response = client.post(reverse("deals:act", args=[c.pk, "select"]), {"origin": "board"}, **HX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="collaboration-board"' in html and "Applicant selected" in html
    in_progress = next(col for col in response.context["board"] if col["key"] == "in_progress")
    assert [card.pk for card in in_progress["cards"]] == [c.pk]


def test_a_full_order_refuses_another_selection_with_a_message(world, client):
    order = world["order"]
    order.creators_wanted = 1
    order.save(update_fields=["creators_wanted"])
    first, second = deal_in(world, S.APPLIED), deal_in(world, S.APPLIED)
    client.force_login(world["owner"])
    client.post(reverse("deals:act", args=[first.pk, "select"]), {"origin": "board"})

    response = client.post(reverse("deals:act", args=[second.pk, "select"]), {"origin": "board"}, follow=True)

    assert "All 1 places on this order are taken." in response.content.decode()
    second.refresh_from_db()
    assert second.status == S.APPLIED
