from celery import shared_task

from marketplace.core.outbox import outbox_relay


@shared_task(name="marketplace.tasks.outbox_relay_task", ignore_result=True)
def outbox_relay_task() -> int:
    return outbox_relay()


@shared_task(name="marketplace.tasks.collaboration_timers_task", ignore_result=True)
def collaboration_timers_task() -> dict:
    from marketplace.services.deals import timers_run

    return timers_run()
