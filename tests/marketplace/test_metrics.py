"""/metrics (issue 14, operating it): not public, and it shows the requests, database queries, ranking time,
Celery tasks, outbox backlog and the last ledger check an operator watches."""

import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from marketplace.core.metrics import LEDGER_CHECK_KEY
from marketplace.core.models import Label, OutboxMessage
from matching import engine
from orders.models import OrderTargetLabel
from payouts.tasks import ledger_check_task
from tests.factories import OrderFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token"


@pytest.fixture
def scrape(settings, client):
    settings.METRICS_TOKEN = TOKEN

    def get() -> str:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return get


def value(page: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` of an exposition page (0 when absent)."""
    for line in page.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    return 0.0


@pytest.mark.parametrize("token", ["", "wrong"])
@pytest.mark.parametrize("configured", [True, False])
def test_metrics_are_a_404_without_the_token(settings, client, token, configured):
    settings.METRICS_TOKEN = TOKEN if configured else ""

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}" if token else "")

    assert response.status_code == 404
    assert b"starmap_" not in response.content


def test_requests_and_database_queries_are_counted(scrape, client):
    before = scrape()
    client.get("/healthz")
    after = scrape()

    assert value(after, "django_http_responses_total_by_status_total", status="200") > value(
        before, "django_http_responses_total_by_status_total", status="200"
    )
    assert value(after, "django_db_execute_total", alias="default", vendor="postgresql") > 0


def test_a_ranking_run_shows_in_the_ranking_histogram(
    scrape, taxonomy, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MATCHING_SNAPSHOT_DIR = tmp_path
    engine.reset()
    make_creators(20)
    order = OrderFactory(price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    before = value(scrape(), "starmap_ranking_seconds_count")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("rank_order", str(order.pk), "--json", stdout=StringIO(), stderr=StringIO())
    engine.reset()

    assert value(scrape(), "starmap_ranking_seconds_count") == before + 1


def test_the_outbox_backlog_and_its_age_are_shown(scrape):
    OutboxMessage.objects.create(topic="order.published", payload={"order_id": 1})
    pending = OutboxMessage.objects.filter(acknowledged_at__isnull=True).count()

    page = scrape()

    assert pending >= 1
    assert value(page, "starmap_outbox_backlog") == pending
    assert value(page, "starmap_outbox_oldest_seconds") >= 0


def test_the_last_ledger_check_is_shown_with_its_differences(scrape):
    cache.delete(LEDGER_CHECK_KEY)
    assert "starmap_ledger_differences" not in scrape()

    assert ledger_check_task() == 0

    page = scrape()
    assert value(page, "starmap_ledger_differences") == 0
    assert value(page, "starmap_ledger_checked_at") > 0


def test_celery_tasks_are_counted_by_name_and_outcome(scrape):
    name = "payouts.tasks.ledger_check_task"
    before = value(scrape(), "starmap_celery_tasks_total", task=name, outcome="success")

    ledger_check_task.apply()

    assert value(scrape(), "starmap_celery_tasks_total", task=name, outcome="success") == before + 1
