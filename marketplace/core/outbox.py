"""Transactional outbox: start Celery work only after the change that needs it has committed.

``outbox_put`` writes a row in the caller's transaction and, after commit, tries to send it at
once. If the broker is down the row simply stays pending; ``outbox_relay`` (Celery beat, every
few seconds) re-sends every message not acknowledged by its task within ``RESEND_AFTER``.
Tasks call ``outbox_acknowledge`` first and must be idempotent: a message may arrive twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from marketplace.core.logs import bound_request_id
from marketplace.core.models import OutboxMessage

log = logging.getLogger(__name__)

# topic → the Celery task (by name) that consumes it; the payload is passed as keyword arguments plus
# ``outbox_id``. The kernel knows no topic: each consuming app subscribes in its AppConfig.ready(), so a
# lower app announces an event ("order.published") without importing the app above that acts on it.
TOPICS: dict[str, str] = {}
RESEND_AFTER = timedelta(seconds=30)


def broker():
    """The Celery app messages go through: the project's (marketplace.celery makes it the current app when
    Django starts). Looked up, not imported: the kernel imports nothing above it."""
    from celery import current_app

    return current_app


def outbox_subscribe(topic: str, task_name: str) -> None:
    """Have ``task_name`` consume ``topic`` (one consumer per topic; subscribing again must name the same)."""
    if TOPICS.setdefault(topic, task_name) != task_name:
        raise ValueError(f"outbox topic {topic!r} is consumed by {TOPICS[topic]!r} already")


def outbox_put(*, topic: str, payload: dict) -> OutboxMessage:
    if topic not in TOPICS:
        raise ValueError(f"unknown outbox topic {topic!r}")
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    transaction.on_commit(lambda: _send(message.pk))
    return message


def _send(message_id: int) -> bool:
    """Hand one message to the broker; on failure record it and leave it for the relay."""
    app = broker()
    message = OutboxMessage.objects.filter(pk=message_id, acknowledged_at__isnull=True).first()
    if message is None:
        return False
    try:
        # The message's request id goes into the task's django-structlog header (the relay runs outside
        # the request that wrote it), so the task's log lines and audit rows carry it. No result is awaited
        # (the consumer acknowledges in the database): with one, Celery's Redis result backend subscribes
        # for it first, and retries that for some 20 s inside the request when Redis is down.
        with bound_request_id(message.request_id):
            app.send_task(
                TOPICS[message.topic],
                kwargs={**message.payload, "outbox_id": message.pk},
                retry=False,
                ignore_result=True,
            )
    except Exception as exc:  # any broker error: the relay retries later
        log.warning("outbox %s not sent: %s", message_id, exc)
        OutboxMessage.objects.filter(pk=message_id).update(attempts=F("attempts") + 1, last_error=str(exc)[:2000])
        return False
    OutboxMessage.objects.filter(pk=message_id).update(dispatched_at=timezone.now(), attempts=F("attempts") + 1)
    return True


def outbox_relay(*, limit: int = 200) -> int:
    """Send pending messages: never dispatched, or dispatched but unacknowledged for RESEND_AFTER."""
    cutoff = timezone.now() - RESEND_AFTER
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(acknowledged_at__isnull=True)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=cutoff))
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        # Sent while the rows stay locked, so two relays never send the same message at once.
        return sum(1 for message_id in ids if _send(message_id))


def outbox_claim(message_id: int | None) -> bool:
    """Acknowledge a message inside the consumer's transaction: True for the first delivery, False for a
    repeat (the row stays locked until the transaction ends, so two deliveries at once cannot both win).
    Without an id (a direct call, not a delivery) it is always True."""
    if not message_id:
        return True
    return bool(
        OutboxMessage.objects.filter(pk=message_id, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    )


def outbox_acknowledge(message_id: int | None) -> None:
    if message_id:
        OutboxMessage.objects.filter(pk=message_id, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
