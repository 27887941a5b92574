"""Rank creators for one order: eligibility, explainable components and an exact top-k.

Pure numpy / scipy: takes a feature snapshot (matching.snapshot.Snapshot) and an OrderQuery and
returns plain data. No Python loop over creators — every step is a vector operation over a
column (features are stored column-major, one contiguous array per feature), and the label and
region matrices are read through their inverted index (CSC columns of the order's targets only).

Score = Σ weight[goal][component] × component + EXPLORATION_WEIGHT × exploration, each component
in [0, 1]; the weights are documented in docs/matching.md.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

COMPONENTS = ("content", "audience", "performance", "value", "reliability", "exploration")
GOALS = ("awareness", "seeding", "conversion")
FORMATS = ("short_1_20", "short_21_60", "video_60_plus", "image_post", "live_session")
AGE_BUCKETS = ("18-23", "24-30", "31-40", "41-50", "50+")
GENDERS = ("female", "male", "other")

# Per goal: what the brand pays for decides what counts most. Rows sum to 1.
WEIGHTS: dict[str, dict[str, float]] = {
    "awareness": {"content": 0.30, "audience": 0.20, "performance": 0.25, "value": 0.15, "reliability": 0.10},
    "seeding": {"content": 0.30, "audience": 0.20, "performance": 0.20, "value": 0.15, "reliability": 0.15},
    "conversion": {"content": 0.25, "audience": 0.20, "performance": 0.25, "value": 0.15, "reliability": 0.15},
}
EXPLORATION_WEIGHT = 0.05
# A creator with no exact target label but the right interest keeps this share of the interest similarity.
INTEREST_BACKOFF = 0.5

# Eligibility reason codes, in the order they are checked.
REASONS = {
    "inactive": "not active or not verified",
    "no_capacity": "no free capacity (ongoing collaborations at the creator's maximum)",
    "blackout": "unavailable (blackout dates) during the order's window",
    "no_price": "no rate-card price for the order's format",
    "over_budget": "rate-card price above the per-creator budget plus tolerance",
    "region": "too little audience in the order's target regions",
    "blocked": "blocked by the brand",
    "on_order": "already on this order",
}


@dataclass(frozen=True)
class OrderQuery:
    """What the ranker needs from an order, as plain values."""

    goal: str
    format: str
    budget: int  # per-creator budget, minor units
    tolerance_bps: int = 0
    labels: tuple[tuple[int, float], ...] = ()  # (label column, weight)
    ages: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    regions: tuple[int, ...] = ()  # region columns
    min_region_share: float = 0.0
    window: tuple[int, int] | None = None  # (first day, last day) as date ordinals
    excluded_rows: np.ndarray | None = None  # rows not eligible for row-specific reasons
    # Optional brand-side filters ("re-rank instantly"); applied as eligibility, not as reasons.
    min_followers: int | None = None
    max_followers: int | None = None
    max_price: int | None = None


@dataclass
class Ranking:
    rows: np.ndarray  # snapshot row indices, best first
    scores: np.ndarray
    components: dict[str, np.ndarray]  # component → values for ``rows``
    eligible_count: int = 0
    considered: int = 0
    meta: dict = field(default_factory=dict)


def max_price(query: OrderQuery) -> int:
    """The highest rate-card price still within budget: budget × (1 + tolerance)."""
    return query.budget + query.budget * query.tolerance_bps // 10_000


# ------------------------------------------------------------ components


def content_fit(snap, query: OrderQuery, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Cosine of IDF-weighted label vectors, backed off to the interest level, for rows [lo, hi).

    Work is proportional to the postings of the order's labels and interests (the inverted
    index), never to the number of rows: each posting is normalised as it is added.
    """
    hi = snap.n if hi is None else hi
    out = np.zeros(hi - lo, dtype=np.float32)
    if not query.labels:
        return out
    cols = np.fromiter((c for c, _ in query.labels), dtype=np.int64)
    weights = np.fromiter((w for _, w in query.labels), dtype=np.float32)
    q = weights * snap.label_idf[cols]
    interests = snap.label_interest[cols]
    qi = np.bincount(interests, weights=q, minlength=snap.interests_csc.shape[1]).astype(np.float32)
    icols = np.flatnonzero(qi)
    # Interest back-off first (each interest column's rows are unique, so += is exact) ...
    scale = INTEREST_BACKOFF / float(np.linalg.norm(qi))
    for col in icols:
        rows, vals = _postings(snap.interests_csc, col, lo, hi)
        out[rows - lo] += vals * (qi[col] * scale) / snap.interest_norm[rows]
    # ... then the exact-label similarity wherever it is higher.
    parts = [_postings(snap.labels_csc, col, lo, hi) for col in cols]
    rows = np.concatenate([r for r, _ in parts])
    if len(rows):
        scale = 1.0 / float(np.linalg.norm(q))
        vals = np.concatenate([v * (w * scale) for (_, v), w in zip(parts, q, strict=True)])
        vals /= snap.label_norm[rows]
        unique, inverse = np.unique(rows, return_inverse=True)
        sims = np.bincount(inverse, weights=vals).astype(np.float32)
        np.maximum(out[unique - lo], sims, out=sims)
        out[unique - lo] = np.minimum(sims, 1.0)
    return out


