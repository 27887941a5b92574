"""Creator sign-up (/accounts/signup/creator/): a new account and its creator profile, signed in."""

import pytest
from django.urls import reverse

from brands.models import BrandMembership
from creators.models import Creator
from marketplace.core.models import User
from tests.factories import CreatorFactory
from tests.signup import GOOD_PASSWORD, assert_signed_in_dashboard, creator_signup_data

pytestmark = pytest.mark.django_db


def test_creator_signup_creates_user_and_linked_creator_profile_and_logs_in(client):
    response = client.post(reverse("signup_creator"), creator_signup_data(), follow=True)

    creator = Creator.objects.select_related("user").get(handle="lin-cooks")
    assert creator.display_name == "Lin Cooks"
    assert creator.user.email == "lin@example.test"
    assert creator.user.check_password(GOOD_PASSWORD)
    assert not BrandMembership.objects.filter(user=creator.user).exists()
    assert_signed_in_dashboard(
        response,
        reverse("creators:dashboard"),
        "Welcome to Starmap! Complete your profile so brands can find you.",
        "Hello, Lin Cooks",
        "Lin",
    )


def test_creator_signup_with_a_taken_handle_shows_a_field_error_and_saves_nothing(client):
    CreatorFactory(handle="lin-cooks")
    users_before = User.objects.count()

    response = client.post(reverse("signup_creator"), creator_signup_data(handle="Lin-Cooks"))

    assert response.status_code == 400
    assert "handle" in response.context["form"].errors
    assert User.objects.count() == users_before
    assert 'id="id_handle_errors"' in response.content.decode()
