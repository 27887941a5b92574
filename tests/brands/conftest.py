"""A brand's owner, signed in: the pages and limits of a brand's members are tried as them."""

import pytest

from tests.factories import MembershipFactory


@pytest.fixture
def owner():
    return MembershipFactory(role="owner", brand__name="Aurora Skin")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client
