"""marketplace.core.delivery: every task is retried while a dependency is down, and knows it ran before."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from marketplace.celery import app
from marketplace.core.delivery import ran_before

attempts: list[bool] = []


@app.task(bind=True, name="tests.delivery.flaky")
def flaky(self, failures: int, error: str):
    attempts.append(ran_before(self))
    if len(attempts) <= failures:
        raise OperationalError("connection refused") if error == "database" else ValueError("a bug")
    return "done"


@pytest.fixture(autouse=True)
def _fresh():
    attempts.clear()


def test_a_task_meeting_the_database_down_is_retried_and_knows_it_ran_before():
    result = flaky.apply(args=[2, "database"])

    assert result.get() == "done"
    assert attempts == [False, True, True]  # the retries may take over what the first attempt claimed


def test_any_other_error_fails_the_task_at_once():
    result = flaky.apply(args=[1, "bug"])

    assert result.failed() and isinstance(result.result, ValueError)
    assert attempts == [False]


def test_a_task_called_directly_is_not_retried():
    with pytest.raises(OperationalError):
        flaky(1, "database")


def test_a_task_beat_sends_every_few_seconds_is_not_retried_the_next_one_comes_anyway(settings):
    settings.CELERY_BEAT_SCHEDULE = {"flaky": {"task": "tests.delivery.flaky", "schedule": 5.0}}

    result = flaky.apply(args=[1, "database"])

    assert result.failed() and isinstance(result.result, OperationalError)
    assert attempts == [False]


def test_the_relay_and_the_timers_are_the_tasks_beat_sends_on_an_interval():
    from marketplace.core.delivery import sent_by_beat_on_interval

    names = sent_by_beat_on_interval()

    assert {"marketplace.tasks.outbox_relay_task", "marketplace.tasks.collaboration_timers_task"} <= names
    assert "matching.tasks.snapshot_rebuild_task" not in names  # nightly: retried through an outage
