"""Input helpers shared by the API views: strict fields, catalogue references, flat field errors.

DRF's own fields are lenient ("100" is an integer, ``true`` a float, ``1`` a string); the API's
schema promises types, so what the schema calls an integer must arrive as a JSON integer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.core import MAX_AMOUNT
from marketplace.core.money import AMOUNT_ABOVE_ZERO


# The base of every request body (and of the objects nested in one): a field it does not take is a 400
# naming that field, beside the other field errors. DRF reads the fields it knows and drops the rest, so
# "currency": "USD" on a top-up was charged in the platform's currency and a misspelt creator_amount was
# silently left out of a decision. The schema says the same (additionalProperties: false, StrictRequestSchema
# below). No docstring on purpose: drf-spectacular would print it as the description of every request body.
class RequestSerializer(serializers.Serializer):
    unknown_message = _("Unknown field: this request does not take it.")

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {str(name): [self.unknown_message] for name in data if name not in known}
            # Text is a JSON string: DRF's CharField would take 0 or true and store "0" (schemathesis found it).
            # A form's values are strings already; StrictCharField says the same for a field on its own.
            unknown.update(
                {
                    name: [str(StrictCharField.default_error_messages["invalid"])]
                    for name, field in self.fields.items()
                    if type(field) is serializers.CharField
                    and name in data
                    and not isinstance(data[name], str | type(None))  # null: DRF's own message
                }
            )
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update(unknown)
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictRequestSchema(OpenApiSerializerExtension):
    """Request bodies of RequestSerializers are closed objects in the schema: ``additionalProperties: false``."""

    target_class = RequestSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": _("Send a JSON integer.")}

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


class MinorAmountField(StrictIntegerField):
    """Money in integer minor units of the currency (12000 = 120.00): a JSON integer above zero (or from
    zero, with ``allow_zero``, for one side of a split), at most marketplace.core.MAX_AMOUNT.

    Booleans, strings ("1,00", "100") and floats (1.5, 1e3) are refused with a field error: a client that
    sends major units or text finds out at once instead of paying 100×.
    """

    default_error_messages = {
        "invalid": _("Send the amount as a JSON integer of minor units, e.g. 120000 for 1,200.00."),
        "min_value": AMOUNT_ABOVE_ZERO,
        "max_value": _("That amount is too large."),
    }

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("min_value", 0 if allow_zero else 1)
        kwargs.setdefault("max_value", MAX_AMOUNT)
        super().__init__(**kwargs)
        if allow_zero:
            self.error_messages["min_value"] = _("The amount must be zero or more.")


class StrictFloatField(serializers.FloatField):
    default_error_messages = {"invalid": _("Send a finite JSON number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:  # a whole number beyond any float (JSON numbers have no size limit)
            self.fail("invalid")
        if not math.isfinite(value):
            self.fail("invalid")
        return super().to_internal_value(value)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": _("Send true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """Text as a JSON string; NUL bytes are refused by DRF's CharField validators."""

    default_error_messages = {"invalid": _("Send a JSON string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# A value matches this (anywhere) exactly when ``value.strip()`` is not empty: the class excludes every
# code point ``str.isspace`` accepts (tests/api/test_fields.py checks all of Unicode). ``\S`` would
# not do: Python's Unicode ``re`` agrees with ``str.strip``, but ECMA 262 (the dialect OpenAPI names),
# Rust validators and Python's ASCII mode read U+0085 and U+001C..U+001F as text, so a client could
# send "\x85", match ``\S`` and still be refused as blank. Code points read the same everywhere.
NON_BLANK = r"[^\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class NonBlankTextSchema(OpenApiSerializerFieldExtension):
    """In request schemas, text that may not be blank gets the pattern ``NON_BLANK``: DRF trims text
    before it checks blankness, so "  " is as blank as "" and ``minLength: 1`` alone would promise it
    is fine. Responses are left alone: they describe what the server sends.
    """

    target_class = serializers.CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        # A RegexValidator's pattern (inserted into the schema after this) is more precise: keep it.
        patterned = "pattern" in schema or any(isinstance(v, RegexValidator) for v in field.validators)
        if direction == "request" and not field.allow_blank and field.trim_whitespace and not patterned:
            schema["pattern"] = NON_BLANK
        return schema


# --------------------------------------------------------------- catalogue


# IAB ids are letters and digits (1004, JLBCU7, IAB1-1); a Starmap id is a positive 32-bit integer.
IAB_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}")
MAX_REF_ID = 2**31 - 1
# ISO 3166-1 country (CN) or a region of it (CN-GD), as marketplace.core.audience.regions() lists them.
REGION_CODE = r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$"


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_REF_ID},
            {"type": "string", "minLength": 1, "maxLength": 16, "pattern": f"^{IAB_REF.pattern}$"},
        ],
        "description": "The catalogue node's IAB id as a string, such as 1004, or its Starmap id as an integer.",
    }
)
class CatalogueRefField(serializers.Field):
    """A label or product category by Starmap id (JSON integer) or IAB id (JSON string)."""

    default_error_messages = {"invalid": _("Give an IAB id as a string or a Starmap id as an integer.")}

    def to_internal_value(self, data):
        if type(data) is int and 0 < data <= MAX_REF_ID:
            return data
        if isinstance(data, str) and IAB_REF.fullmatch(data):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


