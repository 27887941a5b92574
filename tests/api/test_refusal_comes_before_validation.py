"""A caller who may not act gets the 403 or 404 before anything is said about the body: field errors for some ids
and a 404 for others would tell which ids are someone else's, and a body checked before the role would tell a
stranger what the door takes."""

import pytest
from django.urls import reverse

from agencies.services import agency_create
from brands.models import BrandMembership
from tests.api.clients import api_for
from tests.factories import MembershipFactory, UserFactory
from tests.orders.conftest import make_creator
from webhooks import services

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints/"


@pytest.fixture(autouse=True)
def _private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "first"}}


def _endpoint_of(user):
    endpoint, _secret = services.endpoint_create(
        actor=user, url="http://127.0.0.1:9/hook", event_types=["collaboration.published"]
    )
    return endpoint


def _theirs(kind: str):
    if kind == "brand":
        return _endpoint_of(MembershipFactory(role="owner").user)
    owner = UserFactory()
    agency_create(name="Lumen Talent", owner=owner)
    return _endpoint_of(owner)


@pytest.mark.parametrize("kind", ["brand", "agency"])
@pytest.mark.parametrize("patch", [{"title": "x"}, {"description": "x"}, {"event_types": []}, {"url": 5}])
def test_patching_another_owners_endpoint_is_a_404_whatever_the_body(kind, patch):
    endpoint = _theirs(kind)
    me = api_for(MembershipFactory(role="owner").user)

    response = me.patch(f"{ENDPOINTS}{endpoint.pk}/", patch, format="json")

    assert response.status_code == 404
    assert not response.json().get("errors")


@pytest.mark.parametrize("who", ["creator", "viewer"])
@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1:9/hook"},
        {"url": "http://127.0.0.1:9/hook", "event_types": ["collaboration.published"]},
        {"nonsense": 1},
    ],
)
def test_registering_an_endpoint_without_the_role_is_a_403_whatever_the_body(who, body):
    user = make_creator().user if who == "creator" else MembershipFactory(role=BrandMembership.Role.VIEWER).user

    response = api_for(user).post(ENDPOINTS, body, format="json")

    assert response.status_code == 403
    assert not response.json().get("errors")


def test_changing_the_role_of_another_brands_member_is_a_404_with_or_without_a_role(client):
    owner = MembershipFactory(role="owner")
    theirs = MembershipFactory(role="manager")
    client.force_login(owner.user)
    path = reverse("brands:member_role", args=[theirs.pk])

    no_role = client.post(path, {})
    bad_role = client.post(path, {f"m{theirs.pk}-role": "emperor"})
    good_role = client.post(path, {f"m{theirs.pk}-role": "viewer"})

    assert no_role.status_code == bad_role.status_code == good_role.status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == "manager"
