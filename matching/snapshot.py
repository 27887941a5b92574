"""The feature snapshot the ranker reads: column-major numpy arrays plus sparse label/region matrices.

Built in one pass from plain pandas frames (matching.features reads them from PostgreSQL),
saved as .npy / .npz files under MATCHING_SNAPSHOT_DIR/<version>/ and loaded once per worker.
Creators are rows sorted by id, so new creators append at the end and shards are id ranges.

Percentiles use quantile tables (QUANTILES points) computed at build time, so a row patched
incrementally is scored against the same reference as at the full rebuild.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import ndtr

from creators import track_record
from matching.scoring import AGE_BUCKETS, EXPLORATION_WEIGHT, FORMATS, GENDERS, GOALS, WEIGHTS

QUANTILES = 1001
# The layout of the saved arrays; a snapshot saved in another layout is not loaded but rebuilt.
FORMAT = 2  # 2: the static part per goal, value computed per order (no CPM tables)
EXPLORATION_ORDERS = 5  # creators with fewer deals on record than this get a shrinking boost

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
    "conversion": (("completion_rate", 0.5), ("conversion", 0.5)),
}
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


# ------------------------------------------------------------------ build


def build(frames: Frames, catalogue: Catalogue, *, version: str, watermark: str) -> Snapshot:
    """A full snapshot from raw frames: reference quantiles are computed here."""
    c = frames.creators.sort_values("id").reset_index(drop=True)
    labels_csr = _label_matrix(frames.labels, c["id"].to_numpy(np.int64), catalogue)
    primary = _primary_interest(labels_csr, catalogue)
    reference = _reference_tables(c, labels_csr)
    deals = track_record.stats_from_events(frames.events, c["id"].to_numpy(np.int64))
    reference["track_prior"] = _prior_array(track_record.fit_prior(_track_stats(c, frames.events), deals=deals))
    parts = _derive(c, frames, catalogue, reference, idf=None, labels_csr=labels_csr, primary=primary)
    return Snapshot(
        version=version, built_at=time.time(), watermark=watermark, catalogue=catalogue, reference=reference, **parts
    )


def patch(snap: Snapshot, frames: Frames, *, version: str, watermark: str) -> Snapshot:
    """Replace the rows of changed creators (and append new ones), keeping reference tables and IDF."""
    c = frames.creators.sort_values("id").reset_index(drop=True)
    if c.empty:
        snap.watermark = watermark
        return snap
    new = _derive(c, frames, snap.catalogue, snap.reference, idf=snap.label_idf)
    rows = snap.rows_of(c["id"].to_numpy())
    existing = rows >= 0
    merged: dict = {}
    # Dense arrays: overwrite existing rows in place, append new rows at the end.
    for name in _DENSE:
        old, upd = getattr(snap, name), new[name]
        old[..., rows[existing]] = upd[..., existing]
        merged[name] = np.concatenate([old, upd[..., ~existing]], axis=-1) if (~existing).any() else old
    order = np.argsort(merged["creator_ids"], kind="stable")
    if (~existing).any() and not np.all(order == np.arange(len(order))):
        merged = {k: v[..., order] for k, v in merged.items()}
    n = len(merged["creator_ids"])
    all_rows = np.searchsorted(merged["creator_ids"], c["id"].to_numpy())
    merged["labels_csr"] = _replace_rows(snap.labels_csr, new["labels_csr"], all_rows, n, order)
    merged["regions_csr"] = _replace_rows(snap.regions_csr, new["regions_csr"], all_rows, n, order)
    merged.update(_sparse_views(merged["labels_csr"], merged["regions_csr"], snap.label_idf, snap.catalogue))
    merged.update(_blackouts(_merge_blackouts(snap, frames.blackouts, c["id"].to_numpy()), merged["creator_ids"]))
    return Snapshot(
        version=version,
        built_at=time.time(),
        watermark=watermark,
        catalogue=snap.catalogue,
        reference=snap.reference,
        label_idf=snap.label_idf,
        label_interest=snap.label_interest,
        **merged,
    )


_DENSE = (
    "creator_ids",
    "active",
    "followers",
    "median_views",
    "metrics",
    "age",
    "gender",
    "price",
    "price_gate",
    "performance",
    "reliability",
    "exploration",
    "static",
    "primary_interest",
)


def _replace_rows(old: sp.csr_matrix, new_rows: sp.csr_matrix, rows: np.ndarray, n: int, order) -> sp.csr_matrix:
    old = old.tocoo()
    keep = ~np.isin(old.row, rows)
    # Old row numbers move when appended ids needed re-sorting; map them through ``order``.
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    old_rows = inverse[old.row[keep]]
    new = new_rows.tocoo()
    data = np.concatenate([old.data[keep], new.data])
    r = np.concatenate([old_rows, rows[new.row]])
    cidx = np.concatenate([old.col[keep], new.col])
    return sp.csr_matrix((data, (r, cidx)), shape=(n, old.shape[1]), dtype=np.float32)


def _merge_blackouts(snap: Snapshot, fresh: pd.DataFrame, changed_ids: np.ndarray) -> pd.DataFrame:
    keep = ~np.isin(snap.creator_ids[snap.blackout_rows], changed_ids)
    old = pd.DataFrame(
        {
            "creator_id": snap.creator_ids[snap.blackout_rows[keep]],
            "starts_on": snap.blackout_start[keep],
            "ends_on": snap.blackout_end[keep],
        }
    )
    return pd.concat([old, fresh], ignore_index=True)


# ----------------------------------------------------------------- derive


UNKNOWN_PERCENTILE = 0.5  # an unknown metric ranks a creator as the middle of those who have it


def _pct(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Percentile in [0, 1] of each value against a quantile table (ties → middle; unknown → middle)."""
    if len(table) == 0:
        return np.full(len(values), UNKNOWN_PERCENTILE, dtype=np.float32)
    lo = np.searchsorted(table, values, side="left")
    hi = np.searchsorted(table, values, side="right")
    pct = ((lo + hi) / 2) / len(table)
    return np.where(np.isfinite(values), pct, UNKNOWN_PERCENTILE).astype(np.float32)


