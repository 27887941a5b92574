"""Build a snapshot from raw frames, patch the rows of changed creators into one, or score just a few
creators against a full snapshot's reference tables (build_rows)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from creators import track_record
from matching.snapshot.derive import (
    _blackouts,
    _derive,
    _label_matrix,
    _primary_interest,
    _prior_array,
    _reference_tables,
    _sparse_views,
    _track_stats,
)
from matching.snapshot.layout import Catalogue, Frames, Snapshot

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: a process that loads a saved snapshot skips it


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
    import pandas as pd

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


def build_rows(frames: Frames, catalogue: Catalogue, reference: dict, idf: np.ndarray) -> Snapshot:
    """A snapshot of just these creators, scored against a full snapshot's reference tables."""
    c = frames.creators.sort_values("id").reset_index(drop=True)
    parts = _derive(c, frames, catalogue, reference, idf=idf)
    return Snapshot(
        version="rows", built_at=time.time(), watermark="", catalogue=catalogue, reference=reference, **parts
    )
