from celery import shared_task

from creators.indices_sync import indices_recompute


@shared_task(name="creators.tasks.indices_recompute_task", ignore_result=True)
def indices_recompute_task() -> dict:
    return indices_recompute()
