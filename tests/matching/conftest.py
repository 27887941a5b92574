import numpy as np
import pytest
from django.conf import settings

from creators.bulk import CreatorRecord, write_creators
from marketplace.core.audience import AGE_BUCKETS
from marketplace.core.models import Label
from matching import engine
from matching.scoring import FORMATS


@pytest.fixture(autouse=True)
def _snapshot_dir(settings, tmp_path):
    """Each test gets its own snapshot directory and an empty in-process cache."""
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    engine.reset()
    yield
    engine.reset()


def make_creators(n: int, *, seed: int = 1, interests: int = 4) -> list[int]:
    """``n`` verified creators with labels from a few interests, rate cards, audiences and metrics."""
    rng = np.random.default_rng(seed)
    by_interest: dict[int, list[int]] = {}
    for label_id, interest_id in Label.objects.filter(tier__gte=2).values_list("id", "interest_id"):
        by_interest.setdefault(interest_id, []).append(label_id)
    chosen = sorted(by_interest)[:interests]
    records = []
    for i in range(n):
        home = by_interest[chosen[i % len(chosen)]]
        labels = rng.choice(home, size=min(3, len(home)), replace=False)
        followers = int(np.exp(rng.normal(11, 1.2)))
        age = rng.dirichlet(np.ones(5))
        records.append(
            CreatorRecord(
                handle=f"c{seed}-{i}",
                display_name=f"Creator {i}",
                bio=f"Creator number {i}",
                verification="verified",
                followers=followers,
                median_views_30d=int(followers * rng.uniform(0.1, 0.5)),
                engagement_rate=float(rng.uniform(0.01, 0.1)),
                completion_rate=float(rng.uniform(0.2, 0.7)),
                hit_video_share=float(rng.uniform(0, 0.3)),
                audience_age={b: float(a) for b, a in zip(AGE_BUCKETS, age, strict=True)},
                audience_gender={"female": 0.5, "male": 0.5},
                audience_region={"CN": 0.7, "US": 0.3},
                labels=[(int(label), float(rng.uniform(0.4, 1))) for label in labels],
                rates=[(f, int(followers * rng.uniform(0.5, 2)) + 10_000) for f in FORMATS[:3]],
            )
        )
    return write_creators(records)


@pytest.fixture
def currency():
    return settings.CURRENCY


def queue_published_orders() -> int:
    """Play the worker's order_published_task for every order.published message not consumed yet (tests run
    no Celery worker unless they start one): each published order gets its queued ranking run."""
    from marketplace.core.models import OutboxMessage
    from matching import services

    messages = OutboxMessage.objects.filter(topic="order.published", acknowledged_at__isnull=True).order_by("id")
    return sum(services.order_published(**m.payload, outbox_id=m.pk) is not None for m in list(messages))


def write_creator(handle: str, label_id: int, *, regions: dict[str, float] | None = None) -> int:
    """One verified creator on one label (weight 0.9) with a middling record and a rate card; all else equal
    between two such creators but the handle, the label and the audience's regions (default all in CN)."""
    record = CreatorRecord(
        handle=handle,
        display_name=handle,
        bio="",
        verification="verified",
        followers=50_000,
        median_views_30d=10_000,
        engagement_rate=0.04,
        completion_rate=0.4,
        hit_video_share=0.1,
        audience_age=dict.fromkeys(AGE_BUCKETS, 0.2),
        audience_gender={"female": 0.5, "male": 0.5},
        audience_region={"CN": 1.0} if regions is None else regions,
        labels=[(label_id, 0.9)],
        rates=[(f, 100_000) for f in FORMATS[:3]],
    )
    return write_creators([record])[0]


def creator_with_a_recommended_order(settings, tmp_path, *, title: str = "Serum for students"):
    """A creator with an account among 30 ranked ones, and one open recruitment order on their first label with a
    budget every rate fits (CNY 10,000,000.00 per creator): what the creator's recommended orders show. Returns
    (creator, order), the snapshot built in ``tmp_path``; the caller resets the engine (``engine.reset()``) when done.
    """
    from datetime import timedelta

    from django.utils import timezone

    from creators.models import Creator
    from orders.models import Order, OrderTargetLabel
    from tests.factories import OrderFactory, UserFactory

    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    engine.reset()
    ids = make_creators(30)
    engine.rebuild()
    creator = Creator.objects.get(pk=ids[0])
    creator.user = UserFactory()
    creator.save(update_fields=["user"])
    order = OrderFactory(
        title=title,
        status=Order.Status.PUBLISHED,
        mode=Order.Mode.RECRUITMENT,
        price_per_creator=10**9,
        apply_by=timezone.now() + timedelta(days=3),
    )
    OrderTargetLabel.objects.create(order=order, label=creator.label_links.first().label, weight=1.0)
    return creator, order
