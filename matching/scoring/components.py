"""The score's components, each in [0, 1], as vector operations over snapshot columns: value for
money, content fit (through the inverted index of the order's labels and interests: work is
proportional to their postings, never to the number of rows), audience fit and region share, and the
components that do not depend on the order's targets (gathered for given rows)."""

from __future__ import annotations

import numpy as np

from matching.scoring.query import (
    AGE_BUCKETS,
    COVER_SHARE,
    FOCUS_SHARE,
    FORMATS,
    GENDERS,
    GOALS,
    INTEREST_BACKOFF,
    LABEL_FLOOR,
    LABEL_SPAN,
    NEAR_CREDIT,
    OrderQuery,
    per_money,
)


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
    Σ_l o_l × w_creator(l), with o_l the order's weight for the label (q_l = o_l × IDF) and the entry
    w_creator(l) × IDF."""
    return np.array(
        [np.float32(x / float(snap.label_idf[c]) ** 2) for c, x in zip(cols, q, strict=True)], dtype=np.float32
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
