"""What the deal (the orders app, a layer below) reads from the matcher.

orders may not import matching; it reaches these through the plug-in point the wiring names
(``settings.ORDER_MATCHING``, loaded by ``marketplace.core.plugins.plugin``). Each takes and returns
plain deal objects and values, so orders needs nothing of matching's own types.
"""

from __future__ import annotations

from types import SimpleNamespace

from creators.models import Creator
from matching.models import RankingResult, RankingRun
from matching.selectors import reason_names, reason_text, recommended_orders
from orders.models import Order


def expected_for(order: Order, creator: Creator) -> dict:
    """What the matcher expected of this creator on this order, frozen on the offer when it is made: from
    the order's latest finished ranking when the creator is in it, else the creator's own median views."""
    result = (
        RankingResult.objects.filter(run__order=order, creator=creator, run__status=RankingRun.Status.DONE)
        .select_related("run")
        .order_by("-run__created_at")
        .first()
    )
    views = result.expected_views if result else creator.median_views_30d
    known = views is not None and creator.engagement_rate is not None
    return {
        "expected_views": views,
        "expected_engagements": int(views * creator.engagement_rate) if known else None,
        "match_score": result.score if result else None,
        "match_model_version": result.run.model_version if result else "",
    }


def ranking_results(order: Order, creator_ids: list[int]) -> dict[int, RankingResult]:
    """Creator id → their result in the order's latest finished ranking (component scores included)."""
    run = order.ranking_runs.filter(status=RankingRun.Status.DONE).order_by("-created_at", "-id").first()
    if run is None or not creator_ids:
        return {}
    return {r.creator_id: r for r in RankingResult.objects.filter(run=run, creator_id__in=creator_ids)}


def recommended_with_reasons(creator: Creator) -> list[dict]:
    """The matcher's recommended open orders for the creator, each with its reasons in words as the creator
    reads them (the brand's labels, their own audience and rate)."""
    items = recommended_orders(creator)
    names = reason_names([SimpleNamespace(reasons=item["reasons"]) for item in items])
    for item in items:
        item["reason_texts"] = [
            reason_text(r, names, item["order"].currency, reader="creator") for r in item["reasons"]
        ]
    return items
