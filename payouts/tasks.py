"""Celery adapters for payouts: ids in, one service call."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from payouts import selectors, services
from payouts.providers import ProviderError


@shared_task(
    bind=True,
    autoretry_for=(ProviderError,),
    max_retries=settings.PAYOUT_MAX_ATTEMPTS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
)
def payout_send_task(self, payout_id: int) -> str:
    """Send one payout. A redelivered or duplicated task does nothing (the service claims the row);
    the attempt counter in the database, not Celery's, bounds the retries."""
    return services.payout_send(payout_id=payout_id).status


@shared_task
def payout_sweep_task() -> int:
    """Enqueue payouts whose send message was lost or whose worker died; returns how many."""
    ids = selectors.payout_ids_due(older_than=timedelta(minutes=5))
    for payout_id in ids:
        payout_send_task.delay(payout_id)
    return len(ids)
