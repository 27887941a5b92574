"""Every way to get into an account, or to make the platform send mail or open accounts, is rate limited.

One table of doors: the login page, the Django admin's login, API token use, the password-reset mail
and sign-up. Each door is driven through what a client sends; past its rate the client gets 429 with
Retry-After and a message saying what happened, and even a correct attempt is refused until then.
docs/security.md lists the same doors, keys and rates.

Every test starts from zero (tests/conftest.py gives each test its own cache key prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from marketplace.core.models import User
from marketplace.core.tokens import api_token_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

RATE = 3
PASSWORD = "pw-for-tests-only"
NEW_PASSWORD = "violet-harbour-72"


@dataclass(frozen=True)
class Door:
    name: str
    setting: str  # the THROTTLE_* rate that limits it
    bad: Callable  # (world, i) -> response of one attempt that counts
    good: Callable  # (world) -> response of an attempt that would succeed without the limit
    allowed: int  # attempts answered before the first 429
    message: str
    good_status: int  # what the good attempt gets when not limited


def _world() -> dict:
    owner = MembershipFactory(user=UserFactory(email="ana@example.test"))
    _row, token = api_token_create(user=owner.user, name="script")
    UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    return {"client": Client(), "api": APIClient(), "token": token}


def _login(world, password: str):
    return world["client"].post(reverse("login"), {"username": "ana@example.test", "password": password})


def _admin_login(world, password: str):
    data = {"username": "root@example.test", "password": password, "next": reverse("admin:index")}
    return world["client"].post(reverse("admin:login"), data)


def _api(world, token: str):
    return world["api"].get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}")


def _reset(world, email: str):
    return world["client"].post(reverse("password_reset"), {"email": email})


def _signup(world, email: str, password2: str = NEW_PASSWORD):
    data = {
        "email": email,
        "full_name": "New Brand Owner",
        "brand_name": "New Brand",
        "password1": NEW_PASSWORD,
        "password2": password2,
    }
    return world["client"].post(reverse("signup_brand"), data)


DOORS = [
    Door(
        "login page",
        "THROTTLE_LOGIN",
        bad=lambda w, i: _login(w, "wrong"),
        good=lambda w: _login(w, PASSWORD),
        allowed=RATE - 1,  # the failure that reaches the limit is answered with the lockout
        message="Too many failed logins. Try again in 60 minutes.",
        good_status=302,
    ),
    Door(
        "admin login",
        "THROTTLE_LOGIN",
        bad=lambda w, i: _admin_login(w, "wrong"),
        good=lambda w: _admin_login(w, PASSWORD),
        allowed=RATE - 1,
        message="Too many failed logins. Try again in 60 minutes.",
        good_status=302,
    ),
    Door(
        "API token",
        "THROTTLE_TOKEN",
        bad=lambda w, i: _api(w, f"smp_guess{i}"),
        good=lambda w: _api(w, w["token"]),
        allowed=RATE,
        message="Too many requests with a token that is not valid from your address.",
        good_status=200,
    ),
    Door(
        "password reset",
        "THROTTLE_PASSWORD_RESET",
        bad=lambda w, i: _reset(w, f"someone{i}@example.test"),
        good=lambda w: _reset(w, "ana@example.test"),
        allowed=RATE,
        message="Too many password reset requests from your network. Try again in 60 minutes.",
        good_status=302,
    ),
    Door(
        "sign-up",
        "THROTTLE_SIGNUP",
        bad=lambda w, i: _signup(w, f"new{i}@example.test", password2="not-the-same-91"),
        good=lambda w: _signup(w, "new@example.test"),
        allowed=RATE,
        message="Too many sign-ups from your network. Try again in 60 minutes.",
        good_status=302,
    ),
]


# The routes of the doors above.
DOOR_ROUTES = {"login", "admin:login", "password_reset", "signup_brand", "signup_creator"}


def _set_rate(settings, name: str, rate: str) -> None:
    if name == "THROTTLE_LOGIN":
        settings.THROTTLE_LOGIN = rate
        return
    scope = name.removeprefix("THROTTLE_").lower()
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], scope: rate}}


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()["detail"]
    return response.content.decode()


def test_the_table_names_every_rate_setting(settings):
    scopes = {f"THROTTLE_{scope.upper()}" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}

    # Money and re-ranking are throttled per user and brand, not doors to an account: tests/orders/test_amount_limit.py
    # and tests/matching/test_rerun.py hold them.
    not_doors = {"THROTTLE_PASSWORD_RESET_ADDRESS", "THROTTLE_MONEY", "THROTTLE_RERANK"}
    covered = {door.setting for door in DOORS} | not_doors

    assert scopes | {"THROTTLE_LOGIN"} == covered


@pytest.mark.parametrize("door", DOORS, ids=[door.name for door in DOORS])
def test_every_door_refuses_past_its_rate_with_429_retry_after_and_a_message(settings, door):
    _set_rate(settings, door.setting, f"{RATE}/hour")
    world = _world()

    answered = [door.bad(world, i).status_code for i in range(door.allowed)]
    refused = door.bad(world, door.allowed)
    good = door.good(world)

    assert 429 not in answered
    assert refused.status_code == 429
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert door.message in _text(refused)
    assert good.status_code == 429  # even the right password, token, address or form waits


@pytest.mark.parametrize("door", DOORS, ids=[door.name for door in DOORS])
def test_without_reaching_the_rate_every_door_works(settings, door):
    _set_rate(settings, door.setting, f"{RATE}/hour")
    world = _world()

    answered = [door.bad(world, i).status_code for i in range(door.allowed - 1)]
    good = door.good(world)

    assert 429 not in answered
    assert good.status_code == door.good_status


# ------------------------------------------------------------------ what each limit counts


def test_reset_mails_to_one_address_are_limited_whichever_network_asks(settings):
    _set_rate(settings, "THROTTLE_PASSWORD_RESET_ADDRESS", "2/hour")
    UserFactory(email="ana@example.test")
    spellings = ["ana@example.test", "ANA@example.test", "\uff41na@example.test"]

    statuses = [
        Client(REMOTE_ADDR=f"198.51.100.{i}").post(reverse("password_reset"), {"email": email}).status_code
        for i, email in enumerate(spellings)
    ]
    refused = Client(REMOTE_ADDR="198.51.100.9").post(reverse("password_reset"), {"email": "ana@example.test"})

    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2
    assert refused.status_code == 429
    assert "We have sent several links to this address already" in refused.content.decode()


def test_reset_requests_for_unknown_addresses_count_too(settings):
    _set_rate(settings, "THROTTLE_PASSWORD_RESET_ADDRESS", "1/hour")

    first = Client().post(reverse("password_reset"), {"email": "nobody@example.test"})
    second = Client(REMOTE_ADDR="203.0.113.5").post(reverse("password_reset"), {"email": "nobody@example.test"})

    assert (first.status_code, second.status_code) == (302, 429)


def test_sign_ups_are_counted_per_client_ip(settings):
    _set_rate(settings, "THROTTLE_SIGNUP", "1/hour")
    world = _world()
    _signup(world, "new1@example.test", password2="nope-nope-91")

    same_ip = _signup(world, "new2@example.test")
    other_ip = Client(REMOTE_ADDR="203.0.113.9").post(
        reverse("signup_creator"),
        {
            "email": "new3@example.test",
            "display_name": "New Creator",
            "handle": "new-creator",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert same_ip.status_code == 429
    assert other_ip.status_code == 302
    assert list(User.objects.filter(email__startswith="new").values_list("email", flat=True)) == ["new3@example.test"]


def test_valid_tokens_are_not_counted(settings):
    _set_rate(settings, "THROTTLE_TOKEN", "2/hour")
    world = _world()

    statuses = [_api(world, world["token"]).status_code for _ in range(5)]

    assert statuses == [200] * 5


def test_a_malformed_authorization_header_counts_as_a_failed_lookup(settings):
    _set_rate(settings, "THROTTLE_TOKEN", "2/hour")
    world = _world()
    api = world["api"]

    statuses = [
        api.get(reverse("api:me"), HTTP_AUTHORIZATION="Token a b").status_code,
        api.get(reverse("api:me"), HTTP_AUTHORIZATION=b"Token \xff\xfe").status_code,
    ]
    refused = _api(world, world["token"])

    assert statuses == [401, 401]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


# ------------------------------------------------------------------ no door left out

# Routes a guest can POST to that are not doors: what they do cannot get into an account, send mail
# or create one. Every other route a guest can POST to must be a door in DOORS.
NOT_DOORS = {
    "home": "the landing page; a POST renders it and changes nothing",
    "signup": "the page that chooses brand or creator sign-up; it creates nothing",
    "set_language": "stores the language choice in a cookie",
    "admin:logout": "ends a session, and a guest has none",
    "password_reset_confirm": "sets a password only through the signed, expiring link of a reset mail (which is "
    "limited at password_reset); a guessed link only gets 'This link no longer works'",
}


def _routes(resolver=None, namespace: str = ""):
    """(name, URL) of every named route, path parameters filled with placeholders."""
    from django.urls import URLResolver, get_resolver
    from django.urls.converters import IntConverter

    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif pattern.name:
            converters = getattr(pattern.pattern, "converters", {})
            kwargs = {key: 1 if isinstance(conv, IntConverter) else "x" for key, conv in converters.items()}
            try:
                yield f"{namespace}{pattern.name}", reverse(f"{namespace}{pattern.name}", kwargs=kwargs)
            except NoReverseMatch:  # a regex route that takes no placeholder: the admin's app lists only
                assert pattern.name == "app_list", pattern.name


def test_every_route_a_guest_can_post_to_is_a_door_in_the_table_or_harmless(client):
    logins = (reverse("login"), reverse("admin:login"))

    open_to_guests = set()
    for name, url in _routes():
        response = client.post(url)
        sent_to_log_in = response.status_code == 302 and response["Location"].startswith(logins)
        if response.status_code not in (401, 403, 404, 405) and not sent_to_log_in:
            open_to_guests.add(name)

    assert open_to_guests == set(DOOR_ROUTES) | set(NOT_DOORS)
