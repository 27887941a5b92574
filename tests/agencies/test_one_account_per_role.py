"""An agency is started by an account that plays no other part, under a name no other agency has in any case."""

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Agency
from agencies.services import agency_create
from marketplace.core import Conflict
from tests.factories import CreatorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _start(user, name: str):
    client = Client()
    client.force_login(user)
    return client.post(reverse("agencies:create"), {"name": name})


def test_an_agency_name_another_agency_has_in_other_case_or_spacing_is_refused_beside_the_field():
    agency_create(name="Lumen Talent (MCN)", owner=UserFactory())

    for name in ("lumen talent (mcn)", "LUMEN  TALENT (MCN)", "  Lumen Talent (MCN) "):
        response = _start(UserFactory(), name)

        assert response.status_code == 400
        assert "name" in response.context["form"].errors
    assert list(Agency.objects.values_list("name", flat=True)) == ["Lumen Talent (MCN)"]


def test_a_new_agency_s_name_is_kept_with_its_spaces_tidied():
    owner = UserFactory()

    assert _start(owner, "  Bright   Stars  ").status_code == 302

    assert Agency.objects.get().name == "Bright Stars"


@pytest.mark.parametrize("kind", ["brand", "creator", "staff", "agency"])
def test_an_account_that_plays_another_part_cannot_start_an_agency(kind):
    if kind == "brand":
        user = MembershipFactory().user
    elif kind == "creator":
        user = CreatorFactory().user
    elif kind == "staff":
        user = UserFactory(is_staff=True)
    else:
        user = UserFactory()
        agency_create(name="First", owner=user)

    with pytest.raises(Conflict):
        agency_create(name="Second", owner=user)
    assert not Agency.objects.filter(name="Second").exists()
