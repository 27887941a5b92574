from celery import shared_task

from marketplace.core.outbox import outbox_relay


# The name is the one beat and the broker have always known (it was marketplace.tasks before issue 12).
@shared_task(name="marketplace.tasks.outbox_relay_task", ignore_result=True)
def outbox_relay_task() -> int:
    return outbox_relay()
