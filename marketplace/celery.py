import os

from celery import Celery, signals
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

# Every task is retried while PostgreSQL or Redis is unreachable (marketplace.core.delivery).
app = Celery("starmap", task_cls="marketplace.core.delivery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class TaskLogContext(DjangoStructLogInitStep):
    """django-structlog's worker step: before each task, bind the request id (and the rest of the publisher's
    log context) from its header. Its publishing receivers are dropped: django_structlog's app already
    connected its own in every Django process (DJANGO_STRUCTLOG_CELERY_ENABLED), and with both each
    task_enqueued line was written twice."""

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        signals.before_task_publish.disconnect(self.receiver.receiver_before_task_publish)
        signals.after_task_publish.disconnect(self.receiver.receiver_after_task_publish)


app.steps["worker"].add(TaskLogContext)


@signals.setup_logging.connect(weak=False)
def _logging(**kwargs):
    """The worker and beat log as the web does (settings.LOGGING, marketplace.core.logs), not Celery's way."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


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
