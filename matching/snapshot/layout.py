"""What a snapshot holds: the raw input frames and columns, the column spaces (Catalogue), the Snapshot
arrays themselves, the metric rows (METRIC_NAMES) and the layout version of saved snapshots."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matching.scoring import AGE_BUCKETS, EXPLORATION_WEIGHT, FORMATS, GENDERS, WEIGHTS

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: a process that loads a saved snapshot skips it

QUANTILES = 1001
# The layout of the saved arrays; a snapshot saved in another layout is not loaded but rebuilt.
FORMAT = 2  # 2: the static part per goal, value computed per order (no CPM tables)
EXPLORATION_ORDERS = 5  # creators with fewer deals on record than this get a shrinking boost


def orders_on_record(deals, ratings) -> np.ndarray:
    """The orders a creator has on record, as the exploration rule counts them: the larger of the
    deals with a known outcome and the ratings (the one count the boost and its reason both use)."""
    return np.maximum(deals, ratings)


def exploration_boost(orders) -> np.ndarray:
    """The new-creator boost, 0–1: full with no order on record, shrinking linearly to nothing at
    EXPLORATION_ORDERS. Only a creator with no order is *new*; the others are told how many they have."""
    return (1 - np.minimum(orders, EXPLORATION_ORDERS) / EXPLORATION_ORDERS).astype(np.float32)


# Raw per-creator columns, as matching.features selects them.
CREATOR_COLUMNS = (
    "id",
    "active",
    "followers",
    "median_views_30d",
    "median_views_90d",
    "engagement_rate",
    "completion_rate",
    "hit_video_share",
    "follower_growth_30d",
    # An aggregate imported with the creator (history from elsewhere) and the number of orders behind
    # it (NaN: not given); creators.track_record.add_imported combines it with the deals on record.
    "imported_fulfilment_rate",
    "imported_fulfilment_orders",
    "imported_avg_rating",
    "imported_rating_count",
    *(f"age_{b}" for b in AGE_BUCKETS),
    *(f"gender_{g}" for g in GENDERS),
    *(f"price_{f}" for f in FORMATS),
)


@dataclass
class Catalogue:
    """Column spaces: label ids (with their interest), interest ids and region codes."""

    label_ids: np.ndarray  # int64, sorted
    label_interest_ids: np.ndarray  # int64, interest id of each label
    interest_ids: np.ndarray  # int64, sorted
    region_codes: list[str]

    def label_columns(self, label_ids) -> np.ndarray:
        cols = np.searchsorted(self.label_ids, label_ids)
        cols = np.minimum(cols, len(self.label_ids) - 1)
        return np.where(self.label_ids[cols] == label_ids, cols, -1)

    def region_columns(self, codes) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.region_codes)}
        return np.array([index.get(c, -1) for c in codes], dtype=np.int64)


@dataclass
class Frames:
    """Raw inputs of a build or a patch (only the changed creators for a patch)."""

    creators: pd.DataFrame  # CREATOR_COLUMNS
    labels: pd.DataFrame  # creator_id, label_id, weight
    regions: pd.DataFrame  # creator_id, code, share
    blackouts: pd.DataFrame  # creator_id, starts_on, ends_on (date ordinals)
    # Past deals of these creators (EVENT_COLUMNS): their track record is estimated from them.
    events: pd.DataFrame = field(default_factory=lambda: empty_events())


# One row per offer with an answer; times are POSIX seconds (NaN: unknown), outcomes NaN when unknown.
EVENT_COLUMNS = (
    "creator_id",
    "order_id",
    "answered_at",
    "finished_at",
    "accepted",
    "on_time",
    "rating",
    "views",
    "expected_views",
    "conversions",
)


def empty_events() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: np.empty(0, dtype=np.int64 if c.endswith("_id") else np.float64) for c in EVENT_COLUMNS})


@dataclass
class Snapshot:
    version: str
    built_at: float
    watermark: str  # the newest creator updated_at included, ISO format
    catalogue: Catalogue
    creator_ids: np.ndarray
    active: np.ndarray
    followers: np.ndarray
    median_views: np.ndarray
    metrics: np.ndarray  # float32 [len(METRIC_NAMES), N]: raw metrics for the re-ranker
    age: np.ndarray  # float32 [5, N]
    gender: np.ndarray  # float32 [3, N]
    price: np.ndarray  # int64 [5, N], 0 = no price for that format
    price_gate: np.ndarray  # int64 [5, N]: the price where the creator can be ranked at all, else int64 max
    performance: np.ndarray  # float32 [3, N], per goal
    reliability: np.ndarray
    exploration: np.ndarray
    static: np.ndarray  # float32 [3, N]: the weighted part that does not depend on the order, per goal
    primary_interest: np.ndarray  # int64 column into catalogue.interest_ids, -1 when none
    labels_csr: sp.csr_matrix
    labels_csc: sp.csc_matrix  # IDF-weighted label weights
    labels_unit_csc: sp.csc_matrix  # the same rows scaled to unit length (what the ranker reads)
    label_idf: np.ndarray
    label_interest: np.ndarray  # label column → interest column
    label_norm: np.ndarray
    interests_csc: sp.csc_matrix
    interests_unit_csc: sp.csc_matrix
    interest_norm: np.ndarray
    regions_csr: sp.csr_matrix
    regions_csc: sp.csc_matrix
    regions_dense: np.ndarray  # float32 [R, N]: the most common regions, stored densely
    region_dense_cols: np.ndarray  # region column of each dense row
    blackout_rows: np.ndarray
    blackout_start: np.ndarray
    blackout_end: np.ndarray
    reference: dict = field(default_factory=dict)  # quantile tables

    @property
    def n(self) -> int:
        return len(self.creator_ids)

    @property
    def region_dense_index(self) -> dict[int, int]:
        """Region column → row of ``regions_dense``."""
        cached = self.__dict__.get("_region_dense_index")
        if cached is None:
            cached = {int(c): i for i, c in enumerate(self.region_dense_cols)}
            self.__dict__["_region_dense_index"] = cached
        return cached

    def rows_of(self, creator_ids) -> np.ndarray:
        """Snapshot rows of the given creator ids; -1 for ids not in the snapshot."""
        ids = np.asarray(creator_ids, dtype=np.int64)
        if self.n == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.creator_ids, ids), self.n - 1)
        return np.where(self.creator_ids[pos] == ids, pos, -1)

    def nbytes(self) -> int:
        total = 0
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                total += value.nbytes
            elif sp.issparse(value):
                total += value.data.nbytes + value.indices.nbytes + value.indptr.nbytes
        return total


# The track record, shrunk per statistic (creators.track_record), and the counts behind it.
HISTORY_METRICS = (
    "on_time",
    "rating",
    "views_lift",
    "acceptance",
    "conversion",
    "deals",
    "ratings",
    "conversion_deals",
)
# Per goal, the metrics its performance component is made of and their shares: each metric's standing
# is its percentile among all creators (the conversion record's: its place in the fitted prior).
PERFORMANCE_PARTS = {
    "awareness": (("median_views", 0.5), ("engagement_rate", 0.5)),
    "seeding": (("engagement_rate", 0.6), ("hit_video_share", 0.4)),
    "conversion": (("completion_rate", 0.3), ("conversion", 0.7)),
}
# What a saved snapshot bakes in besides its layout: its static part is weighted by WEIGHTS and
# EXPLORATION_WEIGHT, its performance made of PERFORMANCE_PARTS. A snapshot saved under other values is
# not current, so the worker rebuilds it instead of ranking with two sets of weights at once.
SCORING_KEY = hashlib.sha256(
    json.dumps([WEIGHTS, EXPLORATION_WEIGHT, PERFORMANCE_PARTS], sort_keys=True).encode()
).hexdigest()[:16]
# The creator's own metrics (``_derive`` computes each by name) ...
BASE_METRICS = (
    "log_followers",
    "log_views",
    "engagement_rate",
    "completion_rate",
    "hit_video_share",
    "follower_growth_30d",
)
# ... then the track record: the rows of Snapshot.metrics, and the re-ranker's metric features (matching.learn).
METRIC_NAMES = (*BASE_METRICS, *HISTORY_METRICS)


def metric_rows(values: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """float32 [len(names), N]: the named metric arrays stacked in ``names``' order; every name given once."""
    if set(values) != set(names):
        raise ValueError(
            f"metrics {sorted(set(names) - set(values))} missing, {sorted(set(values) - set(names))} unknown"
        )
    return np.stack([values[name] for name in names]).astype(np.float32)
