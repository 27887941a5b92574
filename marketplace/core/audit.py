"""The append-only audit trail: who did what to which object."""

from __future__ import annotations

from typing import Any

from django.db import models


def audit(*, actor, action: str, obj: models.Model, **data: Any):
    """Write one append-only audit row in the caller's transaction (its request id: marketplace.core.logs)."""
    from marketplace.core.models import AuditLog

    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
    )