def resolve_refs(model, refs: list) -> tuple[dict, list]:
    """Catalogue refs → ``{ref: pk}`` in one query, plus the refs that matched nothing."""
    ids = [r for r in refs if isinstance(r, int)]
    iab_ids = [r for r in refs if isinstance(r, str)]
    rows = list(model.objects.filter(Q(pk__in=ids) | Q(iab_id__in=iab_ids)).values_list("pk", "iab_id"))
    by_pk = {pk: pk for pk, _iab in rows}
    by_iab = {iab: pk for pk, iab in rows}
    found = {r: (by_pk if isinstance(r, int) else by_iab).get(r) for r in refs}
    return {r: pk for r, pk in found.items() if pk is not None}, [r for r, pk in found.items() if pk is None]


class WeightedLabelOutSerializer(serializers.Serializer):
    """A label with its weight: a creator's content label (CreatorLabel) or an order's target (OrderTargetLabel)."""

    label = serializers.IntegerField(source="label_id")
    iab_id = serializers.CharField(source="label.iab_id")
    name = serializers.CharField(source="label.name")
    path = serializers.CharField(source="label.path")
    name_zh_hans = serializers.CharField(source="label.name_zh_hans", help_text="The name in Simplified Chinese.")
    path_zh_hans = serializers.CharField(source="label.path_zh_hans", help_text="The path in Simplified Chinese.")
    weight = serializers.FloatField()


# ------------------------------------------------------------------ errors


def flat_errors(detail) -> dict[str, list[str]]:
    """DRF error detail → ``{field: [message, ...]}``: nested list and dict errors become prefixed text.

    The error body promises a list of strings per field; nested serializers and list fields would
    otherwise put dicts (``{"0": [...]}``) there.
    """
    if not isinstance(detail, dict):
        return {"non_field_errors": _messages(detail)}
    return {str(name): _messages(value) for name, value in detail.items()}


def _messages(value, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [message for key, item in value.items() for message in _messages(item, f"{prefix}{key}: ")]
    if isinstance(value, list):
        out: list[str] = []
        for index, item in enumerate(value):
            out += _messages(item, f"{prefix}{index}: ") if isinstance(item, dict | list) else [f"{prefix}{item}"]
        return out
    return [f"{prefix}{value}"]


def validated(serializer: serializers.Serializer) -> dict:
    """The serializer's validated data, or a 400 whose field errors are flat lists of text."""
    if not serializer.is_valid():
        raise serializers.ValidationError(flat_errors(serializer.errors))
    return serializer.validated_data


def service_errors(exc, renames: dict[str, str] | None = None) -> serializers.ValidationError:
    """A service's Django ValidationError as a DRF one, with field names mapped to the API's names."""
    renames = renames or {}
    if not hasattr(exc, "error_dict"):
        return serializers.ValidationError({"non_field_errors": exc.messages})
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        key = "non_field_errors" if name == "__all__" else renames.get(name, name)
        errors.setdefault(key, []).extend(messages)
    return serializers.ValidationError(errors)


def query_data(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The serializer's query parameters as single values; a parameter given twice is a 400 (not "the last wins")."""
    names = list(serializer_class().fields)
    params = request.query_params
    repeated = {name: [_("Give this parameter once.")] for name in names if len(params.getlist(name)) > 1}
    if repeated:
        raise serializers.ValidationError(repeated)
    return {name: params[name] for name in names if name in params}


class CatalogueNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    iab_id = serializers.CharField()
    name = serializers.CharField()
    name_zh_hans = serializers.CharField(help_text="The name in Simplified Chinese.")


# A web link as the schema states it and the server checks it, on top of Django's URLValidator: http(s), a
# host name of at most three labels with a top-level domain (so under its 253 characters), then an optional
# path, query and fragment of RFC 3986's characters (non-ASCII percent-encoded, as a browser copies a link).
# RFC 3986 alone ("format: uri") would allow "payouts:wallet" or ftp:, which is no post to open; Django's
# URLValidator alone would allow unencoded non-ASCII, which is an IRI, not a "uri".
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
WEB_LINK_PATTERN = (
    r"^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,2}[A-Za-z]{2,63}"
    rf"(/(?:{_PCHAR}|/)*)?(\?(?:{_PCHAR}|[/?])*)?(#(?:{_PCHAR}|[/?])*)?$"
)


def web_link_field(*, message: str, **kwargs) -> serializers.URLField:
    """A link someone gives for others to open (a published post, a content sample): http(s) only."""
    from django.core.validators import RegexValidator

    return serializers.URLField(
        max_length=500, validators=[RegexValidator(WEB_LINK_PATTERN, message=message)], **kwargs
    )
