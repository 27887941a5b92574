"""Adding a member by e-mail opens an account, mails a set-password link and says when an address is taken, as
sign-up and the password reset do: it is counted in their limits (docs/security.md). Past them the owner sees
the members page again, 429 with Retry-After and why, and nothing is created or sent."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace.core.models import User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _set_rate(settings, scope: str, rate: str) -> None:
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], scope: rate}}


def _add(client, email: str):
    return client.post(reverse("brands:member_add"), {"email": email, "role": "viewer", "full_name": ""})


def test_adding_members_stops_at_the_sign_up_rate_with_429_and_a_message(
    settings, owner_client, django_capture_on_commit_callbacks
):
    _set_rate(settings, "signup", "3/hour")
    MembershipFactory(user=UserFactory(email="busy@example.test"))

    with django_capture_on_commit_callbacks(execute=True):  # the invitation is mailed after commit
        answered = [_add(owner_client, e).status_code for e in ("a@example.test", "busy@example.test", "nope")]
        refused = _add(owner_client, "b@example.test")

    assert answered == [302, 400, 400]
    assert refused.status_code == 429
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "Too many members added in a short time" in page
    assert "already belongs" not in page
    assert not User.objects.filter(email="b@example.test").exists()
    assert len(mail.outbox) == 1


def test_the_count_follows_the_owner_from_any_network(settings, owner):
    _set_rate(settings, "signup", "2/hour")
    statuses = []
    for i, email in enumerate(["one@example.test", "two@example.test", "three@example.test"]):
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        client.force_login(owner.user)
        statuses.append(_add(client, email).status_code)

    assert statuses == [302, 302, 429]


def test_adding_an_address_shares_its_reset_mail_cap(settings, owner_client):
    _set_rate(settings, "password_reset_address", "2/hour")
    Client(REMOTE_ADDR="203.0.113.8").post(reverse("password_reset"), {"email": "new@example.test"})
    first = _add(owner_client, "NEW@example.test")
    second = _add(owner_client, "ｎｅｗ@example.test")

    assert first.status_code == 302
    assert second.status_code == 429
    assert "We have sent several links to new@example.test already" in second.content.decode()


def test_sending_the_invitation_again_is_capped_per_address(
    settings, owner, owner_client, django_capture_on_commit_callbacks
):
    _set_rate(settings, "password_reset_address", "3/hour")
    with django_capture_on_commit_callbacks(execute=True):
        _add(owner_client, "late@example.test")
    member = owner.brand.memberships.get(user__email="late@example.test")
    resend = reverse("brands:member_invite", args=[member.pk])

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [owner_client.post(resend).status_code for _ in range(3)]
        refused = owner_client.post(resend)

    assert statuses == [302, 302, 429]  # the add itself sent the first link
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "We have sent several links to late@example.test already" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_sending_again_to_another_brands_member_is_a_404_and_is_not_counted(settings, owner_client):
    _set_rate(settings, "password_reset_address", "1/hour")
    theirs = MembershipFactory(user=UserFactory(email="theirs@example.test"))

    response = owner_client.post(reverse("brands:member_invite", args=[theirs.pk]))
    reset = owner_client.post(reverse("password_reset"), {"email": "theirs@example.test"})

    assert response.status_code == 404
    assert reset.status_code == 302


def test_while_the_counters_cannot_be_reached_nothing_is_added_or_sent(settings, owner, client):
    from tests.marketplace.test_redis_down import assert_try_again, point_caches_at
    from tests.redis_server import free_port

    member = MembershipFactory(brand=owner.brand, user=UserFactory(email="late@example.test"))
    member.user.set_unusable_password()
    member.user.save()
    client.force_login(owner.user)
    point_caches_at(settings, f"redis://127.0.0.1:{free_port()}/0")

    added = _add(client, "c@example.test")
    resent = client.post(reverse("brands:member_invite", args=[member.pk]))

    assert_try_again(added)
    assert_try_again(resent)
    assert not User.objects.filter(email="c@example.test").exists()
    assert mail.outbox == []
