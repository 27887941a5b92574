"""Shared primitives with no domain logic: domain errors, money, the transition helper, audit."""

from __future__ import annotations

import contextvars
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
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


MAX_WHOLE_NUMBER = 2**63 - 1  # the largest count a BigIntegerField holds


def parse_whole_number(text: str, *, low: int = 0, high: int = MAX_WHOLE_NUMBER) -> int:
    """A count written as ASCII digits → int, from ``low`` to ``high``; ValueError worded the same for
    every importer and form that reads counts ("12k", "1,000", "-5", "1e3" and "²" are refused)."""
    from marketplace.params import whole_number  # the one reader of digits; params imports forms, core does not

    value = text.strip()
    number = whole_number(value, most=high)
    if number is None:
        raise ValueError(
            _("%(value)r is not a whole number: write digits only, without separators or units, like 12000.")
            % {"value": echo(value)}
        )
    if not low <= number <= high:
        if high >= MAX_WHOLE_NUMBER:
            raise ValueError(_("%(value)s is too large for a whole number here.") % {"value": echo(value)})
        raise ValueError(
            _("%(value)s is out of range: enter a whole number from %(low)s to %(high)s.")
            % {"value": echo(value), "low": low, "high": high}
        )
    return number


def echo(value: str, most: int = 40) -> str:
    """A value quoted back in an error message: cut to ``most`` characters with an ellipsis, so a
    5,000-digit cell is named, not printed."""
    return value if len(value) <= most else value[: most - 1] + "…"


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


# --------------------------------------------------------------------- mail

MAIL_SUBJECT_MAX = 120
# Code point categories that break a mail header or a line: controls (\r, \n, NEL …) and the Unicode
# line and paragraph separators (U+2028, U+2029).
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def one_line(text: str, *, limit: int = MAIL_SUBJECT_MAX) -> str:
    """``text`` as one line for a mail header: line breaks and controls become spaces, runs of
    spaces one, and text over ``limit`` characters is cut at a word with "…"."""
    flat = "".join(" " if unicodedata.category(ch) in _LINE_BREAKING else ch for ch in str(text))
    flat = " ".join(flat.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def site_url(path: str) -> str:
    """``path`` (from reverse) as an absolute link on settings.SITE_URL, for every mail Starmap sends."""
    from django.conf import settings

    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def send_mail_each(
    *, subject: str, body: str, recipients: Iterable[str], html: str | None = None, from_email: str | None = None
) -> int:
    """Send one message per recipient (every mail Starmap sends goes through here); returns how many went.

    The subject is made one line (``one_line``), so text a user typed never turns into a header
    error. A recipient whose message fails is logged and skipped: the others still get theirs.
    """
    from django.core.mail import EmailMultiAlternatives

    subject = one_line(subject)
    sent = 0
    for address in dict.fromkeys(recipients):
        message = EmailMultiAlternatives(subject, body, from_email, [address])
        if html is not None:
            message.attach_alternative(html, "text/html")
        try:
            sent += message.send()
        except Exception:
            logger.exception("e-mail %r to %s not sent", subject, address)
    return sent


# ---------------------------------------------------------------------- CSV

# defusedcsv quotes a cell whose FIRST character starts a formula. Spreadsheets also run one that
# starts with blanks or in fullwidth forms (" =1+1", "＝1+1", which NFKC folds to "="), and OWASP
# adds a leading tab or carriage return; those cells get the same leading apostrophe here.
_FORMULA_START = frozenset("=+-@|%")
_PLAIN_NUMBER = re.compile(r"-?[0-9,.]+")
_BLANK = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _defused(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    folded = unicodedata.normalize("NFKC", value)
    start = next((i for i, ch in enumerate(folded) if unicodedata.category(ch) not in _BLANK), len(folded))
    rest = folded[start:]
    if value[0] in "\t\r" or (
        rest[:1] in _FORMULA_START and value[0] not in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(rest)
    ):
        return "'" + value
    return value  # a first character that starts a formula is defusedcsv's to quote


class CsvWriter:
    """The one way Starmap writes a CSV people open in a spreadsheet (exports, statements, reports):
    defusedcsv's writer, with cells that a spreadsheet would run as a formula quoted with a leading
    apostrophe. Plain numbers such as "-12.50" stay numbers."""

    def __init__(self, stream, **fmtparams):
        from defusedcsv import csv as defusedcsv

        self._writer = defusedcsv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([_defused(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


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


# ------------------------------------------------------------- form errors


def form_add_errors(form, exc: Exception) -> None:
    """Show a service's refusal on an HTML form: each message beside the field it names (a
    ValidationError's fields, a DomainError's ``field``), the rest above the form; a message the
    field already shows is not repeated."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    if isinstance(exc, DomainError):
        by_field = {exc.field or NON_FIELD_ERRORS: [exc.detail]}
    elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        by_field = exc.message_dict
    else:
        by_field = {NON_FIELD_ERRORS: list(getattr(exc, "messages", [str(exc)]))}
    for name, messages in by_field.items():
        target = name if name in form.fields else None
        shown = set(form.errors.get(target or NON_FIELD_ERRORS, []))
        new = [message for message in messages if message not in shown]
        if new:
            form.add_error(target, new)


# ---------------------------------------------------------------- API errors


def api_exception_handler(exc, context):
    """DRF exception handler: every error body is ``{code, detail, errors: {field: [...]}}``."""
    from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
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
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        from marketplace.views.errors import unreadable_request

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
