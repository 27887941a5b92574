"""Eligibility and the plain NumPy ranking: score_block / top_k / rank_reference, the reference the
fused kernel (matching.scoring.fused) must equal bit for bit, plus the explanation of eligibility
(why_not) and the merge of sharded rankings.

Every step is a vector operation over a column (features are stored column-major, one contiguous
array per feature); the label and region matrices are read through their inverted index (CSC columns
of the order's targets only). No Python loop over creators.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from matching.scoring.components import (
    _postings,
    audience_fit_rows,
    content_fit,
    region_share,
    static_components,
    value_fit,
)
from matching.scoring.query import (
    AGE_BUCKETS,
    COMPONENTS,
    FORMATS,
    GENDERS,
    GOALS,
    WEIGHTS,
    OrderQuery,
    Ranking,
    max_price,
)

# ------------------------------------------------------------ eligibility


def eligible_mask(snap, query: OrderQuery, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Boolean mask over rows [lo, hi): passes every hard filter the snapshot can decide.

    Row-specific exclusions (capacity, brand blocks, already on the order) arrive precomputed
    in ``query.excluded_rows``; blackouts are a short interval list checked vectorised.
    """
    hi = snap.n if hi is None else hi
    return score_block(snap, query, lo, hi).mask


def why_not(snap, query: OrderQuery, row: int, *, extra_reasons: tuple[str, ...] = ()) -> list[str]:
    """Every eligibility reason code that excludes snapshot row ``row`` (empty: eligible)."""
    reasons: list[str] = []
    if not snap.active[row]:
        reasons.append("inactive")
    reasons.extend(r for r in extra_reasons if r == "no_capacity")
    if query.window is not None:
        first, last = query.window
        hit = (snap.blackout_rows == row) & (snap.blackout_start <= last) & (snap.blackout_end >= first)
        if hit.any():
            reasons.append("blackout")
    price = int(snap.price[FORMATS.index(query.format), row])
    if price <= 0:
        reasons.append("no_price")
    elif price > max_price(query):
        reasons.append("over_budget")
    if query.regions and query.min_region_share > 0:
        share = float(region_share(snap, query, row, row + 1)[0])
        if share < query.min_region_share - 1e-6:
            reasons.append("region")
    reasons.extend(r for r in extra_reasons if r in ("blocked", "on_order"))
    return reasons


# ----------------------------------------------------------------- ranking


@dataclass
class Block:
    """Rows [lo, hi) ranked for one order: the eligible rows (sorted) with their scores, and the
    content fit of every row (for gathering components of any row)."""

    snap: object
    query: OrderQuery
    lo: int
    hi: int
    rows: np.ndarray
    scores: np.ndarray
    content: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        mask = np.zeros(self.hi - self.lo, dtype=bool)
        mask[self.rows - self.lo] = True
        return mask

    @property
    def score(self) -> np.ndarray:
        """Scores of every row in [lo, hi), ineligible rows at -inf."""
        full = np.full(self.hi - self.lo, -np.inf, dtype=np.float32)
        full[self.rows - self.lo] = self.scores
        return full

    def audience_for(self, rows: np.ndarray) -> np.ndarray:
        return audience_fit_rows(self.snap, self.query, rows)


CHUNK = 131_072  # rows per step: the slices of one step stay in the CPU's cache