def _quantiles(values: np.ndarray, points: int = QUANTILES) -> np.ndarray:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return np.empty(0)
    return np.quantile(values, np.linspace(0, 1, points))


def _label_matrix(labels: pd.DataFrame, ids: np.ndarray, catalogue: Catalogue) -> sp.csr_matrix:
    rows = np.searchsorted(ids, labels["creator_id"].to_numpy())
    cols = catalogue.label_columns(labels["label_id"].to_numpy())
    ok = (cols >= 0) & (rows < len(ids))
    ok[ok] &= ids[rows[ok]] == labels["creator_id"].to_numpy()[ok]
    return sp.csr_matrix(
        (labels["weight"].to_numpy(np.float32)[ok], (rows[ok], cols[ok])),
        shape=(len(ids), len(catalogue.label_ids)),
        dtype=np.float32,
    )


def _region_matrix(regions: pd.DataFrame, ids: np.ndarray, catalogue: Catalogue) -> sp.csr_matrix:
    rows = np.searchsorted(ids, regions["creator_id"].to_numpy())
    cols = catalogue.region_columns(regions["code"].tolist())
    ok = (cols >= 0) & (rows < len(ids))
    return sp.csr_matrix(
        (regions["share"].to_numpy(np.float32)[ok], (rows[ok], cols[ok])),
        shape=(len(ids), len(catalogue.region_codes)),
        dtype=np.float32,
    )


def _interest_of_labels(catalogue: Catalogue) -> np.ndarray:
    return np.searchsorted(catalogue.interest_ids, catalogue.label_interest_ids)


def _reference_tables(c: pd.DataFrame, labels_csr: sp.csr_matrix) -> dict:
    df = labels_csr.getnnz(axis=0).astype(np.float64)
    n = max(len(c), 1)
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    tables: dict = {
        "idf": idf,
        "log_views": _quantiles(np.log1p(c["median_views_30d"].to_numpy(np.float64))),
        "engagement_rate": _quantiles(c["engagement_rate"].to_numpy(np.float64)),
        "hit_video_share": _quantiles(c["hit_video_share"].to_numpy(np.float64)),
        "completion_rate": _quantiles(c["completion_rate"].to_numpy(np.float64)),
    }
    return tables


