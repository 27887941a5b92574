"""What every API view shares: pagination, throttles, the Idempotency-Key header, ETags, error bodies.

Errors always have the body ``{code, detail, errors: {field: [...]}}`` (marketplace.core.api.errors).
"""

from __future__ import annotations

import hashlib
import io
import re

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema_field, inline_serializer
from rest_framework import exceptions, parsers, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.throttling import ScopedRateThrottle

from marketplace.core.params import MAX_ID, MAX_JSON_DEPTH, json_problem, whole_number
from marketplace.core.rates import parse_rate
from marketplace.core.throttles import FailOpen

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


def error_responses(*codes: int) -> dict:
    """The schema's responses for these status codes: each the one error body."""
    return dict.fromkeys(codes, ERROR_BODY)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, held to Django's request size limit and to what params.json_problem allows (no
    nesting past 32 levels, no lone surrogates); every API view parses JSON with this one."""

    def parse(self, stream, media_type=None, parser_context=None):
        # DRF reads the stream itself, past the DATA_UPLOAD_MAX_MEMORY_SIZE that Django puts on request.body
        # and on form fields: a JSON body is held to the same limit (and answered as Django answers it).
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            raw = stream.read(limit + 1) if stream is not None else b""
            if len(raw) > limit:
                raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
            stream = io.BytesIO(raw)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data, problem = None, _("Nested more than %(n)s levels deep.") % {"n": MAX_JSON_DEPTH}
        else:
            problem = json_problem(data)
        if problem:
            raise exceptions.ParseError(_("JSON parse error - %(problem)s") % {"problem": problem})
        return data


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
        size = whole_number(values[0], most=self.max_page_size) if len(values) == 1 else None
        if not size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give one whole number from 1 to %(n)s.") % {"n": self.max_page_size}]}
            )
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's cursor, whose position must also be a value of the ordering's field: DRF passed any text to
        the filter (``p=abc`` or ``p=1e999`` on an id was a 500); it is the 404 of any other invalid cursor."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
            try:
                field.to_python(cursor.position)
            except DjangoValidationError:
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor

    def get_schema_operation_parameters(self, view):
        """The schema says what ``get_page_size`` accepts: a whole number of at least 1 (more than the most
        means the most, so there is no maximum to break)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = page_size_description(self.page_size, self.max_page_size)
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


def page_size_description(default: int, most: int) -> str:
    return f"Results per page, a whole number from 1 (default {default}); above {most} means {most}."


def page_size_parameter(*, default: int, most: int) -> OpenApiParameter:
    """``page_size`` for views that paginate by hand, documented as ``Pagination`` documents it."""
    return OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1},
        location=OpenApiParameter.QUERY,
        description=page_size_description(default, most),
    )


class FilterBackend(DjangoFilterBackend):
    """django-filter, not even started when the request names none of the view's filters.

    Building and validating the filter form costs about a sixth of a 20-row list request; most
    requests filter nothing. A parameter starting with a filter's name (``created_after``, or a
    range filter's ``price_min``) runs the filters as before, so invalid values are still a 400.
    A filter given with no value (``?status=``) is a 400 too, as the schema says (django-filter
    would quietly not filter), and so is a filter given twice (django-filter would take the last
    value, so ``?order=x&order=7`` answered for order 7): every filter here takes one value.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        names = tuple(filterset_class.base_filters) if filterset_class else ()
        if not any(key.startswith(names) for key in request.query_params):
            return queryset
        empty = [key for key in names if key in request.query_params and "" in request.query_params.getlist(key)]
        if empty:
            raise exceptions.ValidationError({key: [_("Give a value, or leave the parameter out.")] for key in empty})
        repeated = [key for key in names if len(request.query_params.getlist(key)) > 1]
        if repeated:
            raise exceptions.ValidationError({key: [_("Give this parameter once.")] for key in repeated})
        return super().filter_queryset(request, queryset, view)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object id as a filter: a whole number from 1, as the schema says (a plain NumberFilter took 1.5,
    and refused 1e308 only for exceeding its decimal field's own limit of 1e50)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class MoneyThrottle(FailOpen, ScopedRateThrottle):
    """Money-moving endpoints: ``throttle_scope = "money"``; 429 with Retry-After beyond the rate (uncounted,
    not refused, while Redis is down: marketplace.core.throttles.FailOpen).

    The rate is read from settings on every request (DRF reads it once at import), so an
    operator's THROTTLE_MONEY and a test's override both apply.
    """

    def get_rate(self):
        from django.conf import settings

        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def parse_rate(self, rate):
        return (None, None) if rate is None else parse_rate(rate)  # every THROTTLE_* reads alike: 60/15m too


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
