"""The web login answers 429 with Retry-After after too many failed attempts per client IP and username.

Counts live in the shared Redis, so every test logs in as a fresh, unique e-mail address.
"""

import time
import uuid

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def user():
    return UserFactory(email=f"throttle-{uuid.uuid4().hex[:12]}@example.test")


@pytest.fixture
def limit(settings) -> int:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    return int(rate.split("/")[0])


def _rate(settings, rate: str) -> None:
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "login": rate}}


def _fail(client, email: str, times: int = 1, **extra) -> list[int]:
    return [client.post(LOGIN, {"username": email, "password": "wrong"}, **extra).status_code for _ in range(times)]


def _login(client, email: str, **extra):
    return client.post(LOGIN, {"username": email, "password": PASSWORD}, **extra)


def test_the_login_rate_is_the_throttle_login_setting_of_ten_a_minute(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"] == "10/minute"


def test_failed_logins_beyond_the_limit_answer_429_with_retry_after(client, user, limit):
    statuses = _fail(client, user.email, times=limit)

    response = client.post(LOGIN, {"username": user.email, "password": "wrong"})

    assert statuses == [200] * limit
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many failed logins" in response.content.decode()


def test_a_throttled_client_cannot_log_in_even_with_the_right_password(client, user, limit):
    _fail(client, user.email, times=limit)

    response = _login(client, user.email)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_username_is_matched_without_case_or_surrounding_spaces(client, user, limit):
    _fail(client, user.email.upper(), times=limit)

    response = _login(client, f"  {user.email} ")

    assert response.status_code == 429


def test_the_limit_is_per_username(client, user, limit):
    other = UserFactory(email=f"other-{uuid.uuid4().hex[:12]}@example.test")
    _fail(client, user.email, times=limit)

    response = _login(client, other.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_the_limit_is_per_client_ip(client, user, limit):
    _fail(client, user.email, times=limit, REMOTE_ADDR="203.0.113.7")

    response = _login(client, user.email, REMOTE_ADDR="203.0.113.8")

    assert response.status_code == 302


def test_a_forged_x_forwarded_for_does_not_escape_the_limit_without_proxies(client, user, limit):
    for i in range(limit):
        _fail(client, user.email, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")

    response = _login(client, user.email, HTTP_X_FORWARDED_FOR="198.51.100.250")

    assert response.status_code == 429


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(client, settings, user, limit):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    _fail(client, user.email, times=limit, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")

    blocked = _login(client, user.email, HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.7")
    other_client = _login(client, user.email, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert blocked.status_code == 429
    assert other_client.status_code == 302


def test_successful_logins_are_not_counted(client, user, limit):
    statuses = []
    for _ in range(limit + 2):
        statuses.append(_login(client, user.email).status_code)
        client.logout()

    assert statuses == [302] * (limit + 2)


def test_a_successful_login_clears_the_failures(client, user, limit):
    _fail(client, user.email, times=limit - 1)
    _login(client, user.email)
    client.logout()

    statuses = _fail(client, user.email, times=limit - 1)
    response = _login(client, user.email)

    assert statuses == [200] * (limit - 1)
    assert response.status_code == 302


def test_the_limit_resets_when_the_window_ends(client, settings, user):
    _rate(settings, "2/second")
    _fail(client, user.email, times=2)
    throttled = _login(client, user.email)

    time.sleep(int(throttled["Retry-After"]) + 0.1)
    response = _login(client, user.email)

    assert throttled.status_code == 429
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
