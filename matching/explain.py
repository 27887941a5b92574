"""One-line reasons for each ranked creator, as structured data (code + numbers).

Reasons are stored as ``{"code": ..., ...}`` dicts and rendered (translated) by the templates and
the API, so a stored ranking can be shown in any language. Every reason names the metric its
numbers come from, carries ``points`` — how much it added to the 0–100 match score (its component's
weight × its share of the component × 100; a creator's points add up to the score) — and the list
is ordered by them, largest first. When the learned model moved the creator, a ``model_moved``
reason comes first and says in which direction and because of what. Pure numpy: no ORM.
"""

from __future__ import annotations

import numpy as np

from matching.scoring import (
    AGE_BUCKETS,
    EXPLORATION_WEIGHT,
    FORMATS,
    GENDERS,
    NEAR_CREDIT,
    WEIGHTS,
    OrderQuery,
    region_share,
)
from matching.snapshot import (
    METRIC_NAMES,
    PERFORMANCE_PARTS,
    UNKNOWN_PERCENTILE,
    conversion_standing,
    orders_on_record,
    track_prior,
)
from matching.snapshot.derive import _pct


def reasons_for(
    snap, query: OrderQuery, rows: np.ndarray, components: dict[str, np.ndarray], *, moves: list | None = None
) -> list[list[dict]]:
    """Reasons per row, the one that added most to the score first (``moves``: per row, None or the
    learned model's (hand rank, rank, because))."""
    target_cols = {c for c, _ in query.labels}
    target_interests = {int(snap.label_interest[c]) for c in target_cols}
    f = FORMATS.index(query.format)
    w = WEIGHTS[query.goal]
    out = []
    for i, row in enumerate(rows):
        row = int(row)
        reasons: list[dict] = []
        contribution = w["content"] * components["content"][i]
        reasons.append(_content(snap, query, row, target_cols, target_interests, contribution))
        reasons.extend(_audience(snap, query, row, w["audience"]))
        reasons.extend(_performance(snap, query.goal, row, w["performance"]))
        price = int(snap.price[f, row])
        if price > 0:
            reasons.append(
                {
                    "code": "budget_left",
                    "price": price,
                    "left": round(float(components["value"][i]) * 100),
                    "points": _points(w["value"] * components["value"][i]),
                }
            )
        reasons.append(_reliability(snap, row, w["reliability"] * components["reliability"][i]))
        if components["exploration"][i] > 0:
            orders = round(float(orders_on_record(_metric(snap, "deals", row), _metric(snap, "ratings", row))))
            points = _points(EXPLORATION_WEIGHT * components["exploration"][i])
            reasons.append({"code": "new_creator", "orders": orders, "points": points})
        reasons.sort(key=lambda r: -r["points"])
        out.append(with_move(reasons, None if moves is None else moves[i]))
    return out


def with_move(reasons: list[dict], move) -> list[dict]:
    """``reasons`` with the learned model's move first, when it moved the creator (``move``: None or
    (hand rank, rank, because)). The merge of a sharded ranking adds it to the reasons a shard gave."""
    if move is None:
        return reasons
    hand_rank, rank, because = move
    direction = "up" if rank < hand_rank else "down"
    return [{"code": "model_moved", "direction": direction, "from": hand_rank, "because": because}, *reasons]


def _points(value) -> float:
    return round(float(value) * 100, 1)


def _content(snap, query: OrderQuery, row: int, target_cols: set[int], target_interests: set[int], contribution):
    start, end = snap.labels_csr.indptr[row], snap.labels_csr.indptr[row + 1]
    cols = snap.labels_csr.indices[start:end]
    exact = [int(snap.catalogue.label_ids[c]) for c in cols if c in target_cols]
    if exact:
        return {"code": "labels", "label_ids": exact, "points": _points(contribution)}
    near = _nearest(snap, query, row, set(cols.tolist()))
    if near is not None:
        label, target = near
        return {"code": "near_label", "label_ids": [label], "target_ids": [target], "points": _points(contribution)}
    shared = sorted({int(snap.label_interest[c]) for c in cols} & target_interests)
    if shared:
        ids = [int(snap.catalogue.interest_ids[i]) for i in shared]
        return {"code": "interest", "interest_ids": ids, "points": _points(contribution)}
    return {"code": "no_content_match", "points": 0.0}


def _nearest(snap, query: OrderQuery, row: int, cols: set[int]) -> tuple[int, int] | None:
    """(label id, order label id) of the creator's label next to an order label that gave the most content
    credit (scoring.NEAR_CREDIT), or None."""
    best, found = -1.0, None
    for col, distance, target in query.near:
        if col in cols:
            floor, span = NEAR_CREDIT[distance]
            credit = floor + span * min(float(snap.labels_csr[row, col]), 1.0)
            if credit > best:
                best, found = credit, (int(snap.catalogue.label_ids[col]), int(snap.catalogue.label_ids[target]))
    return found


