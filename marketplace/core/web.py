"""The web kit: what every HTML view shares."""

from __future__ import annotations

from marketplace.core.errors import DomainError


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
