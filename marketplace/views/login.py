"""The web login, rate limited per client IP and username.

After THROTTLE_LOGIN failed attempts (the "login" rate of REST_FRAMEWORK, default 10/minute) from
one client IP for one username, further attempts answer 429 with Retry-After until the window that
began with the first failure ends; the password is not even checked meanwhile. A successful login
clears the count. Counts live in the cache (Redis), so every web worker sees the same numbers.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class LoginThrottle:
    """Failed logins of one (client IP, username) in a fixed window that starts at the first failure.

    The counter is one atomic Redis INCR, so concurrent guesses cannot slip past the limit. The
    client IP is DRF's: REMOTE_ADDR, or the NUM_PROXIES-th address from the right of X-Forwarded-For.
    """

    def __init__(self, request) -> None:
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
        self.limit, self.window = SimpleRateThrottle.parse_rate(None, rate)
        username = request.POST.get("username", "").strip().casefold()
        ident = BaseThrottle().get_ident(request) or ""
        digest = hashlib.sha256(f"{ident}\0{username}".encode()).hexdigest()[:40]
        self.count_key = f"throttle:login:{digest}"
        self.start_key = f"{self.count_key}:start"

    def retry_after(self) -> int:
        """Seconds until attempts are allowed again; 0 when they are allowed now."""
        if (cache.get(self.count_key) or 0) < self.limit:
            return 0
        started = cache.get(self.start_key)
        left = self.window if started is None else started + self.window - time.time()
        return max(1, math.ceil(left))

    def failed(self) -> None:
        if cache.add(self.count_key, 0, timeout=self.window):
            cache.set(self.start_key, time.time(), timeout=self.window)
        try:
            cache.incr(self.count_key)
        except ValueError:  # expired between add and incr: this failure opens a new window
            cache.add(self.count_key, 1, timeout=self.window)

    def clear(self) -> None:
        cache.delete_many([self.count_key, self.start_key])


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = LoginThrottle(request).retry_after()
        if wait:
            return self._too_many_attempts(wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        LoginThrottle(self.request).clear()
        return super().form_valid(form)

    def form_invalid(self, form):
        LoginThrottle(self.request).failed()
        return super().form_invalid(form)

    def _too_many_attempts(self, wait: int):
        minutes = math.ceil(wait / 60)
        messages.error(
            self.request,
            ngettext(
                "Too many failed logins. Try again in %(minutes)d minute.",
                "Too many failed logins. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        form = self.get_form_class()(self.request, initial={"username": self.request.POST.get("username", "")})
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response
