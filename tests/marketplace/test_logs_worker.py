"""A real Celery worker logging JSON lines: the id of the web request that queued the work is on the task's log
lines and on the rows the task writes, whether the task came through the outbox or was queued after commit."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from marketplace.celery import app as celery_app
from marketplace.core.models import AuditLog, OutboxMessage
from orders.models import OrderTargetLabel
from payouts import services as money
from payouts.models import Payout
from tests.factories import CreatorFactory, LabelFactory, MembershipFactory, OrderFactory
from tests.payouts.conftest import escrowed_hold, new_key

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_log(tmp_path):
    """Start a worker on this run's broker and queue, against the test database, with LOG_FORMAT=json; yield a
    function returning the JSON lines it has written to stdout so far."""
    celery_app.control.purge()  # nothing left over from earlier tests on this queue
    db = connection.settings_dict
    out = tmp_path / "worker.jsonl"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "PAYMENT_PROVIDER": "sandbox",
        "MATCHING_SNAPSHOT_DIR": str(tmp_path / "snapshots"),
        "VAR_DIR": str(tmp_path / "var"),
    }
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "marketplace",
        "worker",
        "--pool",
        "solo",
        "-n",
        f"logs-{os.getpid()}@%h",
    ]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out.open("w"), stderr=(tmp_path / "worker.err").open("w"))

    def lines() -> list[dict]:
        return [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]

    lines.stderr = lambda: (tmp_path / "worker.err").read_text()[-3000:]
    yield lines
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def _task_lines(lines: list[dict], task: str) -> list[dict]:
    ids = {line["task_id"] for line in lines if line["event"] == "task_started" and line.get("task") == task}
    return [line for line in lines if line.get("task_id") in ids]


def _finished(lines: list[dict], task: str) -> bool:
    return any(line["event"] in ("task_succeeded", "task_failed") for line in _task_lines(lines, task))


def test_a_published_orders_request_id_follows_the_outbox_into_the_workers_tasks(client, worker_log):
    manager = MembershipFactory(role="manager")
    order = OrderFactory(brand=manager.brand, price_per_creator=10**9)
    OrderTargetLabel.objects.create(order=order, label=LabelFactory(), weight=1.0)
    client.force_login(manager.user)

    response = client.post(reverse("orders:publish", args=[order.pk]), HTTP_X_REQUEST_ID="req-e2e-publish")

    assert response.status_code == 302 and response["X-Request-ID"] == "req-e2e-publish"
    ranked = wait_for(
        lambda: OutboxMessage.objects.filter(topic="matching.rank", acknowledged_at__isnull=False).exists()
    )
    assert ranked, worker_log.stderr()
    # order.published (written by the request) → the worker's order_published_task → matching.rank (written by
    # that task) → ranking_run_task: each message, and each task's lines, carry the request's id.
    assert dict(OutboxMessage.objects.values_list("topic", "request_id")) == {
        "order.published": "req-e2e-publish",
        "matching.rank": "req-e2e-publish",
    }
    assert wait_for(lambda: _finished(worker_log(), "matching.tasks.ranking_run_task")), worker_log.stderr()
    for task in ("matching.tasks.order_published_task", "matching.tasks.ranking_run_task"):
        lines = _task_lines(worker_log(), task)
        assert {"task_started", "task_succeeded"} <= {line["event"] for line in lines}, (task, lines)
        assert {line["request_id"] for line in lines} == {"req-e2e-publish"}, (task, lines)
    enqueued = [line["child_task_id"] for line in worker_log() if line["event"] == "task_enqueued"]
    assert len(enqueued) == len(set(enqueued))  # one line per task queued by the worker, not two


def test_a_payout_task_queued_after_the_requests_commit_logs_and_audits_with_its_id(client, worker_log):
    creator = CreatorFactory()
    hold = escrowed_hold(OrderFactory(currency="CNY"), creator, 100_000)
    money.release(hold_id=hold.pk, idempotency_key=new_key())
    money.settle(hold_id=hold.pk, idempotency_key=new_key())
    client.force_login(creator.user)

    response = client.post(
        reverse("payouts:payout_request"),
        {"amount": "200", "idempotency_key": new_key()},
        HTTP_X_REQUEST_ID="req-e2e-payout",
    )

    assert response.status_code == 302 and response["X-Request-ID"] == "req-e2e-payout"
    payout = Payout.objects.get(creator=creator)
    sent = wait_for(lambda: AuditLog.objects.filter(action="money.payout_sent", object_id=str(payout.pk)).exists())
    assert sent, worker_log.stderr()
    # The worker wrote the audit row of the sending; the request wrote the payout's ledger transaction.
    assert AuditLog.objects.get(action="money.payout_sent", object_id=str(payout.pk)).request_id == "req-e2e-payout"
    assert {tx.request_id for tx in payout.transactions.all()} == {"req-e2e-payout"}
    assert wait_for(lambda: _finished(worker_log(), "payouts.tasks.payout_send_task")), worker_log.stderr()
    lines = _task_lines(worker_log(), "payouts.tasks.payout_send_task")
    assert {line["request_id"] for line in lines} == {"req-e2e-payout"}, lines
