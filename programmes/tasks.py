"""Celery adapters for incentive programmes."""

from celery import shared_task

from programmes import services


@shared_task(name="programmes.tasks.close_due_task")
def close_due_task() -> list[int]:
    """Beat: close the programmes whose period ended (the rule is computed once for each)."""
    return services.close_due()
