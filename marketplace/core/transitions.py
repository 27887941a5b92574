"""The transition helper every status table uses, and the one way a service saves changed columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from marketplace.core.errors import InvalidTransition


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
