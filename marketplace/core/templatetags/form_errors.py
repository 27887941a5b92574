"""The errors of a form's fields, for the summary at the top of a form (marketplace/_error_summary.html)."""

from __future__ import annotations

from django import template
from django.forms import BaseForm, BoundField

register = template.Library()


@register.filter
def fields_with_errors(form: BaseForm | None) -> list[BoundField]:
    """The bound fields of ``form`` that have errors, in the form's order (hidden ones too)."""
    if not isinstance(form, BaseForm) or not form.errors:  # a formset or nothing: no fields of its own
        return []
    return [field for field in form if field.errors]
