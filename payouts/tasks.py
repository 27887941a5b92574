"""Celery adapters for payouts: ids in, one service call."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from marketplace.core.delivery import ran_before
from marketplace.core.metrics import LEDGER_CHECK_KEY
from payouts import selectors, services
from payouts.providers import ProviderError

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(ProviderError,),
    max_retries=settings.PAYOUT_MAX_ATTEMPTS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
)
def payout_send_task(self, payout_id: int) -> str:
    """Send one payout. A duplicated task does nothing (the service claims the row); one that ran before (its
    worker died, or PostgreSQL went away, before or after calling the provider) takes the claim over and
    calls the provider again under the same idempotency key. The attempt counter in the database, not Celery's,
    bounds the retries."""
    return services.payout_send(payout_id=payout_id, take_over=ran_before(self)).status


@shared_task
def payout_sweep_task() -> int:
    """Enqueue payouts whose send message was lost or whose worker died; returns how many."""
    ids = selectors.payout_ids_due(older_than=timedelta(minutes=5))
    for payout_id in ids:
        payout_send_task.delay(payout_id)
    return len(ids)


@shared_task
def ledger_check_task() -> int:
    """The ledger check of `manage.py ledger_verify`, kept for /metrics (starmap_ledger_differences); how many."""
    _, problems = selectors.ledger_check()
    for problem in problems:
        log.error("ledger check: %s", problem)
    cache.set(LEDGER_CHECK_KEY, {"differences": len(problems), "at": timezone.now().timestamp()}, timeout=None)
    return len(problems)
