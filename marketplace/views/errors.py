"""Error pages. Under /api/ every error Django answers itself, before DRF sees the request, has the API's
JSON error body ``{code, detail, errors}`` (a body over the size limit, a bad Host header, a failed CSRF
check, a URL that matches nothing, a server error); elsewhere Django's own pages."""

import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import csrf, defaults

from marketplace.core.api.errors import unreadable_request
from marketplace.core.unavailable import RETRY_AFTER_SECONDS, dependency_down


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, "errors": {}}, status=status)


def bad_request(request, exception=None):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    return _json(*unreadable_request(exception), 400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json("permission_denied", _("You do not have permission to perform this action."), 403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return _json("csrf_failed", _("CSRF check failed: %(reason)s") % {"reason": reason}, 403)
    return csrf.csrf_failure(request, reason)


def not_found(request, exception=None):
    if _is_api(request):
        return _json("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if dependency_down(sys.exc_info()[1]):
        return unavailable(request)
    if _is_api(request):
        return _json("server_error", _("Server error."), 500)
    return defaults.server_error(request)


def unavailable(request):
    """503 with Retry-After: PostgreSQL or Redis is unreachable (marketplace.core.unavailable). The page is
    rendered without the request's context, whose processors would ask the database for the navigation."""
    if _is_api(request):
        response = _json("unavailable", _("The service is briefly unavailable. Try again shortly."), 503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
