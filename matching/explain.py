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
        views = int(snap.median_views[row])
        reasons.append(
            {
                "code": "performance",
                "goal": GOALS[g],
                "views": views,
                "percentile": round(float(components["performance"][i]) * 100),
            }
        )
        price = int(snap.price[f, row])
        if price > 0:
            cpm = price / max(views, 1) * 1000
            reasons.append(
                {"code": "value", "cpm": round(cpm), "cheaper_than": round(float(components["value"][i]) * 100)}
            )
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


def _reliability(snap, row: int) -> dict:
    from matching.snapshot import METRIC_NAMES

    m = {name: float(snap.metrics[i, row]) for i, name in enumerate(METRIC_NAMES)}
    deals = round(m["deals"])
    if deals == 0 and round(m["ratings"]) == 0:
        return {"code": "no_history"}
    return {
        "code": "reliability",
        "orders": deals,
        "fulfilment": round(m["on_time"] * 100),
        "ratings": round(m["ratings"]),
        "rating": round(m["rating"], 1),
    }
