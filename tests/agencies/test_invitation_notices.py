"""An invitation, its answer and an ending reach the other side as a notification (and an e-mail).

An outside tester invited a creator and found nothing on the creator's side but the agency page:
no notification, no e-mail."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import Representation
from agencies.services import representation_invite, representation_transition
from tests.agencies.conftest import sign
from tests.orders.conftest import make_creator
from tests.pages import page_as_shown

R = Representation.Status
pytestmark = pytest.mark.django_db(transaction=False)


def test_the_invited_creator_reads_the_invitation_on_their_next_page(
    agency, client, django_capture_on_commit_callbacks
):
    creator = make_creator()

    with django_capture_on_commit_callbacks(execute=True):
        representation_invite(actor=agency["owner"], creator_id=creator.pk, share_bps=1_250)

    client.force_login(creator.user)
    html = page_as_shown(client, reverse("deals:notifications"))
    assert "Bright Stars MCN invites you to be represented for 12.5\u00a0% of your earnings." in html
    assert reverse("agencies:creator_agency") in html
    assert [m.to for m in mail.outbox] == [[creator.user.email]]


@pytest.mark.parametrize(
    ("to", "said"),
    [(R.ACTIVE, "accepted your agency"), (R.DECLINED, "declined your agency")],
)
def test_the_agencys_owners_hear_the_creators_answer(agency, client, to, said):
    creator = make_creator()
    rep = representation_invite(actor=agency["owner"], creator_id=creator.pk, share_bps=1_000)

    representation_transition(representation_id=rep.pk, to=to, actor=creator.user)

    client.force_login(agency["owner"])
    assert f"@{creator.handle} {said}" in page_as_shown(client, reverse("deals:notifications"))
    client.force_login(agency["manager"])  # managers do not run the contracts
    assert said not in page_as_shown(client, reverse("deals:notifications"))


def test_the_creator_hears_when_the_agency_ends_the_contract_or_withdraws_an_invitation(agency, client):
    signed_creator, invited_creator = make_creator(), make_creator()
    rep = sign(agency["owner"], signed_creator)
    invitation = representation_invite(actor=agency["owner"], creator_id=invited_creator.pk, share_bps=1_000)

    representation_transition(representation_id=rep.pk, to=R.ENDED, actor=agency["owner"])
    representation_transition(representation_id=invitation.pk, to=R.ENDED, actor=agency["owner"])

    client.force_login(signed_creator.user)
    assert "Bright Stars MCN ended its contract with you." in page_as_shown(client, reverse("deals:notifications"))
    client.force_login(invited_creator.user)
    assert "Bright Stars MCN withdrew its invitation." in page_as_shown(client, reverse("deals:notifications"))
