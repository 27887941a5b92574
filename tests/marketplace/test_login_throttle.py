"""Failed logins lock out the account (however its e-mail is spelled) and, separately, the client IP.

django-axes counts every failed authenticate() in Redis; the login page and the Django admin's login
answer 429 with Retry-After and say when to come back. Every test starts from zero (tests/conftest.py
gives each test its own cache key prefix).
"""

import re
import time
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace.core.rates import parse_rate
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
PASSWORD = "pw-for-tests-only"
EMAIL = "ana@example.test"


@pytest.fixture
def user():
    return MembershipFactory(user=UserFactory(email=EMAIL, full_name="Ana Li"), brand__name="Aurora Skin").user


@pytest.fixture
def limit(settings) -> int:
    return parse_rate(settings.THROTTLE_LOGIN)[0]


def _fail(client, email: str, times: int = 1, **extra) -> list[int]:
    return [client.post(LOGIN, {"username": email, "password": "wrong"}, **extra).status_code for _ in range(times)]


def _login(client, email: str, **extra):
    return client.post(LOGIN, {"username": email, "password": PASSWORD}, **extra)


def _signed_in(client) -> bool:
    """Whether the next page the client opens is the signed-in dashboard."""
    page = client.get(reverse("home"), follow=True)
    landed = page.redirect_chain[-1][0] if page.redirect_chain else reverse("home")
    return landed == reverse("brands:dashboard") and "<h1>Aurora Skin</h1>" in page.content.decode()


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_the_login_limit_is_ten_failures_per_fifteen_minutes(settings):
    assert settings.THROTTLE_LOGIN == "10/15m"
    assert parse_rate(settings.THROTTLE_LOGIN) == (10, 900)


def test_the_failure_that_reaches_the_limit_locks_with_429_retry_after_and_a_clear_message(client, user, limit):
    statuses = _fail(client, EMAIL, times=limit - 1)

    response = client.post(LOGIN, {"username": EMAIL, "password": "wrong"})

    body = response.content.decode()
    assert statuses == [200] * (limit - 1)
    assert response.status_code == 429
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "Too many failed logins. Try again in 15 minutes." in body
    assert "Please enter a correct" not in body
    assert f'value="{EMAIL}"' in body  # the form is still there, with the address kept


def test_a_locked_out_client_cannot_log_in_even_with_the_right_password(client, user, limit):
    _fail(client, EMAIL, times=limit)

    response = _login(client, EMAIL)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.parametrize(
    "spelling",
    [EMAIL.upper(), f"  {EMAIL} ", _fullwidth("a") + EMAIL[1:], _fullwidth(EMAIL), "ANA@EXAMPLE.TEST".casefold()],
    ids=["upper", "padded", "fullwidth-first-letter", "fullwidth", "casefolded"],
)
def test_look_alike_spellings_count_against_the_same_account(client, user, limit, spelling):
    for i in range(limit):
        _fail(client, spelling, REMOTE_ADDR=f"198.51.100.{i}")

    response = _login(client, EMAIL, REMOTE_ADDR="203.0.113.99")

    assert response.status_code == 429
    assert not _signed_in(client)


def test_the_account_is_locked_whichever_addresses_the_failures_came_from(client, user, limit):
    for i in range(limit):
        _fail(client, EMAIL, REMOTE_ADDR=f"198.51.100.{i}")

    response = _login(client, EMAIL, REMOTE_ADDR="203.0.113.99")

    assert response.status_code == 429


def test_one_client_ip_is_locked_after_failing_against_many_accounts(client, user, limit):
    for i in range(limit):
        _fail(client, f"guess{i}@example.test", REMOTE_ADDR="203.0.113.7")

    same_ip = _login(client, EMAIL, REMOTE_ADDR="203.0.113.7")
    other_ip = _login(client, EMAIL, REMOTE_ADDR="203.0.113.8")

    assert same_ip.status_code == 429
    assert other_ip.status_code == 302
    assert _signed_in(client)


def test_ipv6_clients_are_counted_by_their_64_block(client, user, limit):
    for i in range(limit):
        _fail(client, f"guess{i}@example.test", REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}")

    same_block = _login(client, EMAIL, REMOTE_ADDR="2001:db8:1:2:ffff::1")
    other_block = _login(client, EMAIL, REMOTE_ADDR="2001:db8:1:3::1")

    assert same_block.status_code == 429
    assert other_block.status_code == 302


def test_ipv4_clients_of_a_dual_stack_server_are_counted_one_by_one(client, user, limit):
    for i in range(limit):
        _fail(client, f"guess{i}@example.test", REMOTE_ADDR="::ffff:203.0.113.7")

    same_client = _login(client, EMAIL, REMOTE_ADDR="203.0.113.7")
    other_client = _login(client, EMAIL, REMOTE_ADDR="::ffff:203.0.113.8")

    assert same_client.status_code == 429
    assert other_client.status_code == 302


