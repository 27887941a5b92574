"""The ranking as the worker runs it: one fused numba pass per block (matching.kernels), fed by
rank_plan, the one place that builds the kernels' named inputs; it gives exactly rank_reference's result
(tests/matching/test_kernels.py). numba is imported on first use, so only processes that rank load it.
"""

from __future__ import annotations

import numpy as np

from matching.scoring.components import (
    _cover_multipliers,
    _query_vectors,
    audience_fit_rows,
    near_multiplier,
    static_components,
)
from matching.scoring.query import (
    AGE_BUCKETS,
    COMPONENTS,
    FORMATS,
    GENDERS,
    GOALS,
    INTEREST_BACKOFF,
    NEAR_CREDIT,
    WEIGHTS,
    OrderQuery,
    Ranking,
    max_price,
    per_money,
)
from matching.scoring.reference import _POOL, _blocks, _row_exclusions

_INT64 = np.iinfo(np.int64)


def rank(snap, query: OrderQuery, k: int = 200, *, lo: int = 0, hi: int | None = None, threads: int = 2) -> Ranking:
    """Rank rows [lo, hi) of the snapshot for one order; return the top ``k`` with components.

    One fused pass per block (matching.kernels.rank_block, which releases the GIL, so the blocks run
    in parallel on the pool) gives each block's top-k candidates and eligible count; the result is
    identical to rank_reference, the plain NumPy path (tests/matching/test_kernels.py holds them equal).
    """
    kernels = _kernels()
    hi = snap.n if hi is None else hi
    k = max(int(k), 0)
    plan = rank_plan(snap, query)
    blocks = _blocks(lo, hi, threads)
    if len(blocks) == 1:
        parts = [kernels.rank_block(*blocks[0], k, plan)]
    else:
        parts = list(_POOL.map(lambda b: kernels.rank_block(*b, k, plan), blocks))
    rows = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    best = np.lexsort((snap.creator_ids[rows], -scores))[:k]
    top = rows[best]
    components = static_components(snap, query, top)
    components["content"] = kernels.content_rows(top, plan.content)
    components["audience"] = audience_fit_rows(snap, query, top)
    return Ranking(
        rows=top,
        scores=scores[best],
        components={c: components[c] for c in COMPONENTS},
        eligible_count=sum(int(p[2]) for p in parts),
        considered=hi - lo,
    )


def rank_plan(snap, query: OrderQuery):
    """The kernels' inputs for one order (a kernels.RankPlan, its content part a kernels.ContentPlan):
    score_block's inputs as flat arrays and float32 scalars, each field set by name."""
    kernels = _kernels()
    g, f = GOALS.index(query.goal), FORMATS.index(query.format)
    w = WEIGHTS[query.goal]
    dims = bool(query.ages) + bool(query.genders) + bool(query.regions)
    cap = max_price(query) if query.max_price is None else min(max_price(query), query.max_price)
    dense = snap.region_dense_index
    sparse = np.array([int(c) for c in query.regions if int(c) not in dense], dtype=np.int64)
    indptr = snap.regions_csc.indptr
    return kernels.RankPlan(
        gate=np.ascontiguousarray(snap.price_gate[f]),
        cap=_clamp(cap),
        static=np.ascontiguousarray(snap.static[g]),
        per_money=per_money(query),
        w_value=np.float32(w["value"]),
        no_audience=not dims,
        half_audience=np.float32(w["audience"] * 0.5),
        w_audience=np.float32(w["audience"] / dims) if dims else np.float32(0),
        age=snap.age,
        age_idx=np.array([AGE_BUCKETS.index(a) for a in query.ages], dtype=np.int64),
        gender=snap.gender,
        gender_idx=np.array([GENDERS.index(x) for x in query.genders], dtype=np.int64),
        has_regions=bool(query.regions),
        dense=snap.regions_dense,
        dense_idx=np.array([dense[int(c)] for c in query.regions if int(c) in dense], dtype=np.int64),
        reg_indices=snap.regions_csc.indices,
        reg_data=snap.regions_csc.data,
        reg_start=indptr[sparse].astype(np.int64),
        reg_end=indptr[sparse + 1].astype(np.int64),
        check_share=bool(query.regions) and bool(query.min_region_share > 0),
        min_share=np.float32(query.min_region_share) - np.float32(1e-6),
        followers=snap.followers,
        min_followers=_clamp(_INT64.min if query.min_followers is None else query.min_followers),
        max_followers=_clamp(_INT64.max if query.max_followers is None else query.max_followers),
        content=_content_plan(snap, query),
        w_content=np.float32(w["content"]),
        excluded=_excluded(snap, query),
    )