def _primary_interest(labels_csr: sp.csr_matrix, catalogue: Catalogue) -> np.ndarray:
    """Per row, the interest holding most of the creator's label weight (lowest column on ties; -1: none)."""
    interests = _interest_matrix(labels_csr, catalogue)
    interests.sum_duplicates()
    counts = np.diff(interests.indptr)
    primary = np.full(interests.shape[0], -1, dtype=np.int64)
    if interests.nnz:
        # Vectorised row-wise argmax: sort entries by (row, -weight, column), take each row's first.
        row = np.repeat(np.arange(interests.shape[0]), counts)
        order = np.lexsort((interests.indices, -interests.data, row))
        has = counts > 0
        primary[has] = interests.indices[order[interests.indptr[:-1][has]]]
    return primary


def _interest_matrix(labels_csr: sp.csr_matrix, catalogue: Catalogue) -> sp.csr_matrix:
    label_interest = _interest_of_labels(catalogue)
    agg = sp.csr_matrix(
        (np.ones(len(label_interest), dtype=np.float32), (np.arange(len(label_interest)), label_interest)),
        shape=(len(label_interest), len(catalogue.interest_ids)),
    )
    return (labels_csr @ agg).tocsr()


def _sparse_views(labels_csr, regions_csr, idf, catalogue) -> dict:
    weighted = labels_csr @ sp.diags(idf)
    label_norm = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel()).astype(np.float32)
    interests = _interest_matrix(weighted.tocsr(), catalogue)
    interest_norm = np.sqrt(np.asarray(interests.multiply(interests).sum(axis=1)).ravel()).astype(np.float32)
    regions_csr = _cap_rows(regions_csr)
    regions_csc = regions_csr.tocsc()
    dense_cols, dense = _dense_regions(regions_csc)
    labels_csc = weighted.tocsc().astype(np.float32)
    labels_csc.sort_indices()
    # The unit-length twin is scaled entry by entry from the same CSC, so the two share one sparsity
    # pattern and the ranker reads both at one posting position (cosine and coverage).
    unit = labels_csc.copy()
    scale = np.divide(1.0, label_norm, out=np.zeros_like(label_norm), where=label_norm > 0)
    unit.data = (labels_csc.data * scale[labels_csc.indices]).astype(np.float32)
    return {
        "labels_csr": labels_csr,
        # The ranker multiplies raw weights by the order's IDF-weighted query, so store IDF once in the matrix.
        "labels_csc": labels_csc,
        "labels_unit_csc": unit,
        "label_norm": label_norm,
        "interests_csc": interests.tocsc().astype(np.float32),
        "interests_unit_csc": _unit_rows(interests, interest_norm).tocsc(),
        "interest_norm": interest_norm,
        "regions_csr": regions_csr,
        "regions_csc": regions_csc,
        "regions_dense": dense,
        "region_dense_cols": dense_cols,
    }


def _unit_rows(matrix, norms: np.ndarray) -> sp.csr_matrix:
    """Rows scaled to length 1 (empty rows stay empty), so a cosine is one dot product."""
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(scale) @ matrix).tocsr().astype(np.float32)


def _cap_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale down rows whose shares add up to more than 1 (validation allows a 1 % tolerance)."""
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    if (totals <= 1).all():
        return matrix
    scale = np.where(totals > 1, 1 / np.maximum(totals, 1e-12), 1.0)
    return (sp.diags(scale) @ matrix).tocsr().astype(np.float32)


DENSE_REGIONS = 16
DENSE_REGION_MIN_SHARE = 0.05


def _dense_regions(regions_csc: sp.csc_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Regions in at least 5 % of audiences are read densely: a contiguous row beats a scatter."""
    n = regions_csc.shape[0]
    counts = np.diff(regions_csc.indptr)
    cols = [
        int(c)
        for c in np.argsort(-counts, kind="stable")[:DENSE_REGIONS]
        if counts[c] >= max(1, DENSE_REGION_MIN_SHARE * n)
    ]
    dense = np.zeros((len(cols), n), dtype=np.float32)
    for i, col in enumerate(cols):
        start, end = regions_csc.indptr[col], regions_csc.indptr[col + 1]
        dense[i, regions_csc.indices[start:end]] = regions_csc.data[start:end]
    return np.array(cols, dtype=np.int64), dense