def _postings(csc, col: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows in [lo, hi) of one CSC column, and their values."""
    start, end = csc.indptr[col], csc.indptr[col + 1]
    rows, vals = csc.indices[start:end], csc.data[start:end]
    if lo or hi < csc.shape[0]:
        a, b = np.searchsorted(rows, (lo, hi))
        rows, vals = rows[a:b], vals[a:b]
    return rows, vals


def _sparse_region_share(snap, query: OrderQuery, lo: int, hi: int) -> np.ndarray | None:
    """Shares in the targeted regions that are not stored densely (None when all are dense)."""
    sparse = [c for c in query.regions if c not in snap.region_dense_index]
    if not sparse:
        return None
    out = np.zeros(hi - lo, dtype=np.float32)
    for col in sparse:
        rows, vals = _postings(snap.regions_csc, col, lo, hi)
        out[rows - lo] += vals
    return out


def region_share(snap, query: OrderQuery, lo: int = 0, hi: int | None = None, sparse=None) -> np.ndarray:
    """Share of each creator's audience in the order's target regions, rows [lo, hi)."""
    hi = snap.n if hi is None else hi
    out = np.zeros(hi - lo, dtype=np.float32) if sparse is None else sparse.astype(np.float32, copy=True)
    for col in query.regions:
        if col in snap.region_dense_index:
            out += snap.regions_dense[snap.region_dense_index[col], lo:hi]
    if sparse is None:
        extra = _sparse_region_share(snap, query, lo, hi)
        if extra is not None:
            out += extra
    return np.minimum(out, 1.0, out=out)


def audience_fit(snap, query: OrderQuery, lo: int = 0, hi: int | None = None, regions=None) -> np.ndarray:
    """Mean share of the creator's audience inside each targeted dimension (age, gender, region).

    A dimension the brand does not target is left out; with no target at all the fit is 0.5
    (neutral), so untargeted orders neither reward nor punish any audience.
    """
    hi = snap.n if hi is None else hi
    parts = []
    if query.ages:
        parts.append(_sum_rows(snap.age, [AGE_BUCKETS.index(a) for a in query.ages], lo, hi))
    if query.genders:
        parts.append(_sum_rows(snap.gender, [GENDERS.index(g) for g in query.genders], lo, hi))
    if query.regions:
        parts.append(region_share(snap, query, lo, hi) if regions is None else regions)
    if not parts:
        return np.full(hi - lo, 0.5, dtype=np.float32)
    total = parts[0]
    for part in parts[1:]:
        total += part
    total *= np.float32(1.0 / len(parts))
    return total


def audience_fit_rows(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    """audience_fit for scattered rows, by gathering (for explanations and training)."""
    rows = np.asarray(rows, dtype=np.int64)
    parts = []
    if query.ages:
        parts.append(snap.age[[AGE_BUCKETS.index(a) for a in query.ages]][:, rows].sum(axis=0))
    if query.genders:
        parts.append(snap.gender[[GENDERS.index(g) for g in query.genders]][:, rows].sum(axis=0))
    if query.regions:
        parts.append(region_share_rows(snap, query, rows))
    if not parts:
        return np.full(len(rows), 0.5, dtype=np.float32)
    return (np.sum(parts, axis=0) / len(parts)).astype(np.float32)


def region_share_rows(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    """region_share for scattered rows (CSR row slices: work ∝ rows asked for)."""
    shares = snap.regions_csr[np.asarray(rows, dtype=np.int64)][:, list(query.regions)]
    return np.minimum(np.asarray(shares.sum(axis=1)).ravel(), 1.0).astype(np.float32)


def _sum_rows(matrix: np.ndarray, idx: list[int], lo: int, hi: int) -> np.ndarray:
    out = matrix[idx[0], lo:hi].astype(np.float32, copy=True)
    for i in idx[1:]:
        out += matrix[i, lo:hi]
    return out


# ------------------------------------------------------------ eligibility


def eligible_mask(snap, query: OrderQuery, lo: int = 0, hi: int | None = None, regions=None) -> np.ndarray:
    """Boolean mask over rows [lo, hi): passes every hard filter the snapshot can decide.

    Row-specific exclusions (capacity, brand blocks, already on the order) arrive precomputed
    in ``query.excluded_rows``; blackouts are a short interval list checked vectorised.
    """
    hi = snap.n if hi is None else hi
    f = FORMATS.index(query.format)
    price = snap.price[f, lo:hi]
    cap = max_price(query) if query.max_price is None else min(max_price(query), query.max_price)
    mask = snap.active[lo:hi] & (price > 0) & (price <= cap)
    if query.regions and query.min_region_share > 0:
        share = region_share(snap, query, lo, hi) if regions is None else regions
        mask &= share >= np.float32(query.min_region_share) - np.float32(1e-6)
    if query.min_followers is not None:
        mask &= snap.followers[lo:hi] >= query.min_followers
    if query.max_followers is not None:
        mask &= snap.followers[lo:hi] <= query.max_followers
    for rows in _row_exclusions(snap, query, lo, hi):
        mask[rows - lo] = False
    return mask


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


CHUNK = 16_384  # rows per step: every array slice of one step stays in the CPU cache


@dataclass
class Block:
    """Scores of rows [lo, hi): ineligible rows at -inf, the eligibility mask and the content fit."""

    snap: object
    query: OrderQuery
    lo: int
    score: np.ndarray
    mask: np.ndarray
    content: np.ndarray

    def audience_for(self, rows: np.ndarray) -> np.ndarray:
        return audience_fit_rows(self.snap, self.query, rows)


def score_block(snap, query: OrderQuery, lo: int, hi: int) -> Block:
    """Eligibility and score for rows [lo, hi) in one cache-sized pass per chunk.

    The sparse parts (content fit, regions kept sparse) are scattered first; then each chunk
    reads the precomputed static row, price, flags and targeted audience rows once and writes
    the score — no full-length temporaries, so memory traffic stays close to one read of the
    bytes involved.
    """
    g, f = GOALS.index(query.goal), FORMATS.index(query.format)
    w = WEIGHTS[query.goal]
    content = content_fit(snap, query, lo, hi)
    sparse_regions = _sparse_region_share(snap, query, lo, hi) if query.regions else None
    score = np.empty(hi - lo, dtype=np.float32)
    mask = np.empty(hi - lo, dtype=bool)
    static, price, active = snap.static[g * len(FORMATS) + f], snap.price[f], snap.active
    cap = max_price(query) if query.max_price is None else min(max_price(query), query.max_price)
    ages = [snap.age[AGE_BUCKETS.index(a)] for a in query.ages]
    genders = [snap.gender[GENDERS.index(x)] for x in query.genders]
    dense_regions = [
        snap.regions_dense[snap.region_dense_index[c]] for c in query.regions if c in snap.region_dense_index
    ]
    dims = bool(ages) + bool(genders) + bool(query.regions)
    w_content, w_audience = np.float32(w["content"]), np.float32(w["audience"] / dims if dims else 0)
    neutral = np.float32(w["audience"] * 0.5)  # no audience target at all: neutral fit 0.5
    min_share = np.float32(query.min_region_share) - np.float32(1e-6)
    aud = np.empty(min(CHUNK, hi - lo), dtype=np.float32)
    region = np.empty_like(aud)
    for a in range(lo, hi, CHUNK):
        b = min(a + CHUNK, hi)
        i, j, n = a - lo, b - lo, b - a
        m, sc, t, r = mask[i:j], score[i:j], aud[:n], region[:n]
        p = price[a:b]
        np.less_equal(p, cap, out=m)
        m &= p > 0
        m &= active[a:b]
        t.fill(0)
        for rows in (ages, genders):
            if rows:
                part = r
                np.copyto(part, rows[0][a:b])
                for extra in rows[1:]:
                    part += extra[a:b]
                t += part
        if query.regions:
            if sparse_regions is not None:
                np.copyto(r, sparse_regions[i:j])
            else:
                r.fill(0)
            for dense in dense_regions:
                r += dense[a:b]
            np.minimum(r, 1.0, out=r)
            if query.min_region_share > 0:
                m &= r >= min_share
            t += r
        if query.min_followers is not None:
            m &= snap.followers[a:b] >= query.min_followers
        if query.max_followers is not None:
            m &= snap.followers[a:b] <= query.max_followers
        np.multiply(t, w_audience, out=sc)
        if not dims:
            sc.fill(neutral)
        sc += static[a:b]
        np.multiply(content[i:j], w_content, out=t)
        sc += t
        sc[~m] = -np.inf
    for rows in _row_exclusions(snap, query, lo, hi):
        mask[rows - lo] = False
        score[rows - lo] = -np.inf
    return Block(snap, query, lo, score, mask, content)


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


def rank(snap, query: OrderQuery, k: int = 200, *, lo: int = 0, hi: int | None = None, threads: int = 2) -> Ranking:
    """Rank rows [lo, hi) of the snapshot for one order; return the top ``k`` with components."""
    hi = snap.n if hi is None else hi
    blocks = _blocks(lo, hi, threads)
    if len(blocks) == 1:
        parts = [score_block(snap, query, *blocks[0])]
    else:
        with ThreadPoolExecutor(len(blocks)) as pool:
            parts = list(pool.map(lambda b: score_block(snap, query, *b), blocks))

    def joined(name: str) -> np.ndarray:
        arrays = [getattr(p, name) for p in parts]
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    score = joined("score")
    local = top_k(score, k, snap.creator_ids[lo:hi])
    rows = local + lo
    components = static_components(snap, query, rows)
    components["content"] = joined("content")[local]
    components["audience"] = audience_fit_rows(snap, query, rows)
    return Ranking(
        rows=rows,
        scores=score[local],
        components={c: components[c] for c in COMPONENTS},
        eligible_count=int(sum(int(p.mask.sum()) for p in parts)),
        considered=hi - lo,
    )


def _blocks(lo: int, hi: int, threads: int) -> list[tuple[int, int]]:
    if threads <= 1 or hi - lo < 200_000:
        return [(lo, hi)]
    edges = np.linspace(lo, hi, threads + 1).astype(np.int64)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def static_components(snap, query: OrderQuery, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The order-independent components for the given rows (gathered, not recomputed)."""
    g, f = GOALS.index(query.goal), FORMATS.index(query.format)
    return {
        "performance": snap.performance[g, rows],
        "value": snap.value[f, rows],
        "reliability": snap.reliability[rows],
        "exploration": snap.exploration[rows],
    }


def merge(rankings: list[Ranking], k: int, ids_of) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Merge per-shard top-k lists into the global top-k (same order as one unsharded run)."""
    rows = np.concatenate([r.rows for r in rankings])
    scores = np.concatenate([r.scores for r in rankings])
    comps = {c: np.concatenate([r.components[c] for r in rankings]) for c in COMPONENTS}
    order = np.lexsort((ids_of(rows), -scores))[:k]
    return rows[order], scores[order], {c: v[order] for c, v in comps.items()}
