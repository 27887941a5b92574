from celery import shared_task

from marketplace.core.outbox import outbox_acknowledge
from webhooks import services


@shared_task(name="webhooks.tasks.webhook_deliver_task", ignore_result=True)
def webhook_deliver_task(*, delivery_id: int, manual: bool = False, outbox_id: int | None = None) -> None:
    """A delivery's first attempt (or a manual re-send), from the outbox after commit."""
    outbox_acknowledge(outbox_id)
    services.delivery_attempt(delivery_id=delivery_id, manual=manual)


@shared_task(name="webhooks.tasks.webhook_attempt_task", ignore_result=True)
def webhook_attempt_task(*, delivery_id: int) -> None:
    """A retry the sweep found due, or the next delivery about an object once the one before it finished."""
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.webhook_sweep_task", ignore_result=True)
def webhook_sweep_task() -> int:
    return services.webhook_sweep()
