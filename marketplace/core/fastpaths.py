"""Kernel fast paths that go around Django for speed the benchmarks measure.

Each leans on Django internals; see "Upgrading Django" in docs/architecture.md for what to re-check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING

from django.db import connections, models
from django.utils import timezone

if TYPE_CHECKING:
    from rest_framework import serializers

# DRF is imported where PlainRows reads a serializer, not here: every model module imports this one through
# the kernel, and DRF's import (with `requests`) would cost every process — a management command included —
# ~0.1 s at start (docs/performance.md, command start).

logger = logging.getLogger(__name__)


class ChecksInOneQuery:
    """Model mixin (before ``models.Model``): ``full_clean`` checks all CHECK constraints in one query.

    Django checks each ``CheckConstraint`` with its own ``SELECT`` inside its own savepoint: three round
    trips per constraint, twelve of an order create's 25 queries. Here every condition becomes one
    boolean column of a single ``SELECT``, in one savepoint, with Django's own rules otherwise: a
    condition naming an excluded field is skipped, a database error while checking lets the write go
    on (the table's constraint still guards it), and each failure gives the constraint's own message.
    Other constraints (unique ones) are validated as Django does.
    """

    def validate_constraints(self, exclude=None):
        from contextlib import nullcontext

        from django.core.exceptions import FieldError, ValidationError
        from django.db import DatabaseError, connections, router, transaction
        from django.db.models.functions import Coalesce
        from django.db.models.sql import Query
        from django.db.models.sql.constants import SINGLE

        using = router.db_for_write(type(self), instance=self)
        errors: dict = {}
        for model_class, constraints in self.get_constraints():
            checks = [c for c in constraints if isinstance(c, models.CheckConstraint)]
            for constraint in constraints:
                if constraint not in checks:
                    try:
                        constraint.validate(model_class, self, exclude=exclude, using=using)
                    except ValidationError as exc:
                        if getattr(exc, "code", None) == "unique" and len(constraint.fields) == 1:
                            errors.setdefault(constraint.fields[0], []).append(exc)
                        else:
                            errors = exc.update_error_dict(errors)
            query = Query(None)
            for name, value in self._get_field_expression_map(meta=model_class._meta, exclude=exclude).items():
                query.add_annotation(
                    value if hasattr(value, "resolve_expression") else models.Value(value), name, False
                )
            checked = []
            for constraint in checks:
                condition = Coalesce(models.Q(constraint.condition), True, output_field=models.BooleanField())
                try:
                    query.add_annotation(condition, f"_check_{len(checked)}")
                except FieldError:  # it names an excluded field, as CheckConstraint.validate skips
                    continue
                checked.append(constraint)
            if not checked:
                continue
            savepoint = transaction.atomic(using=using) if connections[using].in_atomic_block else nullcontext()
            try:
                with savepoint:
                    row = query.get_compiler(using=using).execute_sql(SINGLE)
            except DatabaseError as exc:
                logger.warning("Got a database error checking %s's constraints: %s", model_class.__name__, exc)
                continue
            for constraint, passed in zip(checked, row, strict=True):
                if not passed:
                    failure = ValidationError(
                        constraint.get_violation_error_message(), code=constraint.violation_error_code
                    )
                    errors = failure.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


# ------------------------------------------------------- hand-built instances


def model_columns(model, alias: str) -> list[str]:
    """The model's concrete columns, qualified by ``alias``, in ``concrete_fields`` order (for ``row_instance``)."""
    return [f'{alias}."{field.column}"' for field in model._meta.concrete_fields]


def row_instance(model, db: str, values: tuple):
    """A model row as the ORM builds it (``from_db``, each field's own converter)."""
    fields = model._meta.concrete_fields
    connection = connections[db]
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(db, [field.attname for field in fields], converted)


# ------------------------------------------------------- serializer output without the serializer


def _moment(value, zone) -> str | None:
    """DRF's DateTimeField output (ISO 8601 in the active time zone, "Z" for UTC), without its machinery."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _day(value, _zone) -> str | None:
    return None if value is None else value.isoformat()


def _converter(field: serializers.Field) -> Callable | None:
    """How a plain value becomes what ``field.to_representation`` writes (None: as it is); TypeError for a
    field this fast path does not copy (use the serializer there)."""
    from rest_framework import ISO_8601, serializers
    from rest_framework.settings import api_settings

    if isinstance(field, serializers.DateTimeField):
        if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601 or hasattr(field, "timezone"):
            raise TypeError(f"{field.field_name}: only ISO 8601 in the active time zone has a fast path")
        return _moment
    if isinstance(field, serializers.DateField):
        if getattr(field, "format", api_settings.DATE_FORMAT) != ISO_8601:
            raise TypeError(f"{field.field_name}: only ISO 8601 dates have a fast path")
        return _day
    if type(field) in (serializers.IntegerField, serializers.CharField, serializers.BooleanField):
        return None  # the database already gives int, str and bool: the value as it is
    raise TypeError(f"{field.field_name}: no fast path for {type(field).__name__}")


class PlainRows:
    """A flat DRF serializer's output, built without the serializer: ``rows(queryset.values(*rows.columns))``
    for ``.values()`` rows, ``rows.one(instance)`` for a model instance.

    A serializer costs a deep copy of its fields per instance and a call per field per row, a tenth of a
    list request. This reads the serializer's declared fields once (names, sources, order) and copies what
    DRF writes for the few field types it knows: integers, text and booleans as the database gives them,
    ``DateTimeField`` as ISO 8601 in the active time zone ("Z" for UTC), ``DateField`` as ISO 8601, and a
    nested serializer of those (``None`` when its foreign key is). Any other field, format or
    ``source="*"`` is refused when the object is built, so a serializer that grows a field the fast path
    cannot copy fails at import, not in a response. tests/marketplace/test_fastpaths.py holds the output
    equal to the serializer's.
    """

    built: list[PlainRows] = []  # every one, so the test holding them equal covers a new one too

    def __init__(self, serializer_class: type[serializers.Serializer]):
        self.serializer_class = serializer_class
        PlainRows.built.append(self)
        self._plan = self._build(serializer_class(), prefix="")
        self.columns: tuple[str, ...] = tuple(self._columns(self._plan))

    def _build(self, serializer: serializers.Serializer, prefix: str) -> list[tuple]:
        from rest_framework import serializers

        plan = []
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if field.source == "*":
                raise TypeError(f"{name}: source='*' has no fast path")
            column = prefix + "__".join(field.source_attrs)
            if isinstance(field, serializers.ListSerializer):
                raise TypeError(f"{name}: no fast path for a list of {type(field.child).__name__}")
            if isinstance(field, serializers.Serializer):
                plan.append((name, column, attrgetter(field.source), self._build(field, prefix=column + "__")))
            else:
                plan.append((name, column, attrgetter(field.source), _converter(field)))
        return plan

    def _columns(self, plan: list[tuple]):
        for _name, column, _get, convert in plan:
            if isinstance(convert, list):
                yield column  # the foreign key: None means no nested object
                yield from self._columns(convert)
            else:
                yield column

    def _row(self, plan: list[tuple], row: Mapping, zone) -> dict:
        out = {}
        for name, column, _get, convert in plan:
            value = row[column]
            if convert is None:
                out[name] = value
            elif isinstance(convert, list):
                out[name] = None if value is None else self._row(convert, row, zone)
            else:
                out[name] = convert(value, zone)
        return out

    def _object(self, plan: list[tuple], obj, zone) -> dict:
        out = {}
        for name, _column, get, convert in plan:
            value = get(obj)
            if convert is None:
                out[name] = value
            elif isinstance(convert, list):
                out[name] = None if value is None else self._object(convert, value, zone)
            else:
                out[name] = convert(value, zone)
        return out

    def __call__(self, rows: Iterable[Mapping]) -> list[dict]:
        zone = timezone.get_current_timezone()
        return [self._row(self._plan, row, zone) for row in rows]

    def one(self, obj) -> dict:
        return self._object(self._plan, obj, timezone.get_current_timezone())
