"""Small helpers the money services share: row lookups with domain errors."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from marketplace.core import NotFound

M = TypeVar("M", bound=models.Model)


def get_or_404(model: type[M], pk: int, *, lock: bool = False) -> M:
    """The row, locked FOR UPDATE when ``lock``; NotFound if it does not exist."""
    queryset = model.objects.select_for_update() if lock else model.objects.all()
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist:
        raise NotFound(_("%(name)s %(pk)s does not exist.") % {"name": model._meta.verbose_name, "pk": pk}) from None


def actor_or_none(actor):
    """Only saved users are stored as actors (timers and tests may pass None)."""
    return actor if getattr(actor, "pk", None) else None
