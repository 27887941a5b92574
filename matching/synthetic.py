"""Seeded synthetic creator frames for benchmarks and tests of the pure ranker (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matching.scoring import AGE_BUCKETS, FORMATS, GENDERS
from matching.snapshot import CREATOR_COLUMNS, Catalogue, Frames

N_INTERESTS = 37
N_LABELS = 704
REGIONS = ["CN", "US", "GB", "JP", "KR", "BR", "IN", "DE", "FR", "ID", *(f"CN-{p}" for p in ("GD", "SH", "BJ", "ZJ"))]


def catalogue() -> Catalogue:
    label_ids = np.arange(1, N_LABELS + 1, dtype=np.int64)
    interest_ids = np.arange(1, N_INTERESTS + 1, dtype=np.int64)
    label_interest = interest_ids[(label_ids - 1) % N_INTERESTS]
    return Catalogue(
        label_ids=label_ids, label_interest_ids=label_interest, interest_ids=interest_ids, region_codes=sorted(REGIONS)
    )


def frames(n: int, seed: int = 7, first_id: int = 1) -> Frames:
    rng = np.random.default_rng(seed)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    followers = np.exp(rng.normal(10.5, 1.6, n)).astype(np.int64) + 100
    views = (followers * rng.lognormal(-1.4, 0.7, n)).astype(np.int64)
    data = {
        "id": ids,
        "active": rng.random(n) < 0.92,
        "followers": followers,
        "median_views_30d": views,
        "median_views_90d": (views * rng.uniform(0.8, 1.2, n)).astype(np.int64),
        "engagement_rate": np.clip(rng.lognormal(-3.2, 0.6, n), 0, 1),
        "completion_rate": rng.beta(4, 6, n),
        "hit_video_share": rng.beta(1.5, 12, n),
        "follower_growth_30d": rng.normal(0.02, 0.04, n),
        # A track record imported from elsewhere for some creators (the rest come from ``events``).
        "imported_fulfilment_rate": np.where(rng.random(n) < 0.2, rng.beta(8, 2, n), np.nan),
        "imported_fulfilment_orders": rng.integers(1, 30, n).astype(np.float64),
        "imported_avg_rating": np.where(rng.random(n) < 0.2, rng.uniform(3, 5, n), np.nan),
        "imported_rating_count": rng.integers(1, 30, n).astype(np.float64),
    }
    age = rng.dirichlet(np.ones(len(AGE_BUCKETS)) * 2, n)
    gender = rng.dirichlet(np.array([3.0, 3.0, 0.3]), n)
    for i, b in enumerate(AGE_BUCKETS):
        data[f"age_{b}"] = age[:, i]
    for i, g in enumerate(GENDERS):
        data[f"gender_{g}"] = gender[:, i]
    base_price = np.maximum(followers // 20, 5_000) * 100
    for i, f in enumerate(FORMATS):
        has = rng.random(n) < (0.8 if i < 3 else 0.4)
        data[f"price_{f}"] = np.where(has, (base_price * (0.6 + 0.3 * i)).astype(np.int64), 0)
    creators = pd.DataFrame(data)[list(CREATOR_COLUMNS)]

    per = rng.integers(1, 5, n)
    label_creator = np.repeat(ids, per)
    home = rng.integers(0, N_INTERESTS, n)
    # Labels cluster in the creator's home interest, like real creators.
    offsets = rng.integers(0, N_LABELS // N_INTERESTS, len(label_creator))
    label_ids = np.repeat(home, per) + 1 + offsets * N_INTERESTS
    labels = pd.DataFrame(
        {
            "creator_id": label_creator,
            "label_id": np.minimum(label_ids, N_LABELS),
            "weight": rng.uniform(0.3, 1.0, len(label_creator)).astype(np.float32),
        }
    )
    labels = labels.drop_duplicates(["creator_id", "label_id"])

    codes = sorted(REGIONS)
    k = 3
    picks = np.argsort(rng.random((n, len(codes))), axis=1)[:, :k]
    shares = rng.dirichlet(np.ones(k), n)
    regions = pd.DataFrame(
        {
            "creator_id": np.repeat(ids, k),
            "code": np.array(codes)[picks.ravel()],
            "share": shares.ravel().astype(np.float32),
        }
    )
    m = max(1, n // 100)
    start = 740_000 + rng.integers(0, 60, m)
    blackouts = pd.DataFrame(
        {"creator_id": rng.choice(ids, m), "starts_on": start, "ends_on": start + rng.integers(1, 14, m)}
    )
    return Frames(creators=creators, labels=labels, regions=regions, blackouts=blackouts, events=events(rng, ids))


def events(rng, ids: np.ndarray) -> pd.DataFrame:
    """Past deals of about a tenth of the creators (1–5 each), with outcomes."""
    with_history = ids[rng.random(len(ids)) < 0.1]
    creator = np.repeat(with_history, rng.integers(1, 6, len(with_history)))
    m = len(creator)
    answered = 1.7e9 + rng.uniform(0, 3e7, m)
    accepted = (rng.random(m) < 0.7).astype(np.float64)
    done = accepted == 1
    views = np.where(done, rng.lognormal(8, 1.2, m), np.nan)
    return pd.DataFrame(
        {
            "creator_id": creator,
            "order_id": rng.integers(1, 1 + max(1, m // 10), m),
            "answered_at": answered,
            "finished_at": np.where(done, answered + 2.6e6, np.nan),
            "accepted": accepted,
            "on_time": np.where(done, (rng.random(m) < 0.85).astype(np.float64), np.nan),
            "rating": np.where(done, rng.integers(3, 6, m).astype(np.float64), np.nan),
            "views": views,
            "expected_views": views * rng.lognormal(0, 0.3, m),
            "conversions": np.where(done, np.floor(np.nan_to_num(views) * rng.beta(1, 80, m)), np.nan),
        }
    )
