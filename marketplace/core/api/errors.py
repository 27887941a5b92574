"""The API's one error body: ``{code, detail, errors: {field: [...]}}`` for every error."""

from __future__ import annotations

from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _

from marketplace.core.errors import DomainError
from marketplace.core.unavailable import RETRY_AFTER_SECONDS


def unreadable_request(exception) -> tuple[str, str]:
    """The API's code and message for a request Django refused to read: for the error pages of the wiring, and
    for DRF's exception handler below, which meets the same refusals when a view reads the body (with DEBUG on,
    Django would otherwise answer them with its debug page)."""
    if isinstance(exception, RequestDataTooBig):
        return "request_too_large", _("The request body is larger than the server accepts.")
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return "too_many_fields", _("The request has more fields or files than the server accepts.")
    if isinstance(exception, DisallowedHost):
        return "disallowed_host", _("This server does not answer for that host name.")
    return "bad_request", _("The request could not be read.")


def api_exception_handler(exc, context):
    """DRF exception handler: every error body is ``{code, detail, errors: {field: [...]}}``."""
    from django.core.exceptions import PermissionDenied
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.http import Http404
    from rest_framework import exceptions, status
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    # Selectors raise Django's Http404 / PermissionDenied; give them DRF's codes and messages.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    if isinstance(exc, DomainError):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.status == 503 else None
        return Response(exc.as_dict(), status=exc.status, headers=headers)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        code, detail = unreadable_request(exc)
        return Response({"code": code, "detail": detail, "errors": {}}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"code": "invalid", "detail": _("Some fields are not valid."), "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"code": "invalid", "detail": _("Some fields are not valid."), "errors": data}
    else:
        detail = exc.detail if isinstance(getattr(exc, "detail", None), str) else str(exc)
        response.data = {"code": getattr(exc, "default_code", "error"), "detail": detail, "errors": {}}
    return response