def score_block(snap, query: OrderQuery, lo: int, hi: int) -> Block:
    """Eligibility and score of rows [lo, hi), chunk by chunk, in as few array operations as possible.

    The order's price row carries the largest int64 for inactive, unverified and unpriced
    creators, so one comparison checks all three. Each chunk reads the price, the precomputed
    weighted static part, the targeted audience rows and the content fit once; no full-length
    temporaries are made. The eligible rows and their scores come out sorted by row.
    """
    g, f = GOALS.index(query.goal), FORMATS.index(query.format)
    w = WEIGHTS[query.goal]
    content = content_fit(snap, query, lo, hi)
    sparse_regions = _sparse_region_share(snap, query, lo, hi)
    dense_regions = [
        snap.regions_dense[snap.region_dense_index[int(c)]] for c in query.regions if int(c) in snap.region_dense_index
    ]
    audience_rows = [snap.age[AGE_BUCKETS.index(a)] for a in query.ages]
    audience_rows += [snap.gender[GENDERS.index(x)] for x in query.genders]
    dims = bool(query.ages) + bool(query.genders) + bool(query.regions)
    w_audience = np.float32(w["audience"] / dims) if dims else np.float32(0)
    w_content = np.float32(w["content"])
    base = snap.static[g]
    if not dims:  # no audience target: a neutral fit of 0.5 for everyone
        base = base + np.float32(w["audience"] * 0.5)
    w_value = np.float32(w["value"])
    price = snap.price_gate[f]
    cap = max_price(query) if query.max_price is None else min(max_price(query), query.max_price)
    min_share = np.float32(query.min_region_share) - np.float32(1e-6)
    score = np.empty(hi - lo, dtype=np.float32)
    mask = np.empty(hi - lo, dtype=bool)
    size = min(CHUNK, hi - lo)
    audience, region, test = np.empty(size, np.float32), np.empty(size, np.float32), np.empty(size, bool)
    for a in range(lo, hi, CHUNK):
        b = min(a + CHUNK, hi)
        i, j, n = a - lo, b - lo, b - a
        m, sc, t, r, ok = mask[i:j], score[i:j], audience[:n], region[:n], test[:n]
        np.less_equal(price[a:b], cap, out=m)
        if query.regions:
            _sum_into(r, dense_regions, a, b, start=None if sparse_regions is None else sparse_regions[i:j])
            if query.min_region_share > 0:
                np.greater_equal(r, min_share, out=ok)
                m &= ok
        if dims:
            _sum_into(t, audience_rows, a, b, start=r if query.regions else None)
            np.multiply(t, w_audience, out=sc)
            sc += base[a:b]
        else:
            np.copyto(sc, base[a:b])
        value_fit(price[a:b], query, out=t)
        t *= w_value
        sc += t
        np.multiply(content[i:j], w_content, out=t)
        sc += t
    if query.min_followers is not None:
        mask &= snap.followers[lo:hi] >= query.min_followers
    if query.max_followers is not None:
        mask &= snap.followers[lo:hi] <= query.max_followers
    for excluded in _row_exclusions(snap, query, lo, hi):
        mask[excluded - lo] = False
    rows = np.flatnonzero(mask)
    scores = score.take(rows)
    rows += lo
    return Block(snap, query, lo, hi, rows, scores, content)


def _sum_into(out: np.ndarray, arrays: list[np.ndarray], a: int, b: int, start=None) -> None:
    """out = start + Σ arrays[a:b] (zero when both are empty), without temporaries."""
    if start is not None:
        np.copyto(out, start)
    elif arrays:
        np.copyto(out, arrays[0][a:b])
        arrays = arrays[1:]
    else:
        out.fill(0)
    for array in arrays:
        out += array[a:b]


def _sparse_region_share(snap, query: OrderQuery, lo: int, hi: int) -> np.ndarray | None:
    """Shares in the targeted regions that are not stored densely, for rows [lo, hi) (None: none)."""
    sparse = [int(c) for c in query.regions if int(c) not in snap.region_dense_index]
    if not sparse:
        return None
    out = np.zeros(hi - lo, dtype=np.float32)
    for col in sparse:
        rows, vals = _postings(snap.regions_csc, col, lo, hi)
        out[rows - lo] += vals
    return out


def eligible_rows(snap, query: OrderQuery, lo: int, hi: int) -> np.ndarray:
    """Sorted rows in [lo, hi) that pass every hard filter."""
    return score_block(snap, query, lo, hi).rows