def _blackouts(blackouts: pd.DataFrame, ids: np.ndarray) -> dict:
    rows = np.searchsorted(ids, blackouts["creator_id"].to_numpy(np.int64))
    ok = rows < len(ids)
    ok[ok] &= ids[rows[ok]] == blackouts["creator_id"].to_numpy(np.int64)[ok]
    return {
        "blackout_rows": rows[ok].astype(np.int64),
        "blackout_start": blackouts["starts_on"].to_numpy(np.int64)[ok],
        "blackout_end": blackouts["ends_on"].to_numpy(np.int64)[ok],
    }


def _derive(
    c: pd.DataFrame, frames: Frames, catalogue: Catalogue, reference: dict, idf, labels_csr=None, primary=None
) -> dict:
    ids = c["id"].to_numpy(np.int64, copy=True)
    n = len(ids)
    idf = reference["idf"] if idf is None else idf

    def col(name, dtype=np.float64):
        # Copies: pandas may hand out read-only views, and patch() writes rows in place.
        if dtype is np.float64:
            return c[name].to_numpy(dtype, na_value=np.nan, copy=True)
        return c[name].to_numpy(dtype, copy=True)

    if labels_csr is None:
        labels_csr = _label_matrix(frames.labels, ids, catalogue)
    regions_csr = _region_matrix(frames.regions, ids, catalogue)
    if primary is None:
        primary = _primary_interest(labels_csr, catalogue)
    views = col("median_views_30d")
    price = np.stack([c[f"price_{f}"].fillna(0).to_numpy(np.int64) for f in FORMATS])

    history = history_view(reference, _track_stats(c, frames.events), col("completion_rate"))
    standing = {
        "median_views": _pct(np.log1p(views), reference["log_views"]),
        **{m: _pct(col(m), reference[m]) for m in ("engagement_rate", "hit_video_share", "completion_rate")},
        "conversion": history["conversion_standing"],
    }
    performance = np.stack([sum(share * standing[m] for m, share in PERFORMANCE_PARTS[goal]) for goal in GOALS]).astype(
        np.float32
    )
    reliability, exploration = history["reliability"], history["exploration"]
    # Value depends on the order's budget (scoring.value_fit): the ranker adds it per order.
    static = np.empty((len(GOALS), n), dtype=np.float32)
    for g, goal in enumerate(GOALS):
        w = WEIGHTS[goal]
        static[g] = w["performance"] * performance[g] + w["reliability"] * reliability
        static[g] += EXPLORATION_WEIGHT * exploration
    own = {
        "log_followers": np.log1p(col("followers")),
        "log_views": np.log1p(views),
        **{m: col(m) for m in ("engagement_rate", "completion_rate", "hit_video_share", "follower_growth_30d")},
    }
    metrics = np.concatenate([metric_rows(own, BASE_METRICS), history["metrics"]])
    parts = {
        "creator_ids": ids,
        "active": col("active", bool),
        "followers": col("followers", np.int64),
        "median_views": np.nan_to_num(views).astype(np.int64),
        "metrics": metrics,
        "age": _cap_columns(np.stack([np.nan_to_num(col(f"age_{b}")) for b in AGE_BUCKETS])),
        "gender": _cap_columns(np.stack([np.nan_to_num(col(f"gender_{g}")) for g in GENDERS])),
        "price": np.ascontiguousarray(price),
        "price_gate": np.where((price > 0) & col("active", bool), price, np.iinfo(np.int64).max),
        "performance": performance,
        "reliability": reliability,
        "exploration": exploration,
        "static": static,
        "primary_interest": primary,
        "label_idf": idf,
        "label_interest": _interest_of_labels(catalogue),
    }
    parts.update(_sparse_views(labels_csr, regions_csr, idf, catalogue))
    parts.update(_blackouts(frames.blackouts, ids))
    return parts


