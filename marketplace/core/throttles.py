"""Rate limits on every door to an account, counted in the shared cache (Redis), so every web worker
sees the same numbers. docs/security.md lists each door, its key, its rate and what the client sees.

- Credential logins (the login page and the Django admin's) are counted by django-axes, which sees
  every ``authenticate()`` call (``CallerBackend`` is its backend). Axes keys on the normalised
  identity and, separately, on the client IP (``AXES_LOCKOUT_PARAMETERS``); this module gives it
  both, the handler and the locked-out page (429 with Retry-After).
- The doors axes does not see use ``AttemptThrottle``, a DRF throttle whose rates sit beside the API's
  in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``: failed API token lookups, password-reset mails
  (per IP and per address) and sign-ups.

Every rate is written as ``marketplace.core.rates`` reads it: ``10/15m`` is ten per fifteen minutes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from datetime import timedelta

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_client_cache_keys, get_failure_limit, make_cache_key_list
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from marketplace.core.models.users import normalize_email
from marketplace.core.rates import parse_rate

NOT_AN_EMAIL = "(not an e-mail address)"  # one bucket for every username no account can have


def client_ip(request) -> str:
    """The client's address as DRF sees it: REMOTE_ADDR, or with NUM_PROXIES proxies in front the
    NUM_PROXIES-th X-Forwarded-For address from the right. An IPv6 client is its /64, the block one
    subscriber gets, so a client cannot step through fresh addresses of its own."""
    ident = BaseThrottle().get_ident(request) or ""
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if address.version == 6 and address.ipv4_mapped:  # an IPv4 client of a dual-stack listener
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def identity(username: str | None) -> str:
    """The account a login attempt is for, as the limit counts it: NFKC, case-folded, no surrounding spaces.

    Every spelling that reaches the same account (fullwidth letters, capitals) counts in one bucket. An
    address always holds an "@" and an IP never does, so no username can share a bucket with a client IP.
    """
    folded = normalize_email(username).casefold()
    return folded if "@" in folded else NOT_AN_EMAIL


def seconds_left(backend, key: str, default: int) -> int:
    """Seconds until the counter at ``key`` in the cache ``backend`` expires (``default`` when it cannot tell)."""
    if isinstance(backend, RedisCache):
        # Django's RedisCache has no ttl(); the redis client it wraps has.
        ttl = backend._cache.get_client(key).ttl(backend.make_and_validate_key(key))
        if ttl > 0:
            return ttl
    return default


def minutes(wait: int) -> int:
    """Whole minutes to tell a person to wait (at least one)."""
    return max(1, math.ceil(wait / 60))


def show_only(form, message: str) -> None:
    """Give ``form`` one error, at the top: this message (field errors of a refused request are beside the point)."""
    form.errors.clear()
    form.add_error(None, message)


def refuse(response: HttpResponse, wait: int) -> HttpResponse:
    """The response as a 429 that says when to come back."""
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def signup_refused(request, form, template: str) -> HttpResponse | None:
    """Count a sign-up attempt from this client IP (brands' and creators' sign-up pages share the count);
    beyond the rate, the sign-up page with the reason, as a 429."""
    throttle = SignupThrottle()
    if throttle.allow_request(request):
        return None
    wait = throttle.wait()
    m = minutes(wait)
    message = ngettext(
        "Too many sign-ups from your network. Try again in %(minutes)d minute.",
        "Too many sign-ups from your network. Try again in %(minutes)d minutes.",
        m,
    )
    show_only(form, message % {"minutes": m})
    return refuse(render(request, template, {"form": form}), wait)


# ------------------------------------------------------------------------- logins (django-axes)


def login_identity(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the identity of the attempt, from the credentials or the posted form."""
    if credentials:
        username = credentials.get("username") or credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "data", request.POST).get("username")
    return identity(username)


def login_failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: the N of THROTTLE_LOGIN, read per attempt so a changed setting applies at once."""
    return parse_rate(settings.THROTTLE_LOGIN)[0]


def login_cooloff(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: a lockout ends this long after the failure that caused it."""
    return timedelta(seconds=parse_rate(settings.THROTTLE_LOGIN)[1])


def login_failures_clear(email: str) -> None:
    """Forget the failed logins counted against this account (not those of any client IP)."""
    get_cache().delete_many(make_cache_key_list([{"username": identity(email)}]))


