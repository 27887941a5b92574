"""Reads for matching: ranked lists, "why not", and recommended orders; their reasons in words
(``reasons.py``) and the three searches (``searches.py``)."""

from __future__ import annotations

import numpy as np
from django.db.models import FloatField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from creators.models import Creator
from marketplace.core.audience import regions_within
from marketplace.core.models import OutboxMessage
from marketplace.core.scores import match_score
from matching import engine, explain, features, scoring, snapshot
from matching.models import RankingResult, RankingRun
from matching.selectors.reasons import ELIGIBILITY_TEXT, MOVED_BECAUSE, UNKNOWN_METRIC_NAMES, reason_names, reason_text
from matching.selectors.searches import (
    MAX_SEEDS,
    creators_with_labels,
    product_prior,
    search_by_content,
    search_by_product,
    search_lookalike,
)
from orders.models import Order

# ------------------------------------------------------------------ runs

__all__ = [
    "ELIGIBILITY_TEXT",
    "MAX_SEEDS",
    "MOVED_BECAUSE",
    "UNKNOWN_METRIC_NAMES",
    "creator_snapshot",
    "creators_with_labels",
    "first_ranking_pending",
    "latest_run",
    "product_prior",
    "rank_of",
    "ranking_payload",
    "reason_names",
    "reason_text",
    "recommended_orders",
    "results_for_run",
    "results_query",
    "search_by_content",
    "search_by_product",
    "search_lookalike",
    "standing",
    "why_not",
]


def latest_run(order: Order) -> RankingRun | None:
    return order.ranking_runs.order_by("-created_at", "-id").first()


def first_ranking_pending(order: Order) -> bool:
    """The order's ``order.published`` message is not consumed yet: its first ranking is on its way."""
    return OutboxMessage.objects.filter(
        topic="order.published", payload__order_id=order.pk, acknowledged_at__isnull=True
    ).exists()


def results_for_run(run: RankingRun, *, filters: dict | None = None, limit: int = 50) -> list[RankingResult]:
    """Stored results, filtered in the database (followers, price, audience region) — best first."""
    return list(results_query(run, filters=filters)[:limit])


def results_query(run: RankingRun, *, filters: dict | None = None) -> QuerySet[RankingResult]:
    """The run's results as a filtered queryset, best first (the API pages through it by rank)."""
    qs = run.results.select_related("creator").order_by("rank")
    filters = filters or {}
    if filters.get("min_followers") is not None:
        qs = qs.filter(creator__followers__gte=filters["min_followers"])
    if filters.get("max_followers") is not None:
        qs = qs.filter(creator__followers__lte=filters["max_followers"])
    if filters.get("max_price") is not None:
        qs = qs.filter(price__lte=filters["max_price"])
    if filters.get("region"):
        qs = qs.annotate(audience_in_region=_audience_share(filters["region"])).filter(
            audience_in_region__gte=filters.get("region_share", 0.2)
        )
    return qs


def _audience_share(region: str):
    """The creator's audience share in ``region`` and every region inside it (regions_within), in SQL."""
    shares = [
        Coalesce(Cast(KeyTextTransform(code, "creator__audience_region"), FloatField()), 0.0)
        for code in regions_within([region])
    ]
    return sum(shares[1:], shares[0])


def rank_of(order: Order, creator: Creator) -> int | None:
    """The creator's rank in the order's latest finished ranking, or None."""
    run = order.ranking_runs.filter(status=RankingRun.Status.DONE).order_by("-created_at", "-id").first()
    if run is None:
        return None
    return run.results.filter(creator=creator).values_list("rank", flat=True).first()


def ranking_payload(run: RankingRun, *, top: int) -> dict:
    results = results_for_run(run, limit=top)
    names = reason_names(results)
    return {
        "order": run.order_id,
        "run": run.pk,
        "status": run.status,
        "model_version": run.model_version,
        "snapshot_version": run.snapshot_version,
        "eligible": run.eligible_count,
        "considered": run.considered_count,
        "duration_ms": run.duration_ms,
        "results": [
            {
                "rank": r.rank,
                "creator": r.creator_id,
                "handle": r.creator.handle,
                "match_score": match_score(r.score),
                "score": round(r.score, 4),
                "hand_score": round(r.hand_score, 4),
                "price": r.price,
                "expected_views": r.expected_views,
                "components": {c: round(getattr(r, c), 4) for c in scoring.COMPONENTS},
                "reasons": [reason_text(x, names, run.order.currency) for x in r.reasons],
            }
            for r in results
        ],
    }


