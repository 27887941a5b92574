"""The agency's pages as its people use them: invite, the creator accepts, the roster, acting for a creator."""

from django.test import Client
from django.urls import reverse

from agencies.models import Representation
from marketplace.core import format_money
from orders.models import Collaboration
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, make_agency, sign
from tests.html import text_of
from tests.orders.conftest import PRICE, deal_in, make_creator

S = Collaboration.Status


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_invites_on_the_roster_page_and_the_creator_accepts_on_theirs(agency):
    creator = make_creator()
    owner = client_for(agency["owner"])

    response = owner.post(
        reverse("agencies:invite"),
        {"handle": creator.handle, "share_percent": "15", "may_answer_offers": "on"},
        follow=True,
    )

    assert "is invited" in response.content.decode()
    rep = Representation.objects.get(creator=creator)
    assert (rep.share_bps, rep.may_answer_offers, rep.may_submit_deliverables) == (1500, True, False)
    mine = client_for(creator.user).get(reverse("agencies:creator_agency"))
    assert agency["agency"].name in mine.content.decode()

    answer = client_for(creator.user).post(reverse("agencies:contract_act", args=[rep.pk, "accept"]), follow=True)

    assert "You are now represented by this agency." in answer.content.decode()
    roster = owner.get(reverse("agencies:roster"))
    assert creator.display_name in text_of(roster.content.decode(), f"roster-{rep.pk}")


def test_an_invitation_to_an_unknown_handle_says_so_beside_the_field(agency):
    response = client_for(agency["owner"]).post(
        reverse("agencies:invite"), {"handle": "nobody-here", "share_percent": "10"}
    )

    assert response.status_code == 400
    assert "No creator has this handle." in response.content.decode()
    assert not Representation.objects.exists()


def test_a_handle_pasted_as_shown_with_its_at_sign_in_any_case_finds_the_creator(agency):
    creator = make_creator()

    response = client_for(agency["owner"]).post(
        reverse("agencies:invite"), {"handle": f" @{creator.handle.upper()} ", "share_percent": "10"}
    )

    assert response.status_code == 302
    assert Representation.objects.get().creator == creator


def test_the_roster_shows_the_record_and_earnings_only_when_shared(world, agency):
    shares, hides = make_creator(), make_creator()
    shared = sign(agency["owner"], shares, may_see_earnings=True)
    hidden = sign(agency["owner"], hides, may_see_earnings=False)
    deal_in(world, S.SETTLED, creator=shares)
    deal_in(world, S.SETTLED, creator=hides)

    html = client_for(agency["manager"]).get(reverse("agencies:roster")).content.decode()

    shares.refresh_from_db()
    net, _agency = agency_split(fee_split(PRICE, 1000)[0], SHARE_BPS)
    row = " ".join(text_of(html, f"roster-{shared.pk}").split())
    assert f"@{shares.handle} {shares.completed_orders} {round(shares.fulfilment_rate * 100)} %" in row
    assert format_money(net, "CNY") in text_of(html, f"roster-{shared.pk}")
    assert "not shared" in text_of(html, f"roster-{hidden.pk}")
    assert format_money(net, "CNY") not in text_of(html, f"roster-{hidden.pk}")


def test_a_brand_sees_the_creator_is_represented(world, signed):
    c = deal_in(world, S.OFFERED, creator=signed["creator"])

    page = client_for(world["owner"]).get(reverse("deals:collaboration", args=[c.pk]))
    profile = client_for(world["owner"]).get(reverse("creators:detail", args=[signed["creator"].handle]))

    assert signed["agency"].name in text_of(page.content.decode(), "represented-by")
    assert signed["agency"].name in text_of(profile.content.decode(), "represented-by")


def test_the_agency_accepts_on_the_collaboration_page_and_the_timeline_names_it(world, signed):
    c = deal_in(world, S.OFFERED, creator=signed["creator"])
    manager = client_for(signed["manager"])
    work = manager.get(reverse("deals:agency_work")).content.decode()
    assert reverse("deals:collaboration", args=[c.pk]) in work

    response = manager.post(reverse("deals:act", args=[c.pk, "accept"]), follow=True)

    c.refresh_from_db()
    assert c.status == S.ACCEPTED
    assert f"{signed['agency'].name} (agency, for {signed['creator'].display_name})" in response.content.decode()


def test_another_agency_sees_neither_the_collaboration_nor_the_creator(world, signed):
    c = deal_in(world, S.OFFERED, creator=signed["creator"])
    _other, other_owner, _manager = make_agency("Other MCN")
    other = client_for(other_owner)

    assert other.get(reverse("deals:collaboration", args=[c.pk])).status_code == 404
    assert other.get(reverse("creators:detail", args=[signed["creator"].handle])).status_code == 404
    assert c.pk not in [row.pk for row in other.get(reverse("deals:agency_work")).context["page"].object_list]