def _audience(snap, query: OrderQuery, row: int, weight: float) -> list[dict]:
    dims = bool(query.ages) + bool(query.genders) + bool(query.regions)
    if not dims:
        return []
    each = weight / dims
    reasons = []
    if query.regions:
        share = float(region_share(snap, query, row, row + 1)[0])
        reasons.append({"code": "regions", "share": round(share * 100), "points": _points(each * share)})
    if query.ages:
        share = sum(float(snap.age[AGE_BUCKETS.index(a), row]) for a in query.ages)
        reasons.append(
            {"code": "ages", "share": round(share * 100), "buckets": list(query.ages), "points": _points(each * share)}
        )
    if query.genders:
        share = sum(float(snap.gender[GENDERS.index(x), row]) for x in query.genders)
        reasons.append(
            {
                "code": "genders",
                "share": round(share * 100),
                "genders": list(query.genders),
                "points": _points(each * share),
            }
        )
    return reasons


def _metric(snap, name: str, row: int) -> float:
    return float(snap.metrics[METRIC_NAMES.index(name), row])


def share_below(value: float, table: np.ndarray) -> float:
    """The share of creators strictly below ``value`` in a quantile table: what "more than X % of
    creators" may claim (the score's standing puts ties in the middle, which a sentence must not)."""
    if len(table) == 0:
        return 0.0
    return float(np.searchsorted(table, value, side="left")) / len(table)


def more_than(share: float) -> int:
    """The whole percent a reason may say a creator is above: rounded down, and never all of them (the
    creator is one of the creators)."""
    return min(99, int(share * 100))


def _views_known(snap, row: int) -> bool:
    return bool(np.isfinite(_metric(snap, "log_views", row)))


# Metrics a creator may have no figure for (image posts have no views); named as in the reasons.
UNKNOWN_METRICS = ("views", "engagement_rate", "hit_video_share", "completion_rate")


def _performance(snap, goal: str, row: int, weight: float) -> list[dict]:
    """One reason per metric the goal's performance is made of, each with that metric's own value and
    its own percentile among all creators (snapshot.PERFORMANCE_PARTS)."""
    reasons, unknown, unknown_points = [], [], 0.0
    for metric, share in PERFORMANCE_PARTS[goal]:
        name = "views" if metric == "median_views" else metric
        known = _views_known(snap, row) if name == "views" else bool(np.isfinite(_metric(snap, name, row)))
        if name in UNKNOWN_METRICS and not known:
            # Unknown is not zero: the creator is counted as typical (the middle) for this metric.
            unknown.append(name)
            unknown_points += weight * share * UNKNOWN_PERCENTILE
            continue
        if metric == "median_views":
            value = int(snap.median_views[row])
            standing = float(_pct(np.array([np.log1p(value)]), snap.reference["log_views"])[0])
            below = share_below(np.log1p(value), snap.reference["log_views"])
            reason = {"code": "views", "views": value}
        elif metric == "conversion":
            rate = _metric(snap, "conversion", row)
            standing = below = float(conversion_standing(rate, track_prior(snap.reference)))
            deals = round(_metric(snap, "conversion_deals", row))
            reason = {"code": "conversion", "rate": round(rate * 100, 2), "deals": deals}
        else:
            value = _metric(snap, metric, row)
            standing = float(_pct(np.array([value]), snap.reference[metric])[0])
            below = share_below(value, snap.reference[metric])
            reason = {"code": metric, "rate": round(value * 100, 1)}
        reason["percentile"] = more_than(below)
        reason["points"] = _points(weight * share * standing)
        reasons.append(reason)
    if unknown:
        reasons.append({"code": "unknown_metrics", "metrics": unknown, "points": _points(unknown_points)})
    return reasons


def _reliability(snap, row: int, contribution) -> dict:
    """The track record: raw counts and rates, and what the matcher counts them as (shrunk)."""
    prior = track_prior(snap.reference)
    deals, ratings = round(_metric(snap, "deals", row)), round(_metric(snap, "ratings", row))
    points = _points(contribution)
    if deals == 0 and ratings == 0:
        return {"code": "no_history", "points": points}
    on_time, rating = _metric(snap, "on_time", row), _metric(snap, "rating", row)
    reason = {"code": "reliability", "orders": deals, "ratings": ratings, "points": points}
    if deals:
        raw = on_time * (deals + prior.on_time_strength) - prior.on_time_mean * prior.on_time_strength
        reason.update(on_time=round(raw), on_time_counted=round(on_time * 100))
    if ratings:
        raw = (rating * (ratings + prior.rating_strength) - prior.rating_mean * prior.rating_strength) / ratings
        reason.update(rating=round(raw, 1), rating_counted=round(rating, 1))
    return reason
