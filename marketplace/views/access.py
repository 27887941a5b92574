"""Who may open a page: decorators shared by the brand, order, deal and money views."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext

from brands.selectors import membership_for_user
from marketplace.api.common import MoneyThrottle


def brand_member_required(view=None, *, editor: bool = False, owner: bool = False):
    """Let in members of a brand (403 for anyone else) and put their seat on ``request.membership``.

    ``editor`` also requires an owner or manager (who may change orders); ``owner`` an owner.
    Guests are sent to the login page.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            membership = membership_for_user(request.user)
            if membership is None:
                raise PermissionDenied
            if (editor and not membership.can_edit_orders) or (owner and not membership.can_manage_members):
                raise PermissionDenied
            request.membership = membership
            return view_func(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator(view) if view is not None else decorator


def staff_required(view):
    """Staff only: guests go to the login page, everyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def throttled(throttle_class, *, scope: str, message: Callable[[int], str], when: Callable[..., bool] | None = None):
    """Count a page's POSTs against a DRF throttle (the same class, so the same bucket, as the API's door).

    With ``when(request, *args, **kwargs)`` only the POSTs it picks count. Beyond the rate: 429 with
    Retry-After and ``message(seconds)``; an htmx request reloads the page, so the message shows there.
    The view is marked with ``throttle_scope`` (tests list the throttled pages by it).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and (when is None or when(request, *args, **kwargs)):
                throttle = throttle_class()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    return too_many_requests(request, wait=throttle.wait(), message=message)
            return view_func(request, *args, **kwargs)

        wrapped.throttle_scope = scope
        return wrapped

    return decorator


def _money_message(seconds: int) -> str:
    return ngettext(
        "Too many money requests in a short time. Try again in %(n)d second.",
        "Too many money requests in a short time. Try again in %(n)d seconds.",
        seconds,
    ) % {"n": seconds}


def money_throttled(view=None, *, when: Callable[..., bool] | None = None):
    """A web form that moves money counts against the API's per-user "money" rate (MoneyThrottle,
    THROTTLE_MONEY), in the same bucket: a client gets one rate whichever door it uses."""
    decorator = throttled(MoneyThrottle, scope="money", message=_money_message, when=when)
    return decorator(view) if view is not None else decorator


def too_many_requests(request, *, wait: float | None, message: Callable[[int], str]) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 1))
    text = message(seconds)
    if request.htmx:
        messages.error(request, text)
        response = HttpResponse(status=429)
        response["HX-Refresh"] = "true"
    else:
        back = request.headers.get("Referer", "")
        same_site = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        context = {"message": text, "back": back if same_site else "/"}
        response = render(request, "marketplace/too_many_requests.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
