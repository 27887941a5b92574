"""An agency acts on its creators' collaborations within its contract; every step names who took it."""

import pytest
from django.urls import reverse

from agencies.models import Representation
from agencies.services import representation_transition
from marketplace.core import NotAllowed
from marketplace.core.models import Notification
from orders.models import Collaboration, CollaborationEvent
from orders.services.collaborations import allowed_actions
from tests.agencies.conftest import make_agency, sign
from tests.orders.conftest import act, deal_in, make_creator

S = Collaboration.Status


def test_an_agency_member_accepts_an_offer_for_the_creator_and_is_recorded(world, signed):
    offered = deal_in(world, S.OFFERED, creator=signed["creator"])
    assert "accept" in allowed_actions(offered, signed["manager"])

    c = act(offered, "accept", signed["manager"])

    assert c.status == S.ACCEPTED
    event = CollaborationEvent.objects.filter(collaboration=c, action="accept").get()
    assert event.actor == signed["manager"]
    assert event.data["on_behalf_of_creator"] is True
    told = Notification.objects.filter(user=signed["creator"].user, kind="accept").get()
    assert "agency" in told.text


def test_the_agency_submits_work_only_when_the_contract_says_so(world, agency):
    creator = make_creator()
    sign(agency["owner"], creator, may_answer_offers=True, may_submit_deliverables=False)
    c = deal_in(world, S.ACCEPTED, creator=creator)

    assert "submit_script" not in allowed_actions(c, agency["manager"])
    with pytest.raises(NotAllowed):
        act(c, "submit_script", agency["manager"])


def test_an_agency_without_the_power_to_answer_cannot_accept(world, agency):
    creator = make_creator()
    sign(agency["owner"], creator, may_answer_offers=False)
    c = deal_in(world, S.OFFERED, creator=creator)

    assert allowed_actions(c, agency["manager"]) == []
    with pytest.raises(NotAllowed):
        act(c, "accept", agency["manager"])


def test_after_the_contract_ends_the_agency_cannot_act(world, signed):
    c = deal_in(world, S.OFFERED, creator=signed["creator"])
    representation_transition(
        representation_id=signed["rep"].pk, to=Representation.Status.ENDED, actor=signed["creator"].user
    )

    with pytest.raises(NotAllowed):
        act(c, "accept", signed["manager"])


def test_another_agency_cannot_act_on_a_creator_it_does_not_represent(world, signed):
    c = deal_in(world, S.OFFERED, creator=signed["creator"])
    _other, other_owner, _manager = make_agency("Other MCN")

    with pytest.raises(NotAllowed):
        act(c, "accept", other_owner)


def test_the_agency_never_takes_the_brands_steps(world, signed):
    c = deal_in(world, S.SCRIPT_SUBMITTED, creator=signed["creator"])

    assert allowed_actions(c, signed["owner"]) == []
    with pytest.raises(NotAllowed):
        act(c, "approve_script", signed["owner"])


def test_a_practice_deal_is_the_creators_alone_the_agency_neither_sees_nor_answers_it(client, signed, settings):
    # Found by trying it: the agency's work page listed its creator's practice offer, the agency's accept went
    # through (ticking the creator's novice task) and a webhook went out to the agency's endpoint.
    from orders.services.practice import practice_offer_send
    from webhooks.events import event_type_for

    practice = practice_offer_send(creator=signed["creator"])
    client.force_login(signed["manager"])

    work = client.get(reverse("deals:agency_work") + "?show=all").content.decode()
    listed = client.get("/api/v1/collaborations/").json()
    page = client.get(reverse("deals:collaboration", args=[practice.pk]))

    assert practice.order.title not in work
    assert practice.pk not in [row["id"] for row in listed["results"]]
    assert page.status_code == 404
    assert allowed_actions(practice, signed["manager"]) == []
    with pytest.raises(NotAllowed):
        act(practice, "accept", signed["manager"])
    practice.refresh_from_db()
    assert practice.status == S.OFFERED
    assert event_type_for("collaboration.accept", practice) is None
