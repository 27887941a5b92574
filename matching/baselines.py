"""The simple rankings every evaluation prints beside the matcher, so it cannot flatter itself.

Pure numpy over a snapshot's rows. ``heuristic`` is the three-line rule an analyst would write
first (issue #11): 3 × tag overlap + 0.3 × [main interest is the order's] + 0.5 × (audience share
in the target age buckets + 3 × audience share in the target regions) + 5 × engagement rate.
"""

from __future__ import annotations

import numpy as np

from matching.scoring import AGE_BUCKETS, OrderQuery, region_share_rows

BASELINES = ("popularity", "tag_overlap", "heuristic")


def popularity(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    """Followers."""
    return snap.followers[rows].astype(np.float64)


def tag_overlap(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    """The sum of the creator's own label weights on the order's target labels."""
    rows = np.asarray(rows, dtype=np.int64)
    if not query.labels or not len(rows):
        return np.zeros(len(rows), dtype=np.float64)
    cols = np.array(sorted({c for c, _ in query.labels}), dtype=np.int64)
    return np.asarray(snap.labels_csr[rows][:, cols].sum(axis=1), dtype=np.float64).ravel()


def order_interest(snap, query: OrderQuery) -> int:
    """The interest column holding most of the order's label weight (-1: the order has no labels)."""
    if not query.labels:
        return -1
    weights: dict[int, float] = {}
    for col, weight in query.labels:
        interest = int(snap.label_interest[col])
        weights[interest] = weights.get(interest, 0.0) + weight
    return min(weights, key=lambda i: (-weights[i], i))


def heuristic(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.int64)
    from matching.snapshot import METRIC_NAMES

    ages = sum((snap.age[AGE_BUCKETS.index(a)][rows].astype(np.float64) for a in query.ages), np.zeros(len(rows)))
    regions = region_share_rows(snap, query, rows).astype(np.float64) if query.regions else np.zeros(len(rows))
    main = (snap.primary_interest[rows] == order_interest(snap, query)).astype(np.float64)
    engagement = np.nan_to_num(snap.metrics[METRIC_NAMES.index("engagement_rate"), rows].astype(np.float64))
    return 3 * tag_overlap(snap, query, rows) + 0.3 * main + 0.5 * (ages + 3 * regions) + 5 * engagement


def scores(snap, query: OrderQuery, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "popularity": popularity(snap, query, rows),
        "tag_overlap": tag_overlap(snap, query, rows),
        "heuristic": heuristic(snap, query, rows),
    }