class LoginAttempts(AxesCacheHandler):
    """AXES_HANDLER: axes' cache handler, except that

    - a successful login clears only its account's failures: clearing the client IP's count as well
      would let an attacker reset the per-IP limit by logging into an account of their own between
      guesses at others';
    - the cache is looked up on each use rather than once per process, so a changed CACHES setting
      (each test has its own key prefix) applies.
    """

    def __init__(self):
        pass

    @property
    def cache(self):
        return get_cache()

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        login_failures_clear(user.get_username())


def login_retry_after(request, credentials: dict | None) -> int:
    """Seconds until the longest of the lockouts that hold this attempt (its account's, its IP's) ends."""
    limit = get_failure_limit(request, credentials)
    cache = get_cache()
    cooloff = int(login_cooloff().total_seconds())
    keys = [key for key in get_client_cache_keys(request, credentials) if (cache.get(key) or 0) >= limit]
    return max((seconds_left(cache, key, cooloff) for key in keys), default=cooloff)


def login_locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page (or the admin's) again, with the reason at the top, as a
    429 with Retry-After. The password was not checked."""
    wait = login_retry_after(request, credentials)
    m = minutes(wait)
    message = ngettext(
        "Too many failed logins. Try again in %(minutes)d minute.",
        "Too many failed logins. Try again in %(minutes)d minutes.",
        m,
    ) % {"minutes": m}
    form = getattr(original_response, "context_data", None) and original_response.context_data.get("form")
    if not isinstance(original_response, TemplateResponse) or form is None:
        return refuse(HttpResponse(message, content_type="text/plain; charset=utf-8"), wait)
    show_only(form, message)  # "Please enter a correct e-mail address and password" would not be true
    original_response.content = original_response.rendered_content
    return refuse(original_response, wait)


# ----------------------------------------------------------------- the other doors (DRF throttles)


class AttemptThrottle(SimpleRateThrottle):
    """A DRF throttle counted with one atomic Redis INCR in a fixed window that opens with the first
    counted request: concurrent requests cannot slip past the limit (DRF's own throttles read a list
    and write it back, and a burst can). ``allow_request`` counts; ``exceeded`` only looks.

    The rate is read from settings on every request, like MoneyThrottle, so an operator's value and a
    test's override both apply. Subclasses name the ``scope`` and what ``ident`` counts by.
    """

    cache_format = "throttle:%(scope)s:%(ident)s"

    def get_rate(self) -> str:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def parse_rate(self, rate):
        return parse_rate(rate)

    def ident(self, request) -> str:
        return client_ip(request)

    def get_cache_key(self, request, view=None) -> str | None:
        ident = self.ident(request)
        if not ident:
            return None
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(ident.encode()).hexdigest()[:40]}

    def allow_request(self, request, view=None) -> bool:
        """Count this request; False once the count is past the rate."""
        self.key = self.get_cache_key(request, view)
        return self.key is None or self._count() <= self.num_requests

    def exceeded(self, request) -> bool:
        """Whether the rate is used up, without counting this request."""
        self.key = self.get_cache_key(request)
        return self.key is not None and (self.cache.get(self.key) or 0) >= self.num_requests

    def wait(self) -> int:
        return seconds_left(caches["default"], self.key, self.duration)  # self.cache is DRF's proxy to it

    def _count(self) -> int:
        if self.cache.add(self.key, 1, self.duration):
            return 1
        try:
            count = self.cache.incr(self.key)
        except ValueError:  # expired since add(): this request opens a new window
            self.cache.add(self.key, 1, self.duration)
            return 1
        if count == 1:  # expired between incr's check and its INCR, which made a key without expiry
            self.cache.touch(self.key, self.duration)
        return count


class TokenFailureThrottle(AttemptThrottle):
    """API token lookups that found no active token, per client IP."""

    scope = "token"


class SignupThrottle(AttemptThrottle):
    """Sign-up attempts (brand and creator), per client IP."""

    scope = "signup"


class PasswordResetThrottle(AttemptThrottle):
    """Password-reset requests, per client IP."""

    scope = "password_reset"


class PasswordResetAddressThrottle(AttemptThrottle):
    """Password-reset requests, per address asked for (however it is spelled), from any client."""

    scope = "password_reset_address"

    def ident(self, request) -> str:
        return identity(request.POST.get("email"))


def first_refusal(request, throttles: list[AttemptThrottle]) -> AttemptThrottle | None:
    """Count the request against each throttle in turn; the first that refuses it (later ones are not counted)."""
    for throttle in throttles:
        if not throttle.allow_request(request):
            return throttle
    return None
