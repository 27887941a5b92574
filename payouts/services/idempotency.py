"""Idempotency keys: a money-moving request runs once per (scope, key), in the caller's transaction.

The key row is inserted first, under the UNIQUE (scope, key) constraint. A concurrent request
with the same key waits on that index until the first commits, then finds the row and replays
its result; if the first rolled back, the waiting request runs instead. A request that fails
(InsufficientFunds, InvalidTransition, ...) leaves no key behind, so it may be retried.

Two kinds of key, in two namespaces that never meet. A key a client sent (a form's hidden key, the
API's Idempotency-Key header) is a plain ``str`` and is stored under the owner's scope ("brand:12").
A key the services derive for a step of their own (``collab-7-accept-escrow``) is made by
``system_key`` and stored under that scope's system namespace ("system/brand:12"). Nothing a client
sends is ever a ``SystemKey``, so no client input, through any door, can occupy a system step's key
and make that step fail with ``idempotency_conflict``; and a door that forgets to say which kind it
holds is a client door, the safe default.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from marketplace.core import DomainError
from payouts.models import IdempotencyKey

T = TypeVar("T", bound=models.Model)

MAX_KEY_LENGTH = 255


class IdempotencyConflict(DomainError):
    """The key was already used for a different request."""

    code = "idempotency_conflict"
    status = 422


class SystemKey(str):
    """A key the services derive for one of their own steps; only ``system_key`` makes one."""

    __slots__ = ()


def system_key(*parts: object) -> SystemKey:
    """The key of a step the services take on their own, e.g. ``system_key("collab", 7, "accept", "escrow")``."""
    return SystemKey("-".join(str(part) for part in parts))


SYSTEM_NAMESPACE = "system/"


def stored_scope(scope: str, key: str) -> str:
    """Where a key lives: a system key in the scope's system namespace, a client key in the scope itself."""
    return f"{SYSTEM_NAMESPACE}{scope}" if isinstance(key, SystemKey) else scope


def brand_scope(brand_id: int) -> str:
    return f"brand:{brand_id}"


def creator_scope(creator_id: int) -> str:
    return f"creator:{creator_id}"


def agency_scope(agency_id: int) -> str:
    return f"agency:{agency_id}"


def staff_scope(user_id: int) -> str:
    """An admin's own keys (a dispute decision through the API)."""
    return f"staff:{user_id}"


def fingerprint(operation: str, params: dict[str, Any]) -> str:
    canonical = json.dumps({"operation": operation, "params": params}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    if not isinstance(key, str) or not key.strip():
        raise DomainError(_("An idempotency key is required."), field="idempotency_key")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(
            _("The idempotency key must be at most %(n)d printable characters.") % {"n": MAX_KEY_LENGTH},
            field="idempotency_key",
        )


def response_for(obj: models.Model) -> dict[str, Any]:
    """What the first call returned, as the API will show it on a replay."""
    body: dict[str, Any] = {"object": obj._meta.model_name, "id": obj.pk}
    for name in ("status", "amount", "currency"):
        if hasattr(obj, name):
            body[name] = getattr(obj, name)
    return body


@transaction.atomic
def idempotent(*, scope: str, key: str, operation: str, params: dict[str, Any], perform: Callable[[], T]) -> T:
    """Run ``perform`` once for (scope, key); a replay with the same params returns the first result.

    ``key`` is a client's (plain ``str``) or the services' own (``system_key``); see the module docstring.
    Raises IdempotencyConflict when the key was used with another operation or other params.
    """
    check_key(key)
    digest = fingerprint(operation, params)
    scope, key = stored_scope(scope, key), str(key)
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(scope=scope, key=key, operation=operation, fingerprint=digest)
    except IntegrityError:
        return _replay(scope=scope, key=key, digest=digest)
    result = perform()
    row.result_type = result._meta.label_lower
    row.result_id = result.pk
    row.response = response_for(result)
    row.save(update_fields=["result_type", "result_id", "response"])
    return result


def _replay(*, scope: str, key: str, digest: str):
    row = IdempotencyKey.objects.get(scope=scope, key=key)
    if row.fingerprint != digest:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."), field="idempotency_key"
        )
    return apps.get_model(row.result_type).objects.get(pk=row.result_id)
