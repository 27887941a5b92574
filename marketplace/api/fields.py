"""Input helpers shared by the API views: strict fields, catalogue references, flat field errors.

DRF's own fields are lenient ("100" is an integer, ``true`` a float, ``1`` a string); the API's
schema promises types, so what the schema calls an integer must arrive as a JSON integer.
"""

from __future__ import annotations

import math

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_MINOR = 10**12  # ten billion in two-decimal currencies: more than any single payment here


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": _("Send a JSON integer.")}

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


class MinorAmountField(StrictIntegerField):
    """Money in integer minor units of the currency (12000 = 120.00): above zero, at most 10**12."""

    default_error_messages = {
        "invalid": _("Send the amount as a JSON integer of minor units, e.g. 120000 for 1,200.00."),
        "min_value": _("The amount must be more than zero."),
        "max_value": _("That amount is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_MINOR)
        super().__init__(**kwargs)


class StrictFloatField(serializers.FloatField):
    default_error_messages = {"invalid": _("Send a finite JSON number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)


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


# --------------------------------------------------------------- catalogue


@extend_schema_field(
    {
        "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1, "maxLength": 16}],
        "description": "The catalogue node's IAB id as a string, such as 1004, or its Starmap id as an integer.",
    }
)
class CatalogueRefField(serializers.Field):
    """A label or product category by Starmap id (JSON integer) or IAB id (JSON string)."""

    default_error_messages = {"invalid": _("Give an IAB id as a string or a Starmap id as an integer.")}

    def to_internal_value(self, data):
        if type(data) is int and 0 < data < 2**31:
            return data
        if isinstance(data, str) and 0 < len(data) <= 16 and data.isprintable():
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
