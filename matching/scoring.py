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
    """Cosine of IDF-weighted label vectors, backed off to the interest level, for rows [lo, hi)."""
    hi = snap.n if hi is None else hi
    out = np.zeros(hi - lo, dtype=np.float32)
    if not query.labels:
        return out
    cols = np.fromiter((c for c, _ in query.labels), dtype=np.int64)
    weights = np.fromiter((w for _, w in query.labels), dtype=np.float32)
    q = weights * snap.label_idf[cols]
    label_sim = _sparse_dot(snap.labels_csc, snap.label_norm, cols, q, lo, hi)
    interests = snap.label_interest[cols]
    qi = np.bincount(interests, weights=q, minlength=snap.interests_csc.shape[1]).astype(np.float32)
    icols = np.flatnonzero(qi)
    interest_sim = _sparse_dot(snap.interests_csc, snap.interest_norm, icols, qi[icols], lo, hi)
    np.maximum(label_sim, INTEREST_BACKOFF * interest_sim, out=out)
    return out


def _sparse_dot(csc, row_norm, cols, q, lo, hi) -> np.ndarray:
    """(X[lo:hi, cols] · q) / (|X_row| |q|) through the CSC columns: work ∝ postings, not rows."""
    out = np.zeros(hi - lo, dtype=np.float32)
    qnorm = float(np.sqrt(np.dot(q, q)))
    if qnorm == 0:
        return out
    for col, weight in zip(cols, q, strict=True):
        start, end = csc.indptr[col], csc.indptr[col + 1]
        rows = csc.indices[start:end]
        vals = csc.data[start:end]
        if lo or hi < csc.shape[0]:
            a, b = np.searchsorted(rows, (lo, hi))
            rows, vals = rows[a:b], vals[a:b]
        out[rows - lo] += vals * weight
    norms = row_norm[lo:hi]
    np.divide(out, norms * qnorm, out=out, where=norms > 0)
    return np.minimum(out, 1.0, out=out)


def region_share(snap, query: OrderQuery, lo: int = 0, hi: int | None = None) -> np.ndarray:
    hi = snap.n if hi is None else hi
    out = np.zeros(hi - lo, dtype=np.float32)
    for col in query.regions:
        start, end = snap.regions_csc.indptr[col], snap.regions_csc.indptr[col + 1]
        rows = snap.regions_csc.indices[start:end]
        vals = snap.regions_csc.data[start:end]
        if lo or hi < snap.n:
            a, b = np.searchsorted(rows, (lo, hi))
            rows, vals = rows[a:b], vals[a:b]
        out[rows - lo] += vals
    return np.minimum(out, 1.0, out=out)


def audience_fit(snap, query: OrderQuery, lo: int = 0, hi: int | None = None, regions=None) -> np.ndarray:
    """Mean share of the creator's audience inside each targeted dimension (age, gender, region).

    A dimension the brand does not target is left out; with no target at all the fit is 0.5
    (neutral), so untargeted orders neither reward nor punish any audience.
    """
    hi = snap.n if hi is None else hi
    parts = []
    if query.ages:
        parts.append(_sum_columns(snap.age, [AGE_BUCKETS.index(a) for a in query.ages], lo, hi))
    if query.genders:
        parts.append(_sum_columns(snap.gender, [GENDERS.index(g) for g in query.genders], lo, hi))
    if query.regions:
        parts.append(region_share(snap, query, lo, hi) if regions is None else regions)
    if not parts:
        return np.full(hi - lo, 0.5, dtype=np.float32)
    total = parts[0]
    for part in parts[1:]:
        total += part
    total *= 1.0 / len(parts)
    return total


def _sum_columns(matrix: np.ndarray, idx: list[int], lo: int, hi: int) -> np.ndarray:
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
    if query.window is not None and len(snap.blackout_rows):
        first, last = query.window
        hit = (snap.blackout_start <= last) & (snap.blackout_end >= first)
        rows = snap.blackout_rows[hit]
        rows = rows[(rows >= lo) & (rows < hi)]
        mask[rows - lo] = False
    if query.excluded_rows is not None and len(query.excluded_rows):
        rows = query.excluded_rows[(query.excluded_rows >= lo) & (query.excluded_rows < hi)]
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


@dataclass
class Block:
    """Scores of rows [lo, hi): ineligible rows at -inf; the order-specific components kept for gathering."""

    score: np.ndarray
    mask: np.ndarray
    content: np.ndarray
    audience: np.ndarray


def score_block(snap, query: OrderQuery, lo: int, hi: int) -> Block:
    g, f = GOALS.index(query.goal), FORMATS.index(query.format)
    w = WEIGHTS[query.goal]
    regions = region_share(snap, query, lo, hi) if query.regions else None
    mask = eligible_mask(snap, query, lo, hi, regions=regions)
    content = content_fit(snap, query, lo, hi)
    audience = audience_fit(snap, query, lo, hi, regions=regions)
    score = snap.static[g * len(FORMATS) + f, lo:hi].astype(np.float32, copy=True)
    score += np.float32(w["content"]) * content
    score += np.float32(w["audience"]) * audience
    score[~mask] = -np.inf
    return Block(score, mask, content, audience)


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
    components["audience"] = joined("audience")[local]
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
