from celery import shared_task
from celery.signals import worker_ready

from insights.indices_sync import indices_recompute, indices_recompute_if_missing


@shared_task(name="creators.tasks.indices_recompute_task", ignore_result=True)
def indices_recompute_task() -> dict:
    return indices_recompute()


@shared_task(name="creators.tasks.indices_recompute_if_missing_task", ignore_result=True)
def indices_recompute_if_missing_task() -> dict | None:
    return indices_recompute_if_missing()


@worker_ready.connect
def on_worker_ready(**_signal) -> None:
    """A worker that starts while indices are missing has them computed at once, not at the next night.

    Queued rather than run here: the signal comes in the worker's main process, before it takes tasks.
    """
    indices_recompute_if_missing_task.delay()
