"""API tokens end with the password they were made under, and the tokens page revokes them all at once.

Every way a password changes is in the table: the change page, the reset link, the admin's password
form and a plain set_password() + save() (what manage.py changepassword does).
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.models import ApiToken, AuditLog
from marketplace.services.tokens import api_token_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "pw-for-tests-only"
NEW_PASSWORD = "violet-harbour-72"


def _api_status(token: str) -> int:
    return APIClient().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}").status_code


def _change_on_the_page(client, user):
    client.force_login(user)
    data = {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post(reverse("password_change"), data, follow=True)


def _reset_by_mail(client, user):
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post(form_page.redirect_chain[-1][0], data, follow=True)


def _set_in_the_admin(client, user):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    data = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return client.post(url, data, follow=True)


def _set_password_and_save(client, user):
    user.set_password(NEW_PASSWORD)
    user.save()


PASSWORD_CHANGES = {
    "change page": _change_on_the_page,
    "reset link": _reset_by_mail,
    "admin": _set_in_the_admin,
    "set_password": _set_password_and_save,
}


@pytest.mark.parametrize("change", PASSWORD_CHANGES.values(), ids=PASSWORD_CHANGES.keys())
def test_every_password_change_revokes_the_users_tokens_and_only_theirs(client, change):
    user = MembershipFactory().user
    tokens = [api_token_create(user=user, name=f"script {i}")[1] for i in range(2)]
    _row, other = api_token_create(user=MembershipFactory().user, name="someone else's")
    before = [_api_status(token) for token in tokens]

    change(client, user)

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert before == [200, 200]
    assert [_api_status(token) for token in tokens] == [401, 401]
    assert _api_status(other) == 200
    assert AuditLog.objects.filter(action="api_token.revoke_all", object_id=str(user.pk)).count() == 1


def test_creating_an_account_revokes_nothing():
    user = UserFactory()
    _row, token = api_token_create(user=user, name="script")

    user.full_name = "Renamed"
    user.save()

    assert _api_status(token) == 200


@pytest.mark.parametrize("page", ["password_change", "password_change_done"])
def test_the_password_change_pages_say_tokens_are_revoked(client, page):
    client.force_login(UserFactory())

    body = client.get(reverse(page)).content.decode()

    assert "API tokens" in body and "revoke" in body


def test_the_reset_pages_say_tokens_are_revoked(client):
    response = _reset_by_mail(client, UserFactory())

    assert response.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "Your API tokens were revoked" in response.content.decode()


def test_the_new_password_form_of_a_reset_says_tokens_will_be_revoked(client):
    user = UserFactory()
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)

    form_page = client.get(link, follow=True)

    assert "also revokes your API tokens" in form_page.content.decode()


# ------------------------------------------------------------------ revoke all on the tokens page


def test_revoke_all_on_the_tokens_page_ends_every_active_token(client):
    user = MembershipFactory().user
    tokens = [api_token_create(user=user, name=f"script {i}")[1] for i in range(3)]
    _row, other = api_token_create(user=MembershipFactory().user, name="someone else's")
    client.force_login(user)
    page = client.get(reverse("api_tokens")).content.decode()

    response = client.post(reverse("api_tokens_revoke_all"), follow=True)

    body = response.content.decode()
    assert f'action="{reverse("api_tokens_revoke_all")}"' in page
    assert response.redirect_chain[-1][0] == reverse("api_tokens")
    assert "3 tokens revoked; scripts using them now get 401." in body
    assert body.count(">revoked<") == 3
    assert [_api_status(token) for token in tokens] == [401, 401, 401]
    assert _api_status(other) == 200


def test_revoke_all_is_offered_only_with_active_tokens(client):
    user = UserFactory()
    row, _token = api_token_create(user=user, name="script")
    client.force_login(user)
    with_one = client.get(reverse("api_tokens")).content.decode()
    client.post(reverse("api_tokens_revoke_all"))

    without = client.get(reverse("api_tokens")).content.decode()
    again = client.post(reverse("api_tokens_revoke_all"), follow=True).content.decode()

    assert reverse("api_tokens_revoke_all") in with_one
    assert reverse("api_tokens_revoke_all") not in without
    assert "You have no active tokens." in again
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None


def test_revoke_all_is_a_post(client):
    client.force_login(UserFactory())

    assert client.get(reverse("api_tokens_revoke_all")).status_code == 405
