"""Ranking shards: which shard is a creator's home (the one rule, ``shard_of``), and the part of a
snapshot that holds one shard's creators (``take`` / ``shard``), with every array a creator's score
reads sliced to those creators and every table shared by all creators (IDF, quantiles, the catalogue,
which regions are dense) kept whole. A creator scores the same in its shard as in the whole snapshot,
so the merge of the shards' top lists is the unsharded ranking (docs/scaling.md).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np

from matching.snapshot.layout import Frames, Snapshot

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: a process that loads a saved snapshot skips it

# Per-creator arrays: the creators are their last axis.
ROW_ARRAYS = (
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
    "label_norm",
    "interest_norm",
    "regions_dense",
)
# Sparse matrices with one row per creator.
ROW_MATRICES = (
    "labels_csr",
    "labels_csc",
    "labels_unit_csc",
    "interests_csc",
    "interests_unit_csc",
    "regions_csr",
    "regions_csc",
)
# Blackout periods: rows into the snapshot, with their dates.
BLACKOUTS = ("blackout_rows", "blackout_start", "blackout_end")
# What every creator's score is measured against: the same in every shard.
SHARED = (
    "version",
    "built_at",
    "watermark",
    "catalogue",
    "label_idf",
    "label_interest",
    "region_dense_cols",
    "reference",
)


def shard_of(creator_ids, shards: int) -> np.ndarray:
    """The shard each creator lives in, 0 ≤ shard < ``shards``: its id modulo the shard count. Stable for
    the creator's lifetime (ids never change) and even over consecutive ids (new creators spread over
    every shard). The only place this rule is written."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    return np.asarray(creator_ids, dtype=np.int64) % shards


def shard_rows(snap: Snapshot, shard: int, shards: int) -> np.ndarray:
    """The snapshot rows (sorted) of the creators whose home is ``shard``."""
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} is not one of 0..{shards - 1}")
    return np.flatnonzero(shard_of(snap.creator_ids, shards) == shard)


def shard(snap: Snapshot, shard: int, shards: int) -> Snapshot:
    """The snapshot of shard ``shard`` of ``shards`` (the snapshot itself when there is one shard)."""
    if shards == 1 and shard == 0:
        return snap
    return take(snap, shard_rows(snap, shard, shards))


def take(snap: Snapshot, rows) -> Snapshot:
    """A snapshot of the creators at ``rows`` (sorted, unique) only, every shared table kept whole."""
    unknown = unclassified()
    if unknown:
        raise TypeError(f"snapshot fields {sorted(unknown)} are in no list of matching.snapshot.shards")
    rows = np.asarray(rows, dtype=np.int64)
    values: dict = {name: getattr(snap, name) for name in SHARED}
    for name in ROW_ARRAYS:
        values[name] = np.ascontiguousarray(getattr(snap, name)[..., rows])
    for name in ROW_MATRICES:
        values[name] = _take_rows(getattr(snap, name), rows)
    new_row = np.full(snap.n, -1, dtype=np.int64)
    new_row[rows] = np.arange(len(rows), dtype=np.int64)
    moved = new_row[snap.blackout_rows]
    kept = moved >= 0
    values["blackout_rows"] = moved[kept]
    values["blackout_start"] = snap.blackout_start[kept]
    values["blackout_end"] = snap.blackout_end[kept]
    return Snapshot(**values)


def _take_rows(matrix, rows: np.ndarray):
    """Rows of a CSR or CSC matrix, in its own format and index dtype, indices sorted (the kernels read
    each column's postings in row order)."""
    part = matrix[rows].asformat(matrix.format)
    part.sort_indices()
    part.indices = part.indices.astype(matrix.indices.dtype, copy=False)
    part.indptr = part.indptr.astype(matrix.indptr.dtype, copy=False)
    part.data = part.data.astype(matrix.data.dtype, copy=False)
    return part


def shard_frames(frames: Frames, shard: int, shards: int) -> Frames:
    """Only the rows of ``frames`` (a patch's changed creators) whose creator lives in ``shard``."""

    def mine(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        if frame.empty:
            return frame
        return frame[shard_of(frame[column].to_numpy(np.int64), shards) == shard].reset_index(drop=True)

    return Frames(
        creators=mine(frames.creators, "id"),
        labels=mine(frames.labels, "creator_id"),
        regions=mine(frames.regions, "creator_id"),
        blackouts=mine(frames.blackouts, "creator_id"),
        events=mine(frames.events, "creator_id"),
    )


def classified() -> set[str]:
    """Every Snapshot field the shard split knows (a new field must be named in one of the lists above)."""
    return {*ROW_ARRAYS, *ROW_MATRICES, *BLACKOUTS, *SHARED}


def unclassified() -> set[str]:
    return {f.name for f in fields(Snapshot)} - classified()
