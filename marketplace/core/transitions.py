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
            _("Cannot move from %(current)s to %(to)s.")
            % {"current": status_label(flow, current), "to": status_label(flow, to)},
            field="status",
        )


def status_label(flow: Mapping[str, set[str] | frozenset[str]], value: str) -> str:
    """A status as people read it: the label of the choices member the flow table is written in (a stored
    value is a plain string; the table's keys and targets are the model's ``TextChoices`` members)."""
    for member in (*flow, *(target for targets in flow.values() for target in targets)):
        if member == value and isinstance(member, models.Choices):
            return str(member.label).lower()
    return value


def update_fields(obj: models.Model, **values: Any) -> models.Model:
    """Set attributes and save only those columns (plus updated_at when the model has one)."""
    for name, value in values.items():
        setattr(obj, name, value)
    fields = list(values)
    if any(f.name == "updated_at" for f in obj._meta.fields):
        fields.append("updated_at")
    obj.save(update_fields=fields)
    return obj