def _row_exclusions(snap, query: OrderQuery, lo: int, hi: int):
    """Rows excluded by blackout dates in the order's window, and by the caller's row list."""
    if query.window is not None and len(snap.blackout_rows):
        first, last = query.window
        rows = snap.blackout_rows[(snap.blackout_start <= last) & (snap.blackout_end >= first)]
        yield rows[(rows >= lo) & (rows < hi)]
    if query.excluded_rows is not None and len(query.excluded_rows):
        rows = query.excluded_rows
        yield rows[(rows >= lo) & (rows < hi)]


def top_k(score: np.ndarray, k: int, ids: np.ndarray) -> np.ndarray:
    """Exact top-k rows of ``score`` (finite only), ties broken by ascending creator id.

    Picks a threshold from a sample so that one comparison pass leaves a few times k
    candidates, then sorts only those; falls back to a full partition when the sample misleads.
    """
    n = len(score)
    if n == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    candidates = None
    if n > 50 * k:
        step = max(1, n // 20_000)
        sample = score[::step]
        sample = sample[np.isfinite(sample)]
        want = min(len(sample), max(1, int(np.ceil(4 * k * len(sample) / n)) + 8))
        if len(sample) >= want > 0:
            threshold = np.partition(sample, len(sample) - want)[len(sample) - want]
            cand = np.flatnonzero(score >= threshold)
            if len(cand) >= k:
                candidates = cand
    if candidates is None:
        finite = np.flatnonzero(np.isfinite(score))
        if len(finite) > k:
            part = np.argpartition(-score[finite], k - 1)[:k]
            kth = score[finite[part]].min()
            candidates = finite[score[finite] >= kth]
        else:
            candidates = finite
    # Sort by score desc, then creator id asc: deterministic across shards.
    order = np.lexsort((ids[candidates], -score[candidates]))
    return candidates[order[:k]]


_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ranker")


def rank_reference(
    snap, query: OrderQuery, k: int = 200, *, lo: int = 0, hi: int | None = None, threads: int = 2
) -> Ranking:
    """rank through score_block and top_k, plain NumPy: the reference the fused kernel must equal."""
    hi = snap.n if hi is None else hi
    blocks = _blocks(lo, hi, threads)
    if len(blocks) == 1:
        parts = [score_block(snap, query, *blocks[0])]
    else:
        parts = list(_POOL.map(lambda b: score_block(snap, query, *b), blocks))
    rows = np.concatenate([p.rows for p in parts]) if len(parts) > 1 else parts[0].rows
    scores = np.concatenate([p.scores for p in parts]) if len(parts) > 1 else parts[0].scores
    best = top_k(scores, k, snap.creator_ids[rows])
    top = rows[best]
    components = static_components(snap, query, top)
    components["content"] = _content_of(parts, top)
    components["audience"] = audience_fit_rows(snap, query, top)
    return Ranking(
        rows=top,
        scores=scores[best],
        components={c: components[c] for c in COMPONENTS},
        eligible_count=len(rows),
        considered=hi - lo,
    )


def _content_of(parts: list[Block], rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.float32)
    for part in parts:
        inside = (rows >= part.lo) & (rows < part.hi)
        out[inside] = part.content[rows[inside] - part.lo]
    return out


def _blocks(lo: int, hi: int, threads: int) -> list[tuple[int, int]]:
    if threads <= 1 or hi - lo < 200_000:
        return [(lo, hi)]
    edges = np.linspace(lo, hi, threads + 1).astype(np.int64)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def merge(rankings: list[Ranking], k: int, ids_of) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Merge per-shard top-k lists into the global top-k (same order as one unsharded run)."""
    rows = np.concatenate([r.rows for r in rankings])
    scores = np.concatenate([r.scores for r in rankings])
    comps = {c: np.concatenate([r.components[c] for r in rankings]) for c in COMPONENTS}
    order = np.lexsort((ids_of(rows), -scores))[:k]
    return rows[order], scores[order], {c: v[order] for c, v in comps.items()}
