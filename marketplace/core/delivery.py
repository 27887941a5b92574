"""Whether a Celery task runs from a message the broker gave out before.

With ``acks_late`` a message is acknowledged when its task ends; when the worker dies first (kill -9,
a lost machine) the broker hands the message out again marked *redelivered*: at once when only the
pool process died (``CELERY_TASK_REJECT_ON_WORKER_LOST``), after ``CELERY_VISIBILITY_TIMEOUT`` when the
whole worker did. A task that claims its row before working (a ranking run, a payout) may then take
over a claim the dead worker left behind instead of waiting for it to go stale: what it does next is
safe to do twice (the ranking's results are stored once, under the run's row lock; a payout reaches
the provider under the same idempotency key).
"""

from __future__ import annotations


def redelivered(task) -> bool:
    """True when the bound task's message was delivered before (its first worker died holding it)."""
    info = getattr(task.request, "delivery_info", None) or {}
    return bool(info.get("redelivered"))
