"""One-line reasons for each ranked creator, as structured data (code + numbers).

Reasons are stored as ``{"code": ..., ...}`` dicts and rendered (translated) by the templates and
the API, so a stored ranking can be shown in any language. Pure numpy: no ORM.
"""

from __future__ import annotations

import numpy as np

from matching.scoring import AGE_BUCKETS, FORMATS, GENDERS, GOALS, OrderQuery, region_share


def reasons_for(snap, query: OrderQuery, rows: np.ndarray, components: dict[str, np.ndarray]) -> list[list[dict]]:
    """A short list of reasons per row, strongest evidence first."""
    target_cols = {c for c, _ in query.labels}
    target_interests = {int(snap.label_interest[c]) for c in target_cols}
    out = []
    f = FORMATS.index(query.format)
    g = GOALS.index(query.goal)
    for i, row in enumerate(rows):
        row = int(row)
        reasons: list[dict] = []
        reasons.extend(_content(snap, row, target_cols, target_interests))
        reasons.extend(_audience(snap, query, row))
        unknown = _unknown_metrics(snap, GOALS[g], row)
        views = int(snap.median_views[row])
        price = int(snap.price[f, row])
        if "views" not in unknown:
            reasons.append(
                {
                    "code": "performance",
                    "goal": GOALS[g],
                    "views": views,
                    "percentile": round(float(components["performance"][i]) * 100),
                }
            )
            if price > 0:
                cpm = price / max(views, 1) * 1000
                reasons.append(
                    {"code": "value", "cpm": round(cpm), "cheaper_than": round(float(components["value"][i]) * 100)}
                )
        if unknown:
            reasons.append({"code": "unknown_metrics", "metrics": unknown})
        reasons.append(_reliability(snap, row))
        if components["exploration"][i] > 0:
            reasons.append({"code": "new_creator"})
        out.append(reasons)
    return out


def _content(snap, row: int, target_cols: set[int], target_interests: set[int]) -> list[dict]:
    start, end = snap.labels_csr.indptr[row], snap.labels_csr.indptr[row + 1]
    cols = snap.labels_csr.indices[start:end]
    exact = [int(snap.catalogue.label_ids[c]) for c in cols if c in target_cols]
    if exact:
        return [{"code": "labels", "label_ids": exact}]
    shared = sorted({int(snap.label_interest[c]) for c in cols} & target_interests)
    if shared:
        return [{"code": "interest", "interest_ids": [int(snap.catalogue.interest_ids[i]) for i in shared]}]
    return [{"code": "no_content_match"}]


def _audience(snap, query: OrderQuery, row: int) -> list[dict]:
    reasons = []
    if query.regions:
        share = float(region_share(snap, query, row, row + 1)[0])
        reasons.append({"code": "regions", "share": round(share * 100)})
    if query.ages:
        share = sum(float(snap.age[AGE_BUCKETS.index(a), row]) for a in query.ages)
        reasons.append({"code": "ages", "share": round(share * 100), "buckets": list(query.ages)})
    if query.genders:
        share = sum(float(snap.gender[GENDERS.index(x), row]) for x in query.genders)
        reasons.append({"code": "genders", "share": round(share * 100), "genders": list(query.genders)})
    return reasons


# The metrics each goal's performance part reads; views also set the value-for-money part.
GOAL_METRICS = {
    "awareness": ("views",),
    "seeding": ("views", "engagement_rate", "hit_video_share"),
    "conversion": ("views", "completion_rate"),
}
_METRIC_ROWS = {"views": "log_views"}


def _unknown_metrics(snap, goal: str, row: int) -> list[str]:
    """The metrics this order reads that the creator has no figure for (ranked as typical instead)."""
    from matching.snapshot import METRIC_NAMES

    return [
        name
        for name in GOAL_METRICS[goal]
        if not np.isfinite(snap.metrics[METRIC_NAMES.index(_METRIC_ROWS.get(name, name)), row])
    ]


def _reliability(snap, row: int) -> dict:
    from matching.snapshot import METRIC_NAMES

    m = {name: float(snap.metrics[i, row]) for i, name in enumerate(METRIC_NAMES)}
    orders = int(m["completed_orders"])
    if orders == 0:
        return {"code": "no_history"}
    reason = {"code": "reliability", "orders": orders}
    if np.isfinite(m["fulfilment_rate"]):
        reason["fulfilment"] = round(m["fulfilment_rate"] * 100)
    if np.isfinite(m["avg_rating"]):
        reason["rating"] = round(m["avg_rating"], 1)
    return reason
