import re
import uuid
import zoneinfo

from django.utils import timezone

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
    """Show times in the viewer's own time zone (stored on the user); UTC for guests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = getattr(request.user, "time_zone", "") if getattr(request, "user", None) else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)
