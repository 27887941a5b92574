"""The append-only audit trail: who did what to which object."""

from __future__ import annotations

import contextvars
from typing import Any

from django.db import models

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def audit(*, actor, action: str, obj: models.Model, **data: Any):
    """Write one append-only audit row in the caller's transaction."""
    from marketplace.core.models import AuditLog

    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
        request_id=request_id_var.get(),
    )
