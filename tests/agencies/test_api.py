"""The agency API: invite, accept, the roster with its record, acting for a creator, the agency's wallet."""

from rest_framework.reverse import reverse

from agencies.models import Representation
from orders.models import Collaboration
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, make_agency
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, deal_in, key, make_creator

S = Collaboration.Status


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def test_invite_accept_and_read_the_roster(agency):
    creator = make_creator(completed_orders=3)
    owner = api_for(agency["owner"])

    invited = owner.post(
        url("agency-invitation"),
        {"creator_id": creator.pk, "share_bps": SHARE_BPS, "may_submit_deliverables": True},
        format="json",
    )
    assert invited.status_code == 201, invited.content
    accepted = api_for(creator.user).post(url("representation-accept", invited.json()["id"]), {}, format="json")

    assert accepted.json()["status"] == "active"
    roster = api_for(agency["manager"]).get(url("agency-roster")).json()["results"]
    assert [(r["creator"]["id"], r["completed_orders"], r["share_bps"]) for r in roster] == [(creator.pk, 3, SHARE_BPS)]


def test_a_share_above_half_or_an_unknown_field_is_a_400(agency):
    owner = api_for(agency["owner"])
    creator = make_creator()

    too_much = owner.post(url("agency-invitation"), {"creator_id": creator.pk, "share_bps": 5001}, format="json")
    unknown = owner.post(
        url("agency-invitation"), {"creator_id": creator.pk, "share_bps": 100, "exclusive": True}, format="json"
    )

    assert too_much.status_code == 400 and "share_bps" in too_much.json()["errors"]
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["exclusive"]
    assert not Representation.objects.exists()


def test_the_agency_accepts_through_the_api_and_the_event_says_agency(world, signed):
    c = deal_in(world, S.OFFERED, creator=signed["creator"])
    api = api_for(signed["manager"])

    response = api.post(url("collaboration-accept", c.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY=key())

    assert response.status_code == 200, response.content
    detail = api_for(world["owner"]).get(url("collaboration-detail", c.pk)).json()
    assert detail["represented_by"] == signed["agency"].name
    assert [e["by"] for e in detail["events"] if e["action"] == "accept"] == ["agency"]


def test_the_agency_wallet_shows_its_share_after_settlement(world, signed):
    deal_in(world, S.SETTLED, creator=signed["creator"])

    wallet = api_for(signed["owner"]).get(url("agency-wallet")).json()
    statement = api_for(signed["owner"]).get(url("agency-statement")).json()["results"]

    _net, share = agency_split(fee_split(PRICE, 1000)[0], SHARE_BPS)
    assert wallet["available_minor"] == share and wallet["pending_minor"] == 0
    assert [row["amount_minor"] for row in statement] == [share]


def test_the_collaboration_list_of_an_agency_is_its_roster_s_only(world, signed):
    mine = deal_in(world, S.OFFERED, creator=signed["creator"])
    deal_in(world, S.OFFERED, creator=make_creator())
    _other, other_owner, _manager = make_agency("Other MCN")

    ids = [row["id"] for row in api_for(signed["manager"]).get(url("collaboration-list")).json()["results"]]
    others = api_for(other_owner).get(url("collaboration-list")).json()["results"]

    assert ids == [mine.pk]
    assert others == []
