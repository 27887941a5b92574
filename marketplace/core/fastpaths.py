"""Kernel fast paths that go around Django for speed the benchmarks measure.

Each leans on Django internals; see "Upgrading Django" in docs/architecture.md for what to re-check.
"""

from __future__ import annotations

import logging

from django.db import connections, models

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
