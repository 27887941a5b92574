"""The demo's incentive programmes: one that ran last month and has paid out, and one open now that a
new creator (the README's creator login among them) may join."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from creators.models import Creator
from orders.flows import COMPLETED_ORDER
from orders.models import Collaboration
from payouts.services import incentives_fund
from payouts.services.idempotency import system_key
from programmes import services
from programmes.models import Programme

JOINERS = 40  # creators with completed orders last month who joined the past programme


def ensure_programmes(accounts, *, now: datetime | None = None) -> int:
    """Create both programmes once (a second run keeps them); returns how many were created."""
    if Programme.objects.exists():
        return 0
    now = now or timezone.now()
    admin = accounts.admin
    incentives_fund(amount=5_000_000, idempotency_key=system_key("demo", "incentives"), actor=admin)
    # The past programme's 90 days end just after the latest rated completed order, so it has orders to pay.
    rated = Collaboration.objects.filter(COMPLETED_ORDER, brand_rating__isnull=False, completed_at__lte=now)
    latest = rated.order_by("-completed_at").values_list("completed_at", flat=True).first()
    end = latest + timedelta(seconds=1) if latest else now - timedelta(hours=1)
    now = max(now, end)
    start = end - timedelta(days=90)
    past = services.programme_create(
        actor=admin,
        name="Spring stars 星动计划",
        description="Completed orders rated 4 stars or more: 200 yuan each, at most 1,000 yuan per creator.",
        budget=2_000_000,
        starts_at=start,
        ends_at=end,
        min_brand_rating=4,
        require_on_time=False,
        mode="per_order",
        per_order_amount=20_000,
        cap_per_creator=100_000,
    )
    services.programme_transition(programme_id=past.pk, to="open", actor=admin, now=start)
    done = rated.filter(completed_at__gte=start, completed_at__lt=end, brand_rating__gte=4)
    joiners = Creator.objects.filter(pk__in=done.values("creator_id")).order_by("pk")[:JOINERS]
    for creator in joiners:
        services.programme_join(programme_id=past.pk, creator=creator, actor=None, now=start)
    services.programme_transition(programme_id=past.pk, to="closed", actor=None, now=now)
    services.programme_transition(programme_id=past.pk, to="paid", actor=admin, now=now)
    running = services.programme_create(
        actor=admin,
        name="New stars 新星计划",
        description="For creators new to Starmap: the pool shared by completed 5-star orders delivered on time.",
        budget=1_000_000,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        new_creators_only=True,
        min_brand_rating=5,
        require_on_time=True,
        mode="pro_rata",
        cap_per_creator=200_000,
    )
    services.programme_transition(programme_id=running.pk, to="open", actor=admin, now=now)
    return 2
