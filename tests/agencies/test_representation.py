"""An agency invites a creator, the creator accepts; either side ends it; one agency at a time."""

import pytest

from agencies.models import Representation
from agencies.selectors import representation_of
from agencies.services import representation_invite, representation_transition
from marketplace.core import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from tests.agencies.conftest import SHARE_BPS, make_agency, sign
from tests.factories import UserFactory
from tests.orders.conftest import make_creator

R = Representation.Status


def test_an_invitation_is_in_force_once_the_creator_accepts(agency):
    creator = make_creator()
    rep = representation_invite(actor=agency["owner"], creator_id=creator.pk, share_bps=SHARE_BPS)
    assert representation_of(creator.pk) is None

    representation_transition(representation_id=rep.pk, to=R.ACTIVE, actor=creator.user)

    assert representation_of(creator.pk).agency == agency["agency"]


@pytest.mark.parametrize("side", ["creator", "owner"])
def test_either_side_ends_the_contract(agency, side):
    creator = make_creator()
    rep = sign(agency["owner"], creator)

    representation_transition(
        representation_id=rep.pk, to=R.ENDED, actor=creator.user if side == "creator" else agency["owner"]
    )

    assert representation_of(creator.pk) is None
    rep.refresh_from_db()
    assert rep.ended_by == (creator.user if side == "creator" else agency["owner"])


def test_a_creator_has_one_agency_at_a_time(agency):
    creator = make_creator()
    sign(agency["owner"], creator)
    _other, other_owner, _manager = make_agency("Other MCN")

    with pytest.raises(Conflict):
        representation_invite(actor=other_owner, creator_id=creator.pk, share_bps=SHARE_BPS)


def test_accepting_a_second_agency_is_refused(agency):
    creator = make_creator()
    _other, other_owner, _manager = make_agency("Other MCN")
    first = representation_invite(actor=agency["owner"], creator_id=creator.pk, share_bps=SHARE_BPS)
    second = representation_invite(actor=other_owner, creator_id=creator.pk, share_bps=SHARE_BPS)
    representation_transition(representation_id=first.pk, to=R.ACTIVE, actor=creator.user)

    with pytest.raises(Conflict):
        representation_transition(representation_id=second.pk, to=R.ACTIVE, actor=creator.user)


def test_only_the_creator_accepts_and_only_an_owner_invites_or_ends(agency):
    creator = make_creator()
    with pytest.raises(NotAllowed):
        representation_invite(actor=agency["manager"], creator_id=creator.pk, share_bps=SHARE_BPS)
    rep = representation_invite(actor=agency["owner"], creator_id=creator.pk, share_bps=SHARE_BPS)

    with pytest.raises(NotAllowed):
        representation_transition(representation_id=rep.pk, to=R.ACTIVE, actor=agency["owner"])
    with pytest.raises(NotAllowed):
        representation_transition(representation_id=rep.pk, to=R.ENDED, actor=agency["manager"])
    with pytest.raises(NotFound):  # a stranger learns nothing, not even that it exists
        representation_transition(representation_id=rep.pk, to=R.ENDED, actor=UserFactory())


def test_an_ended_contract_cannot_be_accepted(agency):
    creator = make_creator()
    rep = representation_invite(actor=agency["owner"], creator_id=creator.pk, share_bps=SHARE_BPS)
    representation_transition(representation_id=rep.pk, to=R.ENDED, actor=agency["owner"])

    with pytest.raises(InvalidTransition):
        representation_transition(representation_id=rep.pk, to=R.ACTIVE, actor=creator.user)


@pytest.mark.parametrize("share", [-1, 5_001, 10_000, "20", 1.5, True])
def test_a_share_outside_0_to_5000_bps_is_refused(agency, share):
    with pytest.raises(DomainError) as refused:
        representation_invite(actor=agency["owner"], creator_id=make_creator().pk, share_bps=share)

    assert refused.value.field == "share_bps"


def test_a_creator_without_an_account_cannot_be_invited(agency):
    imported = make_creator(user=None)

    with pytest.raises(Conflict) as refused:
        representation_invite(actor=agency["owner"], creator_id=imported.pk, share_bps=SHARE_BPS)

    assert refused.value.field == "creator_id"
