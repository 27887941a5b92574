import zoneinfo
from urllib.parse import urlencode, urlsplit

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from marketplace.core.logs import request_id_or_new
from marketplace.core.throttles import client_ip

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give every request an id: the caller's X-Request-ID when it is sane, else a new uuid4.

    It stands just before django-structlog's RequestMiddleware, which binds the id (read back from the
    header this rewrites) in structlog's context for the request's log lines, the tasks it publishes and
    the audit rows it writes (marketplace.core.logs); the response returns it in X-Request-ID.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_or_new(request.META.get("HTTP_X_REQUEST_ID"))
        request.META["HTTP_X_REQUEST_ID"] = request.request_id = request_id
        request.__dict__.pop("headers", None)  # a copy read before this line would still hold the raw value
        # The client's address by the rate limits' rule (NUM_PROXIES), not a forwarded header anyone can set.
        structlog.contextvars.bind_contextvars(ip=client_ip(request))
        response = self.get_response(request)
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


class RememberLanguageMiddleware:
    """Keep on a signed-in person the language their pages are in (``User.language``), so what Starmap
    writes to them from someone else's request (a notification, its e-mail) is in their language, not the
    sender's. One write when it changes; after LocaleMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(request, "LANGUAGE_CODE", "")
        # Blank reads as the deployment's language, so a person who reads the site in it is never written to.
        if (
            user is not None
            and user.is_authenticated
            and language
            and (user.language or settings.LANGUAGE_CODE) != language
        ):
            get_user_model().objects.filter(pk=user.pk).update(language=language)
            user.language = language
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
