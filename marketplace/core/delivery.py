"""Celery tasks when a worker dies or a dependency is down: the base task class and "ran before?".

With ``acks_late`` a message is acknowledged when its task ends; when the worker dies first (kill -9,
a lost machine) the broker hands the message out again marked *redelivered*: at once when only the
pool process died (``CELERY_TASK_REJECT_ON_WORKER_LOST``), after ``CELERY_VISIBILITY_TIMEOUT`` when the
whole worker did. A task that meets PostgreSQL or Redis down (marketplace.core.unavailable) is retried
by :class:`Task`, every ``DEPENDENCY_RETRY_SECONDS`` for as long as ``DEPENDENCY_RETRIES`` allows,
instead of failing for good with its row half-claimed.

Either way the task runs again after an attempt that may have claimed its row and stopped. A task that
claims before working (a ranking run, a payout) then takes over that claim instead of waiting for it
to go stale (:func:`ran_before`); what it does next is safe to do twice: the ranking's results are
stored once, under the run's row lock; a payout reaches the provider under the same idempotency key.
"""

from __future__ import annotations

import celery

from marketplace.core.unavailable import dependency_down

DEPENDENCY_RETRY_SECONDS = 5
DEPENDENCY_RETRIES = 60  # five minutes of outage; then the task fails as any other error would


class Task(celery.Task):
    """The base of every task (``Celery(task_cls=...)``): retried while a dependency is down, except the tasks
    beat sends at a fixed interval (the outbox relay every 5 s, the timers every minute…): the next one comes
    anyway, and retrying each would pile a chain of retries up per interval for as long as the outage lasts."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            if not dependency_down(exc) or self.request.called_directly or self.name in sent_by_beat_on_interval():
                raise
            raise self.retry(exc=exc, countdown=DEPENDENCY_RETRY_SECONDS, max_retries=DEPENDENCY_RETRIES) from exc


def sent_by_beat_on_interval() -> frozenset[str]:
    """Names of the tasks ``CELERY_BEAT_SCHEDULE`` sends every so many seconds (not on a crontab)."""
    from django.conf import settings

    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
    return frozenset(entry["task"] for entry in schedule.values() if isinstance(entry["schedule"], int | float))


def ran_before(task) -> bool:
    """True when this run of the bound task follows an earlier one that may have stopped half-way: its
    message was redelivered (the first worker died holding it) or the task is being retried."""
    info = getattr(task.request, "delivery_info", None) or {}
    return bool(info.get("redelivered")) or bool(getattr(task.request, "retries", 0))
