"""A brand with a webhook endpoint at a real local receiver, deals to drive, and a broker that keeps what it is
given so a test runs the webhook tasks itself (as a worker would) and sees what the receiver got."""

from __future__ import annotations

import pytest
from celery import current_app

import webhooks.tasks  # noqa: F401 - registers the tasks the broker names
from tests.orders.conftest import act, deal_in, make_creator, world  # noqa: F401 - fixtures and helpers
from tests.webhooks.receiver import Receiver
from webhooks import services


class Broker:
    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name, kwargs=None, **options):
        self.sent.append((name, kwargs or {}))

    def run_webhook_tasks(self) -> int:
        """Run (and forget) every webhook task sent so far; the number run."""
        mine = [(n, kw) for n, kw in self.sent if n.startswith("webhooks.")]
        self.sent = [(n, kw) for n, kw in self.sent if not n.startswith("webhooks.")]
        for name, kwargs in mine:
            current_app.tasks[name].run(**kwargs)
        return len(mine)


@pytest.fixture
def broker(monkeypatch):
    fake = Broker()
    monkeypatch.setattr("marketplace.core.outbox.broker", lambda: fake)
    monkeypatch.setattr("webhooks.services.broker", lambda: fake)
    return fake


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def hooked(world, receiver, broker, settings):  # noqa: F811 - the imported fixture
    """The world's brand with one endpoint at the receiver, subscribed to every event; its secret."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    from webhooks.events import EVENT_TYPES

    endpoint, secret = services.endpoint_create(actor=world["owner"], url=receiver.url, event_types=list(EVENT_TYPES))
    return {**world, "endpoint": endpoint, "secret": secret}
