"""Past orders and collaborations with outcomes, drawn from a documented generative model.

Used by ``load_demo`` (so the demo's matcher has something to learn) and by the tests of
``train_matcher`` / ``evaluate_matcher``. The model (docs/matching.md, "Demo history"):

* Each past order targets 1–3 labels of one interest, a goal, a format, an audience and a
  per-creator budget around the median rate-card price of creators in that interest.
* The brand sends ~12 offers: most to creators drawn from the top of the hand-weighted ranking
  (probability ∝ exp(4 × score)), a few at random among the eligible (brands explore).
* Each creator has a latent craft q = 0.6·z(completion rate) + 0.4·z(hit-video share) + noise —
  **the planted signal**: the hand-weighted score barely uses these two metrics, so a learned
  model that finds them ranks past outcomes better.
* accepted ~ Bernoulli(σ(1.2 + 2·(budget/price − 1)));
  on time ~ Bernoulli(σ(0.8 + 1.5·q)); rating = clip(round(3.6 + 0.8·q + 0.8·(content − 0.5) + ε), 1, 5);
  views = median views × exp(0.5·q + 0.8·(content − 0.5) + ε); conversions = views × rate × e^(0.3·q).
* Afterwards each creator's fulfilment rate, average rating and completed orders are recomputed
  from these outcomes, as the platform would (orders.services.track_record).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from brands.models import Brand
from marketplace.core.audience import AGE_BUCKETS, GENDERS
from marketplace.core.models import Label, ProductCategory, ProductInterestPrior
from matching import scoring
from matching.snapshot import METRIC_NAMES, Snapshot
from orders.models import Collaboration, Order, OrderTargetLabel, ResultSnapshot
from orders.services.track_record import refresh_creator_history

OFFERS_PER_ORDER = 12
EXPLORATION_OFFERS = 3
# A past order's schedule, in days after it was published (dates in order: offer, answer within 3 days,
# script, post inside the publish window, work accepted, settled; the order closes after all of them).
SCRIPT_DAYS = 7
PUBLISH_FROM_DAYS, PUBLISH_UNTIL_DAYS = 14, 33
CLOSED_AFTER_DAYS = 45
RESULT_DAY = 30  # the result snapshot each delivered post reports (ResultSnapshot.Day)
SPLIT = {"likes": 0.82, "comments": 0.11, "shares": 0.07}  # illustrative, as the demo campaigns


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def latent_craft(snap: Snapshot, rng) -> np.ndarray:
    m = {name: snap.metrics[i] for i, name in enumerate(METRIC_NAMES)}

    def z(values):
        values = np.nan_to_num(values.astype(np.float64))
        return (values - values.mean()) / max(values.std(), 1e-9)

    return 0.6 * z(m["completion_rate"]) + 0.4 * z(m["hit_video_share"]) + rng.normal(0, 0.3, snap.n)


@transaction.atomic
def generate_history(snap: Snapshot, *, orders: int, seed: int = 11, months: int = 18, progress=None, rng=None) -> int:
    """Create ``orders`` closed past orders with offers and outcomes; returns collaborations created."""
    rng = np.random.default_rng(seed) if rng is None else rng
    brands = list(Brand.objects.select_related("industry").order_by("id"))
    categories = list(ProductCategory.objects.filter(interest_priors__isnull=False).distinct().order_by("id"))
    labels_by_interest: dict[int, list[int]] = {}
    for label_id, interest_id in Label.objects.filter(tier__gte=2).values_list("id", "interest_id"):
        labels_by_interest.setdefault(interest_id, []).append(label_id)
    if not brands or not categories or snap.n == 0:
        return 0
    lines = {brand.pk: _product_line(brand, categories) for brand in brands}
    priors = _interest_priors(labels_by_interest)
    craft = latent_craft(snap, rng)
    now = timezone.now()
    collaborations = 0
    for _i in range(orders):
        # Every step of a past order, to its closing, lies in the past.
        when = now - timedelta(days=int(rng.integers(CLOSED_AFTER_DAYS + 1, months * 30)))
        brand = brands[int(rng.integers(len(brands)))]
        order = _past_order(rng, brand, lines[brand.pk], priors, labels_by_interest, snap, when)
        collaborations += _past_offers(rng, snap, order, craft, when)
        if progress:
            progress(1)
    refresh_creator_history()
    return collaborations


def _product_line(brand: Brand, categories: list[ProductCategory]) -> list[ProductCategory]:
    """The product categories a brand sells in: its industry and the categories under it (a skin-care
    brand advertises skin care, never elections); every category when the brand names no industry."""
    if brand.industry is None:
        return categories
    line = [c for c in categories if c.path == brand.industry.path or c.path.startswith(f"{brand.industry.path} >")]
    return line or [brand.industry]


def _interest_priors(labels_by_interest: dict[int, list[int]]) -> dict[int, tuple[list[int], np.ndarray]]:
    """Per product category, the interests whose content suits it (with labels to target) and their weights."""
    found: dict[int, tuple[list[int], list[float]]] = {}
    for category_id, interest_id, weight in ProductInterestPrior.objects.values_list(
        "product_category_id", "interest_id", "weight"
    ).order_by("product_category_id", "interest_id"):
        if interest_id in labels_by_interest:
            ids, weights = found.setdefault(category_id, ([], []))
            ids.append(interest_id)
            weights.append(weight)
    return {k: (ids, np.asarray(w) / sum(w)) for k, (ids, w) in found.items()}


def _past_order(rng, brand, line, priors, labels_by_interest, snap, when) -> Order:
    category = line[int(rng.integers(len(line)))]
    if category.pk in priors:
        # The brief targets content that suits the product (IAB's product → content mapping).
        ids, weights = priors[category.pk]
        interest_id = int(rng.choice(ids, p=weights))
    else:
        # Else what creators actually make: the interest of a random labelled creator.
        labelled = np.flatnonzero(snap.primary_interest >= 0)
        interest_id = int(rng.choice(list(labels_by_interest)))
        if len(labelled):
            candidate = int(snap.catalogue.interest_ids[snap.primary_interest[rng.choice(labelled)]])
            interest_id = candidate if candidate in labels_by_interest else interest_id
    labels = rng.choice(
        labels_by_interest[interest_id],
        size=min(int(rng.integers(1, 4)), len(labels_by_interest[interest_id])),
        replace=False,
    )
    fmt = str(rng.choice(scoring.FORMATS[:4], p=[0.3, 0.4, 0.15, 0.15]))
    prices = snap.price[scoring.FORMATS.index(fmt)]
    priced = prices[prices > 0]
    budget = int(np.quantile(priced, rng.uniform(0.4, 0.9))) if len(priced) else 500_000
    ages = list(rng.choice(AGE_BUCKETS, size=int(rng.integers(1, 3)), replace=False))
    order = Order.objects.create(
        brand=brand,
        title=f"Past campaign {when:%Y-%m} #{int(rng.integers(1000, 9999))}",
        product_name=f"{category.name} (past campaign)",
        product_category=category,
        goal=str(rng.choice(scoring.GOALS)),
        format=fmt,
        target_age=ages,
        target_gender=[str(rng.choice(GENDERS[:2]))] if rng.random() < 0.5 else [],
        currency=settings.CURRENCY,
        price_per_creator=max(budget, 10_000),
        creators_wanted=int(rng.integers(3, 8)),
        script_by=when + timedelta(days=SCRIPT_DAYS),
        publish_from=(when + timedelta(days=PUBLISH_FROM_DAYS)).date(),
        publish_until=(when + timedelta(days=PUBLISH_UNTIL_DAYS)).date(),
    )
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.CLOSED,
        created_at=when - timedelta(days=2),
        published_at=when,
        closed_at=when + timedelta(days=CLOSED_AFTER_DAYS),
    )
    order.refresh_from_db()
    OrderTargetLabel.objects.bulk_create(
        [OrderTargetLabel(order=order, label_id=int(label), weight=1.0) for label in labels]
    )
    return order


def _past_offers(rng, snap, order, craft, when) -> int:
    from matching.features import order_query

    query = order_query(order, snap, excluded={})
    block = scoring.score_block(snap, query, 0, snap.n)
    eligible = np.flatnonzero(block.mask)
    if len(eligible) == 0:
        return 0
    top = eligible[np.argsort(-block.score[eligible], kind="stable")[:300]]
    weights = np.exp(4 * block.score[top])
    picked = rng.choice(
        top, size=min(OFFERS_PER_ORDER - EXPLORATION_OFFERS, len(top)), replace=False, p=weights / weights.sum()
    )
    rest = np.setdiff1d(eligible, picked)
    explore = rng.choice(rest, size=min(EXPLORATION_OFFERS, len(rest)), replace=False) if len(rest) else rest
    rows = np.concatenate([picked, explore]).astype(np.int64)
    fmt = scoring.FORMATS.index(order.format)
    price = np.maximum(snap.price[fmt, rows], 1)
    q = craft[rows]
    content = block.content[rows]
    accepted = rng.random(len(rows)) < _sigmoid(1.2 + 2 * (order.per_creator_budget() / price - 1))
    on_time = accepted & (rng.random(len(rows)) < _sigmoid(0.8 + 1.5 * q))
    rating = np.clip(np.round(3.6 + 0.8 * q + 0.8 * (content - 0.5) + rng.normal(0, 0.4, len(rows))), 1, 5)
    views = snap.median_views[rows] * np.exp(0.5 * q + 0.8 * (content - 0.5) + rng.normal(0, 0.3, len(rows)))
    engagement = snap.metrics[METRIC_NAMES.index("engagement_rate"), rows]
    conv_rate = rng.beta(1.2, 80, len(rows)) * np.exp(0.3 * q)
    items = []
    for j, row in enumerate(rows):
        done = bool(accepted[j])
        answered = when + timedelta(hours=int(rng.integers(2, 70)))
        completed = when + timedelta(days=int(rng.integers(20, 35))) if done else None
        expected = int(snap.median_views[row]) if snap.median_views[row] > 0 else None
        items.append(
            Collaboration(
                order=order,
                creator_id=int(snap.creator_ids[row]),
                origin=Collaboration.Origin.DEMO,
                status=Collaboration.Status.SETTLED if done else Collaboration.Status.CLOSED,
                currency=order.currency,
                agreed_price=int(price[j]),
                offered_at=when,
                responded_at=answered,
                accepted_at=answered if done else None,
                # The post went up three days before the work was accepted, inside the publish window.
                published_at=completed - timedelta(days=3) if done else None,
                completed_at=completed,
                settled_at=completed + timedelta(days=7) if done else None,
                closed_at=None if done else answered,
                accepted=done,
                completed_on_time=bool(on_time[j]) if done else None,
                brand_rating=int(rating[j]) if done else None,
                expected_views=expected,
                expected_engagements=int(expected * np.nan_to_num(engagement[j])) if expected else None,
                views=int(views[j]) if done else None,
                engagements=int(views[j] * np.nan_to_num(engagement[j])) if done else None,
                conversions=int(views[j] * conv_rate[j]) if done else None,
            )
        )
    Collaboration.objects.bulk_create(items)
    _past_results([c for c in items if c.accepted])
    return len(items)


def _past_results(done: list[Collaboration]) -> None:
    """Each delivered post's day-30 figures as a result snapshot, so a past campaign's report has its
    results (the report reads snapshots; the collaboration's own counts feed the matcher)."""
    ResultSnapshot.objects.bulk_create(
        [
            ResultSnapshot(
                collaboration=c,
                day=RESULT_DAY,
                views=c.views,
                **{name: int(c.engagements * share) for name, share in SPLIT.items()},
                clicks=c.conversions * 16,  # illustrative: about one conversion in 16 clicks
                conversions=c.conversions,
                source=ResultSnapshot.Source.DEMO,
            )
            for c in done
        ]
    )
