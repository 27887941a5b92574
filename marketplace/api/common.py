"""What every API view shares: pagination, throttles, the Idempotency-Key header, ETags, error bodies.

Errors always have the body ``{code, detail, errors: {field: [...]}}`` (marketplace.core.api_exception_handler).
"""

from __future__ import annotations

import hashlib
import re

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.throttling import ScopedRateThrottle

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=True,
    pattern=IDEMPOTENCY_KEY.pattern,
    description="8–100 characters [A-Za-z0-9_.:-]; a replay with the same key returns the first result.",
)
IF_MATCH_HEADER = OpenApiParameter(
    name="If-Match",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read; a stale one gets 412 instead of overwriting someone else's edit.",
)

ERROR_BODY = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class Pagination(CursorPagination):
    """Cursor pagination, newest first: stable under inserts, no page counting on big tables."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request):
        """``page_size`` is one positive whole number (above 100 means 100); anything else is a 400."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() or int(values[0]) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give one whole number from 1 to %(n)s.") % {"n": self.max_page_size}]}
            )
        return self.max_page_size if len(values[0]) > 6 else min(int(values[0]), self.max_page_size)


class FilterBackend(DjangoFilterBackend):
    """django-filter, not even started when the request names none of the view's filters.

    Building and validating the filter form costs about a sixth of a 20-row list request; most
    requests filter nothing. A parameter starting with a filter's name (``created_after``, or a
    range filter's ``price_min``) runs the filters as before, so invalid values are still a 400.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        names = tuple(filterset_class.base_filters) if filterset_class else ()
        if not any(key.startswith(names) for key in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class MoneyThrottle(ScopedRateThrottle):
    """Money-moving endpoints: ``throttle_scope = "money"``; 429 with Retry-After beyond the rate.

    The rate is read from settings on every request (DRF reads it once at import), so an
    operator's THROTTLE_MONEY and a test's override both apply.
    """

    def get_rate(self):
        from django.conf import settings

        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)


def idempotency_key(request) -> str:
    """The request's Idempotency-Key header, or a 400 naming the header."""
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY.match(key):
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("Send an Idempotency-Key header of 8–100 letters, digits or _.:-")]}
        )
    return key


def etag_for(obj) -> str:
    stamp = f"{obj._meta.label_lower}:{obj.pk}:{obj.updated_at.isoformat()}"
    return '"' + hashlib.sha256(stamp.encode()).hexdigest()[:32] + '"'


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "precondition_failed"
    default_detail = _("This object changed since you read it; fetch it again and retry.")


def check_if_match(request, obj) -> None:
    """Refuse a stale edit: an If-Match header that is not the object's current ETag gets 412."""
    expected = request.headers.get("If-Match")
    if expected and expected.strip() != etag_for(obj) and expected.strip() != "*":
        raise PreconditionFailed()
