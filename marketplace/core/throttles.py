"""Rate limits on every door to an account, counted in the shared cache (Redis), so every web worker
sees the same numbers. docs/security.md lists each door, its key, its rate and what the client sees.

- Credential logins (the login page and the Django admin's) are counted by django-axes, which sees
  every ``authenticate()`` call (``CallerBackend`` is its backend). Axes keys on the normalised
  identity and, separately, on the client IP (``AXES_LOCKOUT_PARAMETERS``); this module gives it
  both, the handler and the locked-out page (429 with Retry-After).
- The doors axes does not see use ``AttemptThrottle``, a DRF throttle whose rates sit beside the API's
  in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``: failed API token lookups, password-reset mails
  (per IP and per address) and sign-ups. A brand owner adding a member by e-mail opens an account and says
  when an address is taken, as sign-up does, and mails the same set-password link a reset does: it is
  counted in those two limits, not in limits of its own (``member_add_refusal``, ``invitation_refusal``).

Every rate is written as ``marketplace.core.rates`` reads it: ``10/15m`` is ten per fifteen minutes.

Every counter lives in the ``limits`` cache (``limiter_store``), which raises when Redis cannot be reached,
and ``within_limit`` is the one place that decides what then happens: the doors to an account (logins,
token lookups that fail, password resets, sign-ups) FAIL CLOSED, a 503 with Retry-After that says to try
again shortly (``LimiterUnavailable``); the others (money, rerank) FAIL OPEN, the request goes on
(docs/security.md has the table, docs/operations.md the reasons).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_client_cache_keys, get_failure_limit, make_cache_key_list
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy, ngettext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from marketplace.core.models.users import normalize_email
from marketplace.core.rates import parse_rate

NOT_AN_EMAIL = "(not an e-mail address)"  # one bucket for every username no account can have

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ the store the limits count in

LIMITS_CACHE = "limits"  # settings.CACHES; AXES_CACHE names it too
# What an unreachable store raises (refused, reset, timed out). django-redis re-raises the client's own errors.
STORE_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
# How long a refused client is told to wait while the store is down: a restart or failover is seconds.
RETRY_WHILE_DOWN = 30
T = TypeVar("T")


def limiter_store():
    """The cache every rate limit counts in: the ``limits`` alias (it raises when Redis is unreachable);
    the default cache where a deployment, or a test, configures only that one."""
    return caches[LIMITS_CACHE if LIMITS_CACHE in settings.CACHES else "default"]


class LimiterUnavailable(exceptions.APIException):
    """A door that fails closed was asked while its counters cannot be read or written: 503 with Retry-After.
    The API answers it with its error body; ``LimiterUnavailableMiddleware`` answers it on pages."""

    status_code = 503
    default_code = "try_again_shortly"
    default_detail = gettext_lazy(
        "We cannot check this request against its limits right now, so nothing was done. Try again shortly."
    )

    def __init__(self):
        super().__init__()
        self.wait = RETRY_WHILE_DOWN


def within_limit(check: Callable[[], T], *, door: str, fail_closed: bool) -> T | bool:
    """Run a limiter's ``check`` (what it reads or counts in ``limiter_store()``) and return its answer. When
    the store cannot be reached: a door that fails closed raises LimiterUnavailable (no unlimited window for
    guesses at passwords, tokens or reset mails), one that fails open answers True, "within the limit". The
    one place that decides; every limit in the project goes through it."""
    try:
        return check()
    except STORE_DOWN as exc:
        log.warning("rate limit %s: store unreachable (%s), failing %s", door, exc, "closed" if fail_closed else "open")
        if fail_closed:
            raise LimiterUnavailable() from exc
        return True


class FailOpen:
    """Mixed into a DRF SimpleRateThrottle guarding no account (money, rerank): counted in ``limiter_store()``,
    and while that is unreachable the request goes on uncounted (``within_limit``, fail open). Money stays
    safe without the count: every money write takes an Idempotency-Key and row locks (docs/security.md)."""

    @property
    def cache(self):
        return limiter_store()

    def allow_request(self, request, view) -> bool:
        return within_limit(
            lambda: super(FailOpen, self).allow_request(request, view), door=type(self).__name__, fail_closed=False
        )


class LimiterUnavailableMiddleware:
    """A page whose door failed closed (the login form, the admin's, sign-up, password reset): the 503
    page that says to try again shortly, with Retry-After; the same JSON error body as the API's under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, LimiterUnavailable):
            return None
        if request.path.startswith("/api/"):
            body = {"code": exception.default_code, "detail": str(exception.detail), "errors": {}}
            response = JsonResponse(body, status=503)
        else:
            context = {"message": str(exception.detail), "back": request.path}
            response = render(request, "marketplace/try_again_shortly.html", context, status=503)
        response["Retry-After"] = str(exception.wait)
        return response


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
    ttl = getattr(backend, "ttl", None)  # django-redis has it; a test's local-memory cache does not
    try:
        left = ttl(key) if ttl else None
    except STORE_DOWN:
        return default
    return left if left and left > 0 else default


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
    if throttle.allow_request(request):  # LimiterUnavailable (503) while the store is down
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
    # After a successful login (the password was right): if the store is down, the count expires by itself.
    within_limit(
        lambda: limiter_store().delete_many(make_cache_key_list([{"username": identity(email)}])),
        door="login",
        fail_closed=False,
    )


class LoginAttempts(AxesCacheHandler):
    """AXES_HANDLER: axes' cache handler, except that

    - a successful login clears only its account's failures: clearing the client IP's count as well
      would let an attacker reset the per-IP limit by logging into an account of their own between
      guesses at others';
    - the cache is looked up on each use rather than once per process, so a changed CACHES setting
      (each test has its own key prefix) applies;
    - while the store is unreachable a login attempt is refused with 503 before the password is checked
      (``within_limit``, fail closed): failures that cannot be counted must not be unlimited.
    """

    def __init__(self):
        pass

    @property
    def cache(self):
        return limiter_store()

    def get_failures(self, request, credentials=None) -> int:
        parent = super().get_failures
        return within_limit(lambda: parent(request, credentials), door="login", fail_closed=True)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        parent = super().user_login_failed
        within_limit(lambda: parent(sender, credentials, request, **kwargs), door="login", fail_closed=True)

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        login_failures_clear(user.get_username())


def login_retry_after(request, credentials: dict | None) -> int:
    """Seconds until the longest of the lockouts that hold this attempt (its account's, its IP's) ends."""
    limit = get_failure_limit(request, credentials)
    cache = limiter_store()
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
    test's override both apply. Subclasses name the ``scope`` and what ``ident`` counts by. They guard
    doors to an account, so they fail closed while the store is down (``within_limit``).
    """

    cache_format = "throttle:%(scope)s:%(ident)s"

    @property
    def cache(self):
        return limiter_store()

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
        if self.key is None:
            return True
        return within_limit(lambda: self._count() <= self.num_requests, door=self.scope, fail_closed=True)

    def exceeded(self, request) -> bool:
        """Whether the rate is used up, without counting this request."""
        self.key = self.get_cache_key(request)
        if self.key is None:
            return False
        return not within_limit(
            lambda: (self.cache.get(self.key) or 0) < self.num_requests, door=self.scope, fail_closed=True
        )

    def wait(self) -> int:
        return seconds_left(self.cache, self.key, self.duration)

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
    """Sign-up attempts (brand and creator) and members added to a brand by e-mail, per client IP."""

    scope = "signup"


class SignupAccountThrottle(SignupThrottle):
    """Members added to a brand by e-mail, per signed-in account too: a botnet's many addresses do not let one
    brand account try addresses without end. The sign-up rate; a key no client IP can have."""

    def ident(self, request) -> str:
        return f"account:{request.user.pk}"


class PasswordResetThrottle(AttemptThrottle):
    """Password-reset requests, per client IP."""

    scope = "password_reset"


class PasswordResetAddressThrottle(AttemptThrottle):
    """Mails with a link to choose a password, per address (however it is spelled), from any client: password
    resets (the address posted) and a brand's invitations to a new member (``address``). One cap, whichever
    door asks, so an address cannot be sent three of each."""

    scope = "password_reset_address"

    def __init__(self, address: str | None = None):
        super().__init__()
        self.address = address

    def ident(self, request) -> str:
        return identity(self.address if self.address is not None else request.POST.get("email"))


def first_refusal(request, throttles: list[AttemptThrottle]) -> AttemptThrottle | None:
    """Count the request against each throttle in turn; the first that refuses it (later ones are not counted)."""
    for throttle in throttles:
        if not throttle.allow_request(request):
            return throttle
    return None


# ------------------------------------------------------------------ a brand's members, added by e-mail


def _refusal_of(throttle: AttemptThrottle | None, address: str = "") -> tuple[str, int] | None:
    if throttle is None:
        return None
    wait = throttle.wait()
    m = minutes(wait)
    if isinstance(throttle, PasswordResetAddressThrottle):
        message = ngettext(
            "We have sent several links to %(email)s already. Ask them to check their inbox and spam folder, "
            "or try again in %(minutes)d minute.",
            "We have sent several links to %(email)s already. Ask them to check their inbox and spam folder, "
            "or try again in %(minutes)d minutes.",
            m,
        )
    else:
        message = ngettext(
            "Too many members added in a short time. Try again in %(minutes)d minute.",
            "Too many members added in a short time. Try again in %(minutes)d minutes.",
            m,
        )
    return message % {"email": normalize_email(address), "minutes": m}, wait


def member_add_refusal(request, *, address: str | None) -> tuple[str, int] | None:
    """Count a brand owner's "add a member by e-mail": every submission, valid or not, in the sign-up count of
    the client IP and of the account (it opens accounts and says when an address is taken); a valid one also in
    the address's set-password mail count, whether or not it has an account, so the count tells nothing.
    (message, seconds to wait) of the first limit that refuses it, else None; 503 while the store is down."""
    refused = first_refusal(request, [SignupThrottle(), SignupAccountThrottle()])
    if refused is None and address is not None:
        refused = first_refusal(request, [PasswordResetAddressThrottle(address)])
    return _refusal_of(refused, address or "")


def invitation_refusal(request, *, address: str) -> tuple[str, int] | None:
    """Count an invitation sent again to ``address`` in its set-password mail count (shared with password
    resets); (message, seconds to wait) past the rate, else None."""
    return _refusal_of(first_refusal(request, [PasswordResetAddressThrottle(address)]), address)
