"""Every array of a snapshot derived from the raw frames: percentiles against the build's quantile
tables, the label, interest and region matrices (sparse, IDF-weighted, unit-length twins, dense
regions), blackouts, the static part of the score per goal, the metric rows, and everything derived
from a track record (history_view), which training also calls as of past dates.

Percentiles use quantile tables (QUANTILES points) computed at build time, so a row patched
incrementally is scored against the same reference as at the full rebuild.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from creators import track_record
from matching.scoring import AGE_BUCKETS, EXPLORATION_WEIGHT, FORMATS, GENDERS, GOALS, WEIGHTS
from matching.snapshot.layout import (
    BASE_METRICS,
    HISTORY_METRICS,
    PERFORMANCE_PARTS,
    QUANTILES,
    Catalogue,
    Frames,
    exploration_boost,
    metric_rows,
    orders_on_record,
)

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: a process that loads a saved snapshot skips it

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
    exploration = exploration_boost(orders_on_record(est.on_time_n, est.ratings))
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
    from scipy.special import ndtr  # here, not at import (creators.track_record.estimate says why)

    return ndtr((np.asarray(conversion, dtype=np.float64) - prior.conv_mean) / max(prior.conv_sd, 1e-9))


# ------------------------------------------------------------ save / load