def _cap_columns(shares: np.ndarray) -> np.ndarray:
    """[buckets, N] shares with each creator's total capped at 1 (so a targeted sum never exceeds 1)."""
    totals = shares.sum(axis=0)
    return (shares / np.maximum(totals, 1.0)).astype(np.float32)


def _track_stats(c: pd.DataFrame, events: pd.DataFrame) -> dict[str, np.ndarray]:
    """Sufficient statistics of each creator's track record: their deals plus any imported aggregate."""
    stats = track_record.stats_from_events(events, c["id"].to_numpy(np.int64))
    track_record.add_imported(
        stats,
        fulfilment=c["imported_fulfilment_rate"].to_numpy(np.float64, na_value=np.nan),
        fulfilment_orders=c["imported_fulfilment_orders"].to_numpy(np.float64, na_value=np.nan),
        rating=c["imported_avg_rating"].to_numpy(np.float64, na_value=np.nan),
        rating_count=c["imported_rating_count"].to_numpy(np.float64, na_value=np.nan),
    )
    return stats


def _prior_array(prior: track_record.Prior) -> np.ndarray:
    values = prior.as_dict()
    return np.array([values[k] for k in track_record.DEFAULT_PRIOR], dtype=np.float64)


def track_prior(reference: dict) -> track_record.Prior:
    """The population prior the snapshot's track records were shrunk toward."""
    stored = reference.get("track_prior")
    if stored is None:
        return track_record.Prior.from_dict(track_record.DEFAULT_PRIOR)
    return track_record.Prior.from_dict(dict(zip(track_record.DEFAULT_PRIOR, np.asarray(stored).tolist(), strict=True)))


def history_view(reference: dict, stats: dict[str, np.ndarray], completion, prior=None) -> dict[str, np.ndarray]:
    """Everything the ranker derives from a track record: reliability, the new-creator boost, the
    conversion goal's performance and the history rows of METRIC_NAMES.

    The snapshot calls it with every creator's record as of now; training calls it with the
    records as of each past order's offer date (and the prior fitted before the holdout), so the
    hand score and the re-ranker's features of a past order see only what was known then.
    """
    prior = track_prior(reference) if prior is None else prior
    est = track_record.estimate(stats, prior)
    deals = np.maximum(est.on_time_n, est.ratings)
    exploration = (1 - np.minimum(deals, EXPLORATION_ORDERS) / EXPLORATION_ORDERS).astype(np.float32)
    # The conversion record's standing is its place in the prior: an unknown record sits at 0.5.
    standing = conversion_standing(est.conversion, prior)
    completion = _pct(np.asarray(completion, dtype=np.float64), reference["completion_rate"])
    parts = dict(PERFORMANCE_PARTS["conversion"])
    conversion = parts["completion_rate"] * completion + parts["conversion"] * standing
    record = {
        "on_time": est.on_time,
        "rating": est.rating,
        "views_lift": est.views,
        "acceptance": est.accept,
        "conversion": est.conversion,
        "deals": est.on_time_n,
        "ratings": est.ratings,
        "conversion_deals": est.conv_n,
    }
    metrics = metric_rows(record, HISTORY_METRICS)
    return {
        "reliability": est.reliability,
        "exploration": exploration,
        "conversion_standing": standing,
        "conversion_performance": conversion.astype(np.float32),
        "metrics": metrics,
    }


def conversion_standing(conversion, prior: track_record.Prior) -> np.ndarray:
    """Where a (shrunk) conversion rate stands in the population prior, in [0, 1]."""
    return ndtr((np.asarray(conversion, dtype=np.float64) - prior.conv_mean) / max(prior.conv_sd, 1e-9))


# ------------------------------------------------------------ save / load

_SPARSE = (
    "labels_csr",
    "labels_csc",
    "labels_unit_csc",
    "interests_csc",
    "interests_unit_csc",
    "regions_csr",
    "regions_csc",
)


