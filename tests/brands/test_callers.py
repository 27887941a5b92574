"""The caller loaded with its hand-written SQL is what the ORM's select_related would give."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.callers import token_with_caller, user_with_seat
from brands.models import BrandMembership
from brands.selectors import membership_for_user
from marketplace.core.models import ApiToken, User
from marketplace.core.roles import role_of
from marketplace.core.tokens import api_token_create
from tests.factories import BrandFactory, CreatorFactory, MembershipFactory, ProductCategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def _seat_of(user):
    return BrandMembership.user.field.remote_field.get_cached_value(user)


@pytest.fixture
def member():
    brand = BrandFactory(industry=ProductCategoryFactory(), verified_at=timezone.now() - timedelta(days=3))
    membership = MembershipFactory(brand=brand, role=BrandMembership.Role.VIEWER)
    User.objects.filter(pk=membership.user_id).update(last_login=timezone.now(), time_zone="Asia/Shanghai")
    return membership


def test_a_brand_members_token_brings_user_seat_and_brand_equal_to_the_orm(member):
    _row, token = api_token_create(user=member.user, name="tests")
    expected = ApiToken.objects.select_related("user__brand_membership__brand").get(digest=ApiToken.digest_of(token))

    loaded = token_with_caller(ApiToken.digest_of(token))

    assert _values(loaded) == _values(expected)
    assert _values(loaded.user) == _values(expected.user)
    assert _values(_seat_of(loaded.user)) == _values(expected.user.brand_membership)
    assert _values(_seat_of(loaded.user).brand) == _values(expected.user.brand_membership.brand)
    assert loaded._state.adding is False and loaded.user._state.db == "default"
    with CaptureQueriesContext(connection) as queries:
        assert membership_for_user(loaded.user).brand.name == member.brand.name
        assert role_of(loaded.user).brand_role == BrandMembership.Role.VIEWER
    assert len(queries) == 0


def test_a_creator_has_no_seat_cached_and_is_still_a_creator():
    creator = CreatorFactory()
    _row, token = api_token_create(user=creator.user, name="tests")

    loaded = token_with_caller(ApiToken.digest_of(token))

    assert loaded.user.pk == creator.user_id and _seat_of(loaded.user) is None
    with CaptureQueriesContext(connection) as queries:
        assert membership_for_user(loaded.user) is None
    assert len(queries) == 0
    assert role_of(loaded.user).is_creator


def test_revoked_and_unknown_tokens_load_nothing(member):
    row, token = api_token_create(user=member.user, name="tests")
    assert token_with_caller(ApiToken.digest_of("smp_not-a-token")) is None
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    assert token_with_caller(ApiToken.digest_of(token)) is None


def test_the_session_user_comes_with_the_seat_and_bad_ids_are_nobody(member):
    expected = User.objects.select_related("brand_membership__brand").get(pk=member.user_id)

    loaded = user_with_seat(str(member.user_id))  # sessions keep the id as text

    assert _values(loaded) == _values(expected)
    assert _values(_seat_of(loaded)) == _values(expected.brand_membership)
    assert user_with_seat(10**9) is None
    assert user_with_seat("not-a-number") is None
    assert _seat_of(user_with_seat(UserFactory().pk)) is None


def test_pages_and_the_api_still_answer_for_the_loaded_caller(client, member):
    client.force_login(member.user)
    assert client.get("/brand/").status_code == 200
    _row, token = api_token_create(user=member.user, name="tests")
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    User.objects.filter(pk=member.user_id).update(is_active=False)
    assert client.get("/brand/").status_code == 302  # an inactive user's session no longer logs in
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