# --------------------------------------------------------------- why not


def why_not(order: Order, creator: Creator) -> list[str]:
    """Eligibility reason codes excluding ``creator`` from ``order``'s ranking (empty: eligible).

    Uses the same scoring.why_not as the worker, on a one-creator snapshot read fresh from the
    database, so the answer reflects edits made a second ago.
    """
    frames, mark = features.fetch_frames(creator_ids=[creator.pk])
    mini = snapshot.build(frames, features.catalogue(), version="why-not", watermark=mark)
    from matching.features import excluded_creators, order_query

    excluded = excluded_creators(order)
    extra = tuple(reason for reason, ids in excluded.items() if creator.pk in ids)
    query = order_query(order, mini, excluded={})
    row = int(mini.rows_of([creator.pk])[0])
    return scoring.why_not(mini, query, row, extra_reasons=extra)


def standing(order: Order, creator: Creator) -> dict | None:
    """Where an eligible creator stands for ``order`` now, wherever that is (also far below the stored top
    of the list): their rank among every eligible creator by the hand score, their 0–100 match score and
    its reasons, computed on request on the worker's snapshot. None when the creator is not in it yet.

    Below the stored list the learned model re-orders nobody, so the hand score is what decides there.
    """
    from matching.features import order_query

    snap = engine.current()
    row = int(snap.rows_of([creator.pk])[0])
    if row < 0:
        return None
    query = order_query(order, snap)
    block = scoring.score_block(snap, query, 0, snap.n)
    at = np.searchsorted(block.rows, row)
    if at >= len(block.rows) or block.rows[at] != row:
        return None
    score = block.scores[at]
    ids = snap.creator_ids[block.rows]
    ahead = int(np.count_nonzero(block.scores > score)) + int(
        np.count_nonzero((block.scores == score) & (ids < creator.pk))
    )
    rows = np.array([row], dtype=np.int64)
    components = scoring.static_components(snap, query, rows)
    components["content"] = block.content[rows]
    components["audience"] = block.audience_for(rows)
    stored = explain.reasons_for(snap, query, rows, components)[0]
    names = reason_names([RankingResult(reasons=stored)])
    return {
        "rank": ahead + 1,
        "eligible": len(block.rows),
        "match_score": match_score(score),
        "reasons": [reason_text(x, names, order.currency) for x in stored],
    }


# ------------------------------------------------------- recommended orders


def creator_snapshot(creator: Creator):
    """This creator's features, scored against the current snapshot's reference (as the worker would)."""
    frames, mark = features.fetch_frames(creator_ids=[creator.pk])
    saved = snapshot.load_reference(engine.root())
    if saved is None:
        return snapshot.build(frames, features.catalogue(), version="one", watermark=mark)
    catalogue, reference, idf = saved
    return snapshot.build_rows(frames, catalogue, reference, idf)


def recommended_orders(creator: Creator, *, limit: int = 50) -> list[dict]:
    """Open recruitment orders this creator is eligible for, best match first, with the components.

    Uses the same eligibility and score as the brand-side ranking, for this one creator.
    """
    from django.utils import timezone

    from brands.models import BrandBlock
    from matching.features import order_query
    from orders import flows

    if not flows.has_free_capacity(creator):
        return []  # no free capacity: not eligible for any order now
    blocked_by = set(BrandBlock.objects.filter(creator=creator).values_list("brand_id", flat=True))
    orders = list(
        Order.objects.filter(status=Order.Status.PUBLISHED, mode=Order.Mode.RECRUITMENT)
        .exclude(apply_by__lt=timezone.now())
        .exclude(collaborations__creator=creator)
        .exclude(brand_id__in=blocked_by)
        .select_related("brand", "product_category")
        .prefetch_related("target_label_links")
        .order_by("-published_at")[:500]
    )
    if not orders:
        return []
    mini = creator_snapshot(creator)
    out = []
    for order in orders:
        query = order_query(order, mini, excluded={})
        block = scoring.score_block(mini, query, 0, mini.n)
        if not block.mask[0]:
            continue
        comps = scoring.static_components(mini, query, np.array([0]))
        comps["content"] = block.content[:1]
        comps["audience"] = block.audience_for(np.array([0]))
        out.append(
            {
                "order": order,
                "score": float(block.score[0]),
                "components": {c: float(comps[c][0]) for c in scoring.COMPONENTS},
                "reasons": explain.reasons_for(mini, query, np.array([0]), comps)[0],
            }
        )
    out.sort(key=lambda item: (-item["score"], item["order"].pk))
    return out[:limit]
