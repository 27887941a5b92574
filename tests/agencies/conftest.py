"""An agency (owner and manager) with a creator on its roster, on top of the deal world of tests.orders."""

import pytest

from agencies.models import AgencyMembership, Representation
from agencies.services import agency_create, representation_invite, representation_transition
from tests.factories import UserFactory
from tests.orders.conftest import make_creator, world  # noqa: F401 - the fixture is used by name

R = Representation.Status
SHARE_BPS = 2_000  # the agency takes 20 % of what the creator keeps after the platform fee


def make_agency(name: str = "Bright Stars MCN"):
    owner = UserFactory()
    agency = agency_create(name=name, owner=owner)
    manager = UserFactory()
    AgencyMembership.objects.create(agency=agency, user=manager, role=AgencyMembership.Role.MANAGER)
    return agency, owner, manager


def sign(owner, creator, **contract) -> Representation:
    """Invite ``creator`` under ``contract`` and have the creator accept: the contract is in force."""
    contract.setdefault("share_bps", SHARE_BPS)
    rep = representation_invite(actor=owner, creator_id=creator.pk, **contract)
    return representation_transition(representation_id=rep.pk, to=R.ACTIVE, actor=creator.user)


@pytest.fixture
def agency(db):
    agency, owner, manager = make_agency()
    return {"agency": agency, "owner": owner, "manager": manager}


@pytest.fixture
def signed(agency):
    creator = make_creator()
    rep = sign(agency["owner"], creator, may_answer_offers=True, may_submit_deliverables=True, may_see_earnings=True)
    return {**agency, "creator": creator, "rep": rep}
