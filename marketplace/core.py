"""Shared primitives with no domain logic: domain errors, money, the transition helper, audit."""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------ errors


class DomainError(Exception):
    """A rule of the domain refused the request. Maps to a 4xx, never a 500."""

    code = "domain_error"
    status = 400

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail, "errors": {}}
        if self.field:
            body["errors"] = {self.field: [self.detail]}
        return body


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


# ------------------------------------------------------------------- money


def format_money(amount: int | None, currency: str) -> str:
    """Integer minor units → "CNY 1,234.50". All supported currencies have two decimals."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    return f"{sign}{currency} {whole:,}.{cents:02d}"


# The one limit on an amount of money, for every channel: web forms, the API, imports and the services.
# 10^12 minor units is ten billion in two-decimal currencies, more than any single payment here.
MAX_AMOUNT = 10**12

_MONEY_TEXT = re.compile(r"(?P<whole>[0-9]*)(?:\.(?P<frac>[0-9]*))?", re.ASCII)


def parse_money(text: str) -> int:
    """A decimal string with at most two decimals → integer minor units; ValueError otherwise.

    Parses ASCII digits as text, so no float or binary rounding is ever involved, and "١٢",
    "1e3", "NaN", "1,000" or "+5" are refused rather than guessed at.
    """
    value = text.strip()
    if len(value) > 24:
        raise ValueError(_("That amount is too large."))
    match = _MONEY_TEXT.fullmatch(value)
    if not value or match is None or not (match["whole"] or match["frac"]):
        raise ValueError(_("Enter an amount like 1200 or 1200.50."))
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise ValueError(_("Use at most two decimal places."))
    minor = int(match["whole"] or "0") * 100 + int(frac.ljust(2, "0"))
    if minor > MAX_AMOUNT:
        raise ValueError(_("That amount is too large."))
    return minor


def check_amount(amount: int, *, field: str = "amount", allow_zero: bool = False) -> None:
    """An amount a service is asked to take: whole minor units, above zero (or zero), at most MAX_AMOUNT."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DomainError(_("The amount must be a whole number of minor units."), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(_("The amount must be greater than zero."), field=field)
    if amount > MAX_AMOUNT:
        raise DomainError(_("That amount is too large."), field=field)


def minor_to_decimal_str(amount: int) -> str:
    """Integer minor units → "1234.50" (no grouping, no currency); "-1.50" for -150."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    return f"{sign}{whole}.{cents:02d}"


# -------------------------------------------------------------- transitions


def check_transition(flow: Mapping[str, set[str] | frozenset[str]], *, current: str, to: str) -> None:
    """Raise InvalidTransition unless ``flow[current]`` allows ``to``."""
    if to not in flow.get(current, ()):
        raise InvalidTransition(
            _("Cannot move from %(current)s to %(to)s.") % {"current": current, "to": to}, field="status"
        )


def update_fields(obj: models.Model, **values: Any) -> models.Model:
    """Set attributes and save only those columns (plus updated_at when the model has one)."""
    for name, value in values.items():
        setattr(obj, name, value)
    fields = list(values)
    if any(f.name == "updated_at" for f in obj._meta.fields):
        fields.append("updated_at")
    obj.save(update_fields=fields)
    return obj


# ------------------------------------------------------------ validation


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


# -------------------------------------------------------------------- audit

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def audit(*, actor, action: str, obj: models.Model, **data: Any):
    """Write one append-only audit row in the caller's transaction."""
    from marketplace.models import AuditLog

    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
        request_id=request_id_var.get(),
    )


# ---------------------------------------------------------------- API errors


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
        return Response(exc.as_dict(), status=exc.status)
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
