import re
import uuid
import zoneinfo
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from marketplace.core import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a client or proxy: short, and safe to copy into logs and audit rows (max 64 there).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id: the caller's X-Request-ID when it is sane, else a new uuid4.

    The id is set in ``marketplace.core.request_id_var`` for the length of the request, so the audit rows
    written while handling it carry it, and it is returned in the response's X-Request-ID header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class TimezoneMiddleware:
    """Show times in the viewer's own time zone (stored on the user); the deployment's (TIME_ZONE) for
    guests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = getattr(request.user, "time_zone", "") if getattr(request, "user", None) else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """A part of a page asked for by htmx after the session has ended: send the whole page to the login
    page (``HX-Redirect``), coming back to the page the person was on, instead of letting htmx swap the
    login page into the part (with ``next`` pointing at a fragment)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if not htmx or response.status_code != 302:
            return response
        location = urlsplit(response["Location"])
        login = resolve_url(settings.LOGIN_URL)
        if location.path != login or location.netloc:
            return response
        back = htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(f"{login}?{urlencode({'next': back})}")
