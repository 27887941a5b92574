"""Prometheus metrics (docs/operations.md): what django-prometheus measures (requests, latency by view, database
queries and their time, cache), plus Starmap's own — Celery tasks by name and outcome, ranking time, and, read
when Prometheus scrapes, the outbox backlog, the depth of the Celery queue and the last ledger check.

``/metrics`` is not public: it answers only a request carrying ``Authorization: Bearer <METRICS_TOKEN>``
and is a 404 for everyone else (and for everyone when METRICS_TOKEN is unset). With several web processes,
set PROMETHEUS_MULTIPROC_DIR (shared by the web and worker processes of one host) so a scrape sums them.
"""

from __future__ import annotations

import hmac
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

CELERY_TASKS = Counter("starmap_celery_tasks_total", "Celery tasks finished, by task and outcome", ["task", "outcome"])
RANKING_SECONDS = Histogram(
    "starmap_ranking_seconds",
    "Ranking runs, from claim to stored list",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
# Written by payouts.tasks.ledger_check_task (the kernel imports no app; the cache is the meeting point).
LEDGER_CHECK_KEY = "metrics:ledger-check"


class PlatformCollector:
    """Figures read from the database, the broker and the cache when Prometheus scrapes."""

    def describe(self):
        return []  # nothing read at registration (the registry would otherwise call collect() at import)

    def collect(self):
        from marketplace.core.models import OutboxMessage

        pending = OutboxMessage.objects.filter(acknowledged_at__isnull=True)
        backlog = GaugeMetricFamily("starmap_outbox_backlog", "Outbox messages not yet acknowledged by a task")
        backlog.add_metric([], pending.count())
        yield backlog
        oldest = pending.order_by("id").values_list("created_at", flat=True).first()
        age = GaugeMetricFamily("starmap_outbox_oldest_seconds", "Age of the oldest unacknowledged outbox message")
        age.add_metric([], 0 if oldest is None else max(0.0, time.time() - oldest.timestamp()))
        yield age
        depth = _queue_depth()
        if depth is not None:
            queue = GaugeMetricFamily(
                "starmap_celery_queue_depth", "Messages waiting in the Celery queue", labels=["queue"]
            )
            queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], depth)
            yield queue
        check = cache.get(LEDGER_CHECK_KEY)
        if check is not None:
            differences = GaugeMetricFamily("starmap_ledger_differences", "Differences found by the last ledger check")
            differences.add_metric([], check["differences"])
            yield differences
            when = GaugeMetricFamily("starmap_ledger_checked_at", "When the last ledger check ran (Unix time)")
            when.add_metric([], check["at"])
            yield when


def _queue_depth() -> int | None:
    """Messages waiting in the default queue (a Redis list), or None when the broker cannot be asked."""
    try:
        from celery import current_app

        with current_app.connection_for_read() as conn:
            return int(conn.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    except Exception:  # a broker that is down must not break the scrape: the figure is left out
        return None


_platform = PlatformCollector()
REGISTRY.register(_platform)


@never_cache
def metrics_view(request):
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_platform)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
