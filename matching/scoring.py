"""Rank creators for one order: eligibility, explainable components and an exact top-k.

Takes a feature snapshot (matching.snapshot.Snapshot) and an OrderQuery and returns plain data.
No Python loop over creators. score_block / top_k / rank_reference are plain numpy: every step is
a vector operation over a column (features are stored column-major, one contiguous array per
feature), and the label and region matrices are read through their inverted index (CSC columns of
the order's targets only). rank does the same work in one fused numba pass per block
(matching.kernels) and must give exactly rank_reference's result.

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
    "awareness": {"content": 0.35, "audience": 0.25, "performance": 0.10, "value": 0.10, "reliability": 0.20},
    "seeding": {"content": 0.35, "audience": 0.25, "performance": 0.10, "value": 0.10, "reliability": 0.20},
    "conversion": {"content": 0.30, "audience": 0.25, "performance": 0.15, "value": 0.10, "reliability": 0.20},
}
EXPLORATION_WEIGHT = 0.02
# Content fit. A creator with an exact target label scores LABEL_FLOOR + LABEL_SPAN × (COVER_SHARE ×
# coverage + FOCUS_SHARE × cosine): coverage is the (IDF-weighted) mean of the creator's own weights on
# the order's labels — how strongly they make that content — and the cosine how focused they are on it.
# A creator with only the right interest keeps INTEREST_BACKOFF of the interest cosine, always below
# LABEL_FLOOR: an exact label dominates, the interest only orders creators who match no label.
LABEL_FLOOR = 0.4
LABEL_SPAN = 1 - LABEL_FLOOR
COVER_SHARE = 0.7
FOCUS_SHARE = 0.3
INTEREST_BACKOFF = 0.15
# A creator with no exact label but a label next to one in the taxonomy tree (OrderQuery.near) gets
# floor + span × min(1, their weight on it), by tree distance: 1 = the parent or a child of an order
# label, 2 = a sibling, the grandparent or a grandchild. Each band lies below the one before and every
# band above the interest back-off: exact > parent/child > sibling > same interest only.
NEAR_CREDIT = {1: (0.26, 0.12), 2: (0.17, 0.08)}
NEAR_DISTANCE = max(NEAR_CREDIT)

# Eligibility reason codes, in the order they are checked.
REASONS = {
    "inactive": "not active or not verified",
    "no_capacity": "no free capacity (ongoing collaborations, here and elsewhere, at the creator's maximum)",
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
    # Labels next to the order's in the taxonomy tree: (label column, tree distance, the order label's column).
    near: tuple[tuple[int, int, int], ...] = ()
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


def per_money(query: OrderQuery) -> np.float32:
    """1 ÷ the order's per-creator budget (0 without a budget): value = 1 − price × this."""
    return np.float32(1 / query.budget) if query.budget > 0 else np.float32(0)


# ------------------------------------------------------------ components


def value_fit(price: np.ndarray, query: OrderQuery, out: np.ndarray | None = None) -> np.ndarray:
    """Value for money: the share of the order's per-creator budget the creator's price leaves unspent,
    in [0, 1] (0 at or above the budget, so within the tolerance too; 0 without a price).

    An offer pays the creator's rate-card price out of the brand's budget, so what a price is worth is
    decided by that budget: what it leaves pays for other creators or stays with the brand. What the
    creator delivers for it (views, engagement) is judged by the performance component. The same float32
    steps as kernels._value; ``price`` is a price-gate row (int64 max where unpriced or inactive → 0).
    """
    price = np.asarray(price)
    value = np.empty(len(price), dtype=np.float32) if out is None else out
    np.copyto(value, price, casting="unsafe")
    value *= per_money(query)
    np.subtract(np.float32(1), value, out=value)
    return np.maximum(value, np.float32(0), out=value)


def content_fit(snap, query: OrderQuery, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Cosine of IDF-weighted label vectors, backed off to labels next to the order's in the taxonomy
    tree (NEAR_CREDIT) and to the interest level, for rows [lo, hi).

    Work is proportional to the postings of the order's labels and interests (the inverted
    index over unit-length rows), never to the number of rows.
    """
    hi = snap.n if hi is None else hi
    out = np.zeros(hi - lo, dtype=np.float32)
    if not query.labels:
        return out
    cols, q, qi = _query_vectors(snap, query)
    # Interest back-off first (each interest column's rows are unique, so += is exact) ...
    scale = np.float32(INTEREST_BACKOFF / float(np.linalg.norm(qi)))
    for col in np.flatnonzero(qi):
        rows, vals = _postings(snap.interests_unit_csc, col, lo, hi)
        out[rows - lo] += vals * (qi[col] * scale)
    # ... a label next to an order label counts more than the interest alone ...
    for col, distance, _ in query.near:
        rows, vals = _postings(snap.labels_csc, col, lo, hi)
        at = rows - lo  # unique within one column
        out[at] = np.maximum(out[at], near_content(vals, distance, near_multiplier(snap, col)))
    # ... then every row with an exact label takes the label fit instead.
    rows, sims, cover = _label_similarity(snap, cols, q, lo, hi)
    if len(rows):
        out[rows - lo] = label_content(sims, cover)
    return out


def label_content(cosine: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """Content fit of rows with an exact target label (float32, as kernels._combine computes it)."""
    s = np.float32(COVER_SHARE) * coverage + np.float32(FOCUS_SHARE) * cosine
    s = np.minimum(s, np.float32(1))
    return np.float32(LABEL_FLOOR) + np.float32(LABEL_SPAN) * s


def near_multiplier(snap, col: int) -> np.float32:
    """What turns the IDF-weighted label matrix's entry back into the creator's own weight on the label."""
    return np.float32(1 / float(snap.label_idf[col]))


def near_content(weighted: np.ndarray, distance: int, multiplier: np.float32) -> np.ndarray:
    """Content fit from a label at ``distance`` from an order label (float32, as kernels._near computes it)."""
    floor, span = NEAR_CREDIT[distance]
    x = np.minimum(weighted * multiplier, np.float32(1))
    return np.float32(floor) + np.float32(span) * x


def _cover_multipliers(snap, cols: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per order label, what turns the IDF-weighted label matrix's entry into its share of the coverage:
    Σ_l q_l × w_creator(l) / Σ_l q_l, with q_l = order weight × IDF and the entry w_creator(l) × IDF."""
    total = float(q.sum())
    return np.array(
        [np.float32(x / float(snap.label_idf[c]) / total) for c, x in zip(cols, q, strict=True)], dtype=np.float32
    )


