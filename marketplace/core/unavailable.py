"""When a dependency is down: which errors mean "PostgreSQL or Redis is unreachable", and the answer.

A request that meets one gets a 503 with Retry-After (a JSON body under /api/, a short page elsewhere)
instead of a 500: the client may retry, with the same Idempotency-Key for money. The error handler
(marketplace/views/errors.py) asks :func:`dependency_down` about the exception being handled; nothing
was written, since the failed statement's transaction was rolled back with the lost connection.
docs/operations.md ("When PostgreSQL or Redis is down") says what each part does meanwhile.
"""

from __future__ import annotations

import logging

from django import db
from django.utils.translation import gettext as _

from marketplace.core.errors import StorageUnavailable

RETRY_AFTER_SECONDS = 5
log = logging.getLogger(__name__)


def dependency_down(exc: BaseException | None) -> bool:
    """True for a lost or refused database connection or an unreachable Redis / broker."""
    if exc is None:
        return False
    if isinstance(exc, db.InterfaceError | db.OperationalError):
        return True
    from kombu.exceptions import OperationalError as BrokerDown
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    return isinstance(exc, RedisDown | RedisSlow | BrokerDown)


def store_file(field_file, content, *, field: str) -> None:
    """``field_file.save(...)`` for an upload (the name comes from the field's ``upload_to``), or
    StorageUnavailable, said beside ``field``, when the disk refuses it: full, read-only or gone. The
    caller's transaction then rolls back, so nothing is recorded as uploaded."""
    try:
        field_file.save("upload", content, save=False)
    except OSError as exc:
        log.error("upload refused by the storage: %s", exc)
        raise StorageUnavailable(
            _(
                "The file could not be stored: the server's upload space is full or read-only. "
                "Nothing was saved; try again later."
            ),
            field=field,
        ) from exc
