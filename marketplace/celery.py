import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

# Every task is retried while PostgreSQL or Redis is unreachable (marketplace.core.delivery).
app = Celery("starmap", task_cls="marketplace.core.delivery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _count(outcome: str):
    def count(sender=None, **kwargs):
        from marketplace.core.metrics import CELERY_TASKS  # not at import: settings are not configured yet

        name = getattr(sender, "name", None) or getattr(getattr(kwargs.get("request"), "task", None), "name", "?")
        CELERY_TASKS.labels(task=name, outcome=outcome).inc()

    return count


# Tasks by name and outcome for /metrics (marketplace.core.metrics); weak=False keeps the closures connected.
signals.task_success.connect(_count("success"), weak=False)
signals.task_failure.connect(_count("failure"), weak=False)
signals.task_retry.connect(_count("retry"), weak=False)
