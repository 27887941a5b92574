"""Brand sign-up (/accounts/signup/brand/): a new account, its brand and the owner's seat, signed in."""

import pytest
from django.urls import reverse

from brands.models import Brand, BrandMembership
from marketplace.core.models import AuditLog, User
from tests.factories import BrandFactory, UserFactory
from tests.pages import is_guest
from tests.signup import GOOD_PASSWORD, assert_signed_in_dashboard, brand_signup_data

pytestmark = pytest.mark.django_db


def test_brand_signup_creates_user_brand_and_owner_seat_and_logs_in(client):
    response = client.post(reverse("signup_brand"), brand_signup_data(), follow=True)

    user = User.objects.get(email="maya@example.test")
    assert user.check_password(GOOD_PASSWORD)
    assert user.full_name == "Maya Chen"
    membership = BrandMembership.objects.select_related("brand").get(user=user)
    assert membership.role == BrandMembership.Role.OWNER
    assert membership.brand.name == "Aurora Skin"
    assert membership.brand.slug == "aurora-skin"
    assert AuditLog.objects.filter(action="brand.created", object_id=str(membership.brand.pk)).exists()
    welcome = "Welcome to Starmap! Your brand Aurora Skin is ready."
    assert_signed_in_dashboard(response, reverse("brands:dashboard"), welcome, "<h1>Aurora Skin</h1>", "Maya")


def test_brand_signup_gives_a_second_brand_with_the_same_name_its_own_slug(client):
    BrandFactory(name="Aurora Skin", slug="aurora-skin")

    client.post(reverse("signup_brand"), brand_signup_data())

    assert Brand.objects.get(memberships__user__email="maya@example.test").slug == "aurora-skin-2"


def test_brand_signup_with_a_chinese_name_gets_a_valid_slug(client):
    client.post(reverse("signup_brand"), brand_signup_data(brand_name="极光护肤"))

    brand = Brand.objects.get(memberships__user__email="maya@example.test")
    assert brand.name == "极光护肤"
    assert brand.slug == "brand"


def test_brand_signup_with_mismatched_passwords_creates_nothing(client):
    response = client.post(reverse("signup_brand"), brand_signup_data(password2="something-else-91"))

    assert response.status_code == 400
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()
    assert not Brand.objects.exists()
    assert is_guest(client)


def test_brand_signup_with_a_weak_password_shows_the_validator_message(client):
    response = client.post(reverse("signup_brand"), brand_signup_data(password1="123", password2="123"))

    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


def test_brand_signup_with_a_taken_email_in_another_case_is_refused(client):
    UserFactory(email="maya@example.test")

    response = client.post(reverse("signup_brand"), brand_signup_data(email="MAYA@example.test"))

    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1
    assert not Brand.objects.exists()