def test_a_forged_x_forwarded_for_does_not_escape_the_limit_without_proxies(client, user, limit):
    for i in range(limit):
        _fail(client, f"guess{i}@example.test", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")

    response = _login(client, EMAIL, HTTP_X_FORWARDED_FOR="198.51.100.250")

    assert response.status_code == 429


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(client, settings, user, limit):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for i in range(limit):
        _fail(client, f"guess{i}@example.test", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7")

    blocked = _login(client, EMAIL, HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.7")
    other_client = _login(client, EMAIL, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert blocked.status_code == 429
    assert other_client.status_code == 302


def test_successful_logins_are_not_counted(client, user, limit):
    statuses = []
    for _ in range(limit + 2):
        statuses.append(_login(client, EMAIL).status_code)
        client.logout()

    assert statuses == [302] * (limit + 2)


def test_a_successful_login_clears_the_accounts_failures(client, user, limit):
    for i in range(limit - 1):
        _fail(client, EMAIL, REMOTE_ADDR=f"198.51.100.{i}")
    _login(client, EMAIL, REMOTE_ADDR="203.0.113.1")
    client.logout()

    statuses = [_fail(client, EMAIL, REMOTE_ADDR=f"192.0.2.{i}")[0] for i in range(limit - 1)]
    response = _login(client, EMAIL, REMOTE_ADDR="203.0.113.2")

    assert statuses == [200] * (limit - 1)
    assert response.status_code == 302


def test_logging_into_an_own_account_does_not_clear_the_ips_failures(client, user, limit):
    attacker = UserFactory(email="mallory@example.test")
    for i in range(limit - 1):
        _fail(client, f"guess{i}@example.test", REMOTE_ADDR="203.0.113.7")
    _login(client, attacker.email, REMOTE_ADDR="203.0.113.7")
    client.logout()

    response = client.post(LOGIN, {"username": "guess@example.test", "password": "x"}, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 429


def test_the_lock_ends_when_retry_after_has_passed(client, settings, user):
    settings.THROTTLE_LOGIN = "2/2s"
    _fail(client, EMAIL, times=2)
    locked = _login(client, EMAIL)

    time.sleep(int(locked["Retry-After"]) + 0.5)
    response = _login(client, EMAIL)

    assert locked.status_code == 429
    assert response.status_code == 302
    assert _signed_in(client)


def test_attempts_while_locked_do_not_extend_the_lock(client, settings, user):
    settings.THROTTLE_LOGIN = "2/3s"
    _fail(client, EMAIL, times=2)

    time.sleep(1.5)
    retry_after = [int(r["Retry-After"]) for r in (_login(client, EMAIL), _login(client, EMAIL))]

    assert max(retry_after) <= 2


def test_a_password_reset_ends_the_accounts_lockout(client, user, limit):
    for i in range(limit):
        _fail(client, EMAIL, REMOTE_ADDR=f"198.51.100.{i}")
    client.post(reverse("password_reset"), {"email": EMAIL})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form, {"new_password1": "violet-harbour-72", "new_password2": "violet-harbour-72"})

    response = client.post(LOGIN, {"username": EMAIL, "password": "violet-harbour-72"}, REMOTE_ADDR="203.0.113.99")

    assert response.status_code == 302
    assert _signed_in(client)


def test_an_attacker_who_locks_the_account_and_uses_up_its_reset_mails_cannot_keep_the_owner_out(client, user, limit):
    for i in range(limit):
        _fail(client, EMAIL, REMOTE_ADDR=f"198.51.100.{i}")
    asked = [
        client.post(reverse("password_reset"), {"email": EMAIL}, REMOTE_ADDR=f"192.0.2.{i}").status_code
        for i in range(10)
    ]
    assert 429 in asked  # the address's mails are used up for the hour...
    # ...but every one went to the owner, and the first link still works.
    owner = Client()  # the owner, from their own network
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)
    form = owner.get(link, follow=True).redirect_chain[-1][0]
    owner.post(form, {"new_password1": "violet-harbour-72", "new_password2": "violet-harbour-72"})

    response = owner.post(LOGIN, {"username": EMAIL, "password": "violet-harbour-72"}, REMOTE_ADDR="203.0.113.99")

    assert response.status_code == 302
    assert _signed_in(owner)


def test_the_admin_login_is_locked_like_the_login_page(client, limit):
    UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    data = {"username": "root@example.test", "password": "wrong", "next": reverse("admin:index")}
    statuses = [client.post(ADMIN_LOGIN, data).status_code for _ in range(limit)]

    response = client.post(ADMIN_LOGIN, {**data, "password": PASSWORD})
    admin_index = client.get(reverse("admin:index"))

    assert statuses == [200] * (limit - 1) + [429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed logins" in response.content.decode()
    assert admin_index.status_code == 302  # still not signed in: sent back to the admin's login


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/money/wallet/", "/money/wallet/"),
        ("²", "/"),
        ("\x00", "/"),
        ("1e999", "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
    ],
)
def test_signing_in_goes_to_next_only_when_it_is_a_path_on_this_site(client, user, next_url, lands):
    """Anything else is read by the browser as an address relative to the login page ("²" became
    /login/%C2%B2, a 404) or leads off the site: the person lands on the home page instead."""
    response = client.post(f"{LOGIN}?next={quote(next_url)}", {"username": EMAIL, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == lands
    assert _signed_in(client) and reverse("home") == "/"