def _query_vectors(snap, query: OrderQuery) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order's label columns, their IDF-weighted weights, and the same summed per interest."""
    cols = np.fromiter((c for c, _ in query.labels), dtype=np.int64)
    weights = np.fromiter((w for _, w in query.labels), dtype=np.float32)
    q = weights * snap.label_idf[cols]
    interests = snap.label_interest[cols]
    qi = np.bincount(interests, weights=q, minlength=snap.interests_unit_csc.shape[1]).astype(np.float32)
    return cols, q, qi


def _label_similarity(snap, cols, q, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (sorted, unique) with any target label, their exact-label cosine and their coverage."""
    parts = [_postings(snap.labels_unit_csc, col, lo, hi) for col in cols]
    raw = [_postings(snap.labels_csc, col, lo, hi)[1] for col in cols]
    rows = np.concatenate([r for r, _ in parts]) if parts else np.empty(0, dtype=np.int64)
    if not len(rows):
        return rows, np.empty(0, dtype=np.float32), np.empty(0, dtype=np.float32)
    scale = 1.0 / float(np.linalg.norm(q))
    vals = np.concatenate([v * np.float32(w * scale) for (_, v), w in zip(parts, q, strict=True)])
    cover = np.concatenate([v * m for v, m in zip(raw, _cover_multipliers(snap, cols, q), strict=True)])
    if len(parts) == 1:
        return rows, vals, cover
    unique, inverse = np.unique(rows, return_inverse=True)
    return (
        unique,
        np.bincount(inverse, weights=vals).astype(np.float32),
        np.bincount(inverse, weights=cover).astype(np.float32),
    )


def _postings(csc, col: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows in [lo, hi) of one CSC column, and their values."""
    start, end = csc.indptr[col], csc.indptr[col + 1]
    rows, vals = csc.indices[start:end], csc.data[start:end]
    if lo or hi < csc.shape[0]:
        a, b = np.searchsorted(rows, (lo, hi))
        rows, vals = rows[a:b], vals[a:b]
    return rows, vals


def region_share(snap, query: OrderQuery, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Share of each creator's audience in the order's target regions, rows [lo, hi)."""
    hi = snap.n if hi is None else hi
    return region_share_rows(snap, query, np.arange(lo, hi, dtype=np.int64))


def audience_fit(snap, query: OrderQuery, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Mean share of the creator's audience inside each targeted dimension (age, gender, region).

    A dimension the brand does not target is left out; with no target at all the fit is 0.5
    (neutral), so untargeted orders neither reward nor punish any audience.
    """
    hi = snap.n if hi is None else hi
    return audience_fit_rows(snap, query, np.arange(lo, hi, dtype=np.int64))


def audience_fit_rows(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    """audience_fit for scattered rows, by gathering (for explanations and training)."""
    rows = np.asarray(rows, dtype=np.int64)
    dims = bool(query.ages) + bool(query.genders) + bool(query.regions)
    if not dims:
        return np.full(len(rows), 0.5, dtype=np.float32)
    return _audience_sum(snap, query, rows, None) / np.float32(dims)


def region_share_rows(snap, query: OrderQuery, rows: np.ndarray) -> np.ndarray:
    """region_share for sorted rows: dense regions gathered, sparse ones matched through their postings."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.zeros(len(rows), dtype=np.float32)
    for col in query.regions:
        dense = snap.region_dense_index.get(int(col))
        if dense is not None:
            out += snap.regions_dense[dense].take(rows)
            continue
        start, end = snap.regions_csc.indptr[col], snap.regions_csc.indptr[col + 1]
        posted, vals = snap.regions_csc.indices[start:end], snap.regions_csc.data[start:end]
        pos = np.searchsorted(posted, rows)
        pos[pos == len(posted)] = 0
        hit = posted[pos] == rows if len(posted) else np.zeros(len(rows), dtype=bool)
        out[hit] += vals[pos[hit]]
    return np.minimum(out, 1.0, out=out)


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


def _audience_sum(snap, query: OrderQuery, rows: np.ndarray, share) -> np.ndarray:
    """Sum over the targeted dimensions of each row's audience share inside the target."""
    total = np.zeros(len(rows), dtype=np.float32)
    for a in query.ages:
        total += snap.age[AGE_BUCKETS.index(a)].take(rows)
    for x in query.genders:
        total += snap.gender[GENDERS.index(x)].take(rows)
    if query.regions:
        total += share if share is not None else region_share_rows(snap, query, rows)
    return total


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
    # The IDF-weighted matrix and its unit-length twin share one sparsity pattern (snapshot._sparse_views),
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


def static_components(snap, query: OrderQuery, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The components that do not depend on the order's targets, for the given rows (gathered; value
    from the price and the order's budget)."""
    g, f = GOALS.index(query.goal), FORMATS.index(query.format)
    return {
        "performance": snap.performance[g, rows],
        "value": value_fit(snap.price_gate[f, rows], query),
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
