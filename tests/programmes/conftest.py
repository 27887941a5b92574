from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from payouts import services as money
from payouts.providers import sandbox as sandbox_provider
from programmes import services
from programmes.models import Programme
from tests.factories import CollaborationFactory, CreatorFactory, UserFactory


@pytest.fixture(autouse=True)
def _money_settings(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.CURRENCY = "CNY"
    sandbox_provider.reset()
    yield
    sandbox_provider.reset()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


class Clock:
    """A controlled clock: ``timezone.now()`` returns ``self.now`` while the fixture is active."""

    def __init__(self, now: datetime):
        self.now = now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def fund(amount: int, actor=None) -> None:
    money.incentives_fund(amount=amount, idempotency_key=str(uuid.uuid4()), actor=actor)


def make_programme(*, actor=None, start=None, days=7, **overrides) -> Programme:
    start = start or timezone.now() - timedelta(days=1)
    fields = {
        "name": "Spring stars",
        "budget": 100_000,
        "starts_at": start,
        "ends_at": start + timedelta(days=days),
        "min_brand_rating": 5,
        "require_on_time": True,
        "mode": "per_order",
        "per_order_amount": 10_000,
        "cap_per_creator": 30_000,
    }
    fields.update(overrides)
    return services.programme_create(actor=actor, **fields)


def completed_order(creator, *, at, rating=5, on_time=True):
    return CollaborationFactory(
        creator=creator,
        status="completed",
        accepted=True,
        completed_at=at,
        brand_rating=rating,
        completed_on_time=on_time,
    )


def joined_creator(programme, **kwargs):
    creator = CreatorFactory(**kwargs)
    services.programme_join(programme_id=programme.pk, creator=creator, actor=creator.user)
    return creator