def _content_plan(snap, query: OrderQuery):
    """content_fit's postings and multipliers: label columns (summed in float64), interest columns, then
    the columns of labels next to the order's (read from the label postings: the IDF-weighted entries)."""
    labels, interests = snap.labels_unit_csc, snap.interests_unit_csc
    near = np.array([c for c, _, _ in query.near], dtype=np.int64) if query.labels else np.empty(0, dtype=np.int64)
    near_mult = np.array([near_multiplier(snap, c) for c in near], dtype=np.float32)
    near_floor = np.array([NEAR_CREDIT[d][0] for _, d, _ in query.near][: len(near)], dtype=np.float32)
    near_span = np.array([NEAR_CREDIT[d][1] for _, d, _ in query.near][: len(near)], dtype=np.float32)
    if not query.labels:
        cols = icols = np.empty(0, dtype=np.int64)
        mult = imult = cover_mult = np.empty(0, dtype=np.float32)
    else:
        cols, q, qi = _query_vectors(snap, query)
        scale = np.float32(INTEREST_BACKOFF / float(np.linalg.norm(qi)))
        icols = np.flatnonzero(qi)
        imult = np.array([qi[c] * scale for c in icols], dtype=np.float32)
        label_scale = 1.0 / float(np.linalg.norm(q))
        mult = np.array([np.float32(x * label_scale) for x in q], dtype=np.float32)
        cover_mult = _cover_multipliers(snap, cols, q)
    # The IDF-weighted matrix and its unit-length twin share one sparsity pattern (snapshot.derive._sparse_views),
    # so one posting position reads both.
    return _kernels().ContentPlan(
        lab_indices=labels.indices,
        lab_data=labels.data,
        lab_start=labels.indptr[cols].astype(np.int64),
        lab_end=labels.indptr[cols + 1].astype(np.int64),
        lab_mult=mult,
        lab_cover=snap.labels_csc.data,
        lab_cover_mult=cover_mult,
        int_indices=interests.indices,
        int_data=interests.data,
        int_start=interests.indptr[icols].astype(np.int64),
        int_end=interests.indptr[icols + 1].astype(np.int64),
        int_mult=imult,
        near_start=labels.indptr[near].astype(np.int64),
        near_end=labels.indptr[near + 1].astype(np.int64),
        near_mult=near_mult,
        near_floor=near_floor,
        near_span=near_span,
    )


def _excluded(snap, query: OrderQuery) -> np.ndarray:
    """Sorted rows excluded by blackouts in the order's window or by the caller's row list."""
    parts = [rows.astype(np.int64, copy=False) for rows in _row_exclusions(snap, query, 0, snap.n)]
    # Sorted, not unique (np.unique costs 10× more here): the kernel excludes a repeated row once.
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def _clamp(value: int) -> int:
    return min(max(int(value), _INT64.min), _INT64.max)


def _kernels():
    """matching.kernels, imported on first use: numba loads only in processes that rank."""
    from matching import kernels

    return kernels


def warm(snap) -> None:
    """Load (or compile, then cache) the fused kernels for this snapshot's array types, on a few rows,
    so a worker's first ranked order does not pay for it."""
    if snap.n == 0:
        return
    labels = snap.labels_unit_csc
    col = int(np.argmax(np.diff(labels.indptr))) if labels.shape[1] else None
    query = OrderQuery(
        goal=GOALS[0],
        format=FORMATS[0],
        budget=1,
        labels=((col, 1.0),) if col is not None else (),
        ages=AGE_BUCKETS[:1],
        regions=tuple(int(c) for c in snap.region_dense_cols[:1]),
        window=(0, 0),
    )
    rank(snap, query, 1, hi=min(snap.n, 1000), threads=1)
