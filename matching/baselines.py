"""The simple rankings every evaluation prints beside the matcher, so it cannot flatter itself.

Pure numpy over a snapshot's rows. ``heuristic`` is the three-line rule an analyst would write
first (issue #11): 3 × tag overlap + 0.3 × [main interest is the order's] + 0.5 × (audience share
in the target age buckets + 3 × audience share in the target regions) + 5 × engagement rate.
``heuristic_history`` is the next thing that analyst would add, and the strongest baseline of the
issue's own table: the heuristic plus the smoothed track record (on-time rate and rating).
"""

from __future__ import annotations

import numpy as np

from matching.scoring import AGE_BUCKETS, OrderQuery, region_share_rows

BASELINES = ("popularity", "tag_overlap", "heuristic", "heuristic_history")
# heuristic_history: heuristic + ON_TIME_WEIGHT × on-time rate + RATING_WEIGHT × rating, both shrunk.
ON_TIME_WEIGHT = 2.0
RATING_WEIGHT = 0.5


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


def heuristic_history(snap, query: OrderQuery, rows: np.ndarray, metrics: np.ndarray | None = None) -> np.ndarray:
    """The heuristic + 2 × on-time rate + 0.5 × rating, each the creator's estimate shrunk toward the
    population's prior by their own count (creators.track_record: Beta–binomial, normal–normal), so a
    creator with no record sits at the prior mean. The weights put a creator always on time and rated 5
    2 points ahead of one on time half the time and rated 3: two thirds of a full tag match (3).
    ``metrics``: the snapshot's rows of these creators (default), or training's as of a past order's offer date."""
    from matching.snapshot import METRIC_NAMES

    rows = np.asarray(rows, dtype=np.int64)
    metrics = snap.metrics[:, rows] if metrics is None else metrics
    on_time = np.asarray(metrics[METRIC_NAMES.index("on_time")], dtype=np.float64)
    rating = np.asarray(metrics[METRIC_NAMES.index("rating")], dtype=np.float64)
    record = ON_TIME_WEIGHT * _known_or_mean(on_time) + RATING_WEIGHT * _known_or_mean(rating)
    return heuristic(snap, query, rows) + record


def _known_or_mean(values: np.ndarray) -> np.ndarray:
    """Unknown values at the mean of the known ones (a shrunk estimate is never unknown; this is a guard)."""
    known = np.isfinite(values)
    return np.where(known, values, values[known].mean() if known.any() else 0.0)


def scores(snap, query: OrderQuery, rows: np.ndarray, metrics: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every baseline's scores of ``rows`` (``metrics``: as for heuristic_history)."""
    return {
        "popularity": popularity(snap, query, rows),
        "tag_overlap": tag_overlap(snap, query, rows),
        "heuristic": heuristic(snap, query, rows),
        "heuristic_history": heuristic_history(snap, query, rows, metrics),
    }
