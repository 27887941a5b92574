from celery import shared_task

from marketplace.outbox import outbox_relay


@shared_task(name="marketplace.tasks.outbox_relay_task", ignore_result=True)
def outbox_relay_task() -> int:
    return outbox_relay()