def save(snap: Snapshot, root: Path) -> Path:
    """Write the snapshot to root/<version>/ atomically (temp dir + rename); returns the directory."""
    target = root / snap.version
    tmp = root / f".{snap.version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    meta = {
        "version": snap.version,
        "built_at": snap.built_at,
        "watermark": snap.watermark,
        "region_codes": snap.catalogue.region_codes,
        "format": FORMAT,
    }
    arrays = {
        "catalogue_label_ids": snap.catalogue.label_ids,
        "catalogue_label_interest_ids": snap.catalogue.label_interest_ids,
        "catalogue_interest_ids": snap.catalogue.interest_ids,
    }
    for f in fields(snap):
        value = getattr(snap, f.name)
        if isinstance(value, np.ndarray):
            arrays[f.name] = value
        elif f.name in _SPARSE:
            sp.save_npz(tmp / f"{f.name}.npz", value, compressed=False)
    for name, array in arrays.items():
        np.save(tmp / f"{name}.npy", array)
    np.savez(tmp / "reference.npz", **_flatten_reference(snap.reference))
    (tmp / "meta.json").write_text(json.dumps(meta))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    (root / "CURRENT").write_text(snap.version)
    return target


def load(root: Path, version: str | None = None) -> Snapshot | None:
    version = version or current_version(root)
    if version is None:
        return None
    path = root / version
    meta = json.loads((path / "meta.json").read_text())
    if meta.get("format") != FORMAT:
        return None
    catalogue = Catalogue(
        label_ids=np.load(path / "catalogue_label_ids.npy"),
        label_interest_ids=np.load(path / "catalogue_label_interest_ids.npy"),
        interest_ids=np.load(path / "catalogue_interest_ids.npy"),
        region_codes=meta["region_codes"],
    )
    values: dict = {}
    for f in fields(Snapshot):
        if f.name in _SPARSE:
            values[f.name] = sp.load_npz(path / f"{f.name}.npz")
        elif f.name != "reference" and (path / f"{f.name}.npy").exists():
            values[f.name] = np.load(path / f"{f.name}.npy")
    with np.load(path / "reference.npz") as stored:
        values["reference"] = _unflatten_reference(stored)
    return Snapshot(
        version=meta["version"], built_at=meta["built_at"], watermark=meta["watermark"], catalogue=catalogue, **values
    )


def _flatten_reference(reference: dict) -> dict[str, np.ndarray]:
    """Reference tables as flat arrays, so no pickling is needed."""
    return dict(reference)


def _unflatten_reference(stored) -> dict:
    return {key: stored[key] for key in stored.files}


def load_reference(root: Path, version: str | None = None) -> tuple[Catalogue, dict, np.ndarray] | None:
    """Only the catalogue, reference tables and IDF of a saved snapshot (small): enough to score
    a few creators exactly as the worker does, without loading every creator."""
    version = version or current_version(root)
    if version is None:
        return None
    path = root / version
    meta = json.loads((path / "meta.json").read_text())
    catalogue = Catalogue(
        label_ids=np.load(path / "catalogue_label_ids.npy"),
        label_interest_ids=np.load(path / "catalogue_label_interest_ids.npy"),
        interest_ids=np.load(path / "catalogue_interest_ids.npy"),
        region_codes=meta["region_codes"],
    )
    with np.load(path / "reference.npz") as stored:
        reference = _unflatten_reference(stored)
    return catalogue, reference, np.load(path / "label_idf.npy")


def build_rows(frames: Frames, catalogue: Catalogue, reference: dict, idf: np.ndarray) -> Snapshot:
    """A snapshot of just these creators, scored against a full snapshot's reference tables."""
    c = frames.creators.sort_values("id").reset_index(drop=True)
    parts = _derive(c, frames, catalogue, reference, idf=idf)
    return Snapshot(
        version="rows", built_at=time.time(), watermark="", catalogue=catalogue, reference=reference, **parts
    )


def current_version(root: Path) -> str | None:
    marker = root / "CURRENT"
    if not marker.exists():
        return None
    version = marker.read_text().strip()
    meta = root / version / "meta.json"
    # A snapshot saved in another layout (an older release) is not current: the worker rebuilds it.
    return version if meta.exists() and json.loads(meta.read_text()).get("format") == FORMAT else None


def prune(root: Path, keep: int = 2) -> None:
    """Delete all but the newest ``keep`` snapshot directories."""
    current = current_version(root)
    dirs = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for path in dirs[:-keep]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)


def date_ordinal(d: date) -> int:
    return d.toordinal()
