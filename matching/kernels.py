"""The ranker's fused pass: eligibility, score and an exact top-k in one numba loop over a block of rows.

Arrays in, arrays out. The kernels take their inputs as two named tuples, RankPlan and ContentPlan
(numba's compiled mode takes NamedTuples, not dataclasses), read field by field by name: many inputs
share a dtype, and a positional list of them would compile and run with two swapped. The one place that
builds them is matching.scoring.fused.rank_plan, from the snapshot and the order; and
scoring.score_block (plain NumPy) stays the reference these kernels must match bit for bit: every
score is the same float32 expression in the same order (no fastmath, so no reassociation or
fused multiply-add), and the label similarity is summed in float64 like np.bincount.

Compiled code is cached on disk (``cache=True``) under ``<VAR_DIR>/numba`` unless NUMBA_CACHE_DIR
is set: the source tree may be read-only (the production image), the var directory never is. Compiled
code freezes the constants it reads from matching.scoring.query, while numba keys its cache on this
file alone; so the cache lives in a subdirectory named after those constants (``cache_key``), and code
compiled under other values is never loaded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numba
import numpy as np
from numba import njit

from matching.scoring import query as _query
from matching.scoring.query import COVER_SHARE, FOCUS_SHARE, LABEL_FLOOR, LABEL_SPAN


def cache_key() -> str:
    """The constants compiled into these kernels, as a directory name."""
    return "content-" + "-".join(
        repr(float(getattr(_query, name))) for name in ("COVER_SHARE", "FOCUS_SHARE", "LABEL_FLOOR", "LABEL_SPAN")
    )


_base = numba.config.CACHE_DIR or str(
    Path(os.environ.get("VAR_DIR") or str(Path(__file__).resolve().parent.parent / "var")) / "numba"
)
numba.config.CACHE_DIR = str(Path(_base) / cache_key())

# Rows per step of the block loop: the step's scratch buffers stay in L1/L2 while the snapshot rows stream past.
STEP = 4096
_F32_LOWEST = np.float32(np.finfo(np.float32).min)


class ContentPlan(NamedTuple):
    """content_fit's inputs: postings of the order's label, interest and near-label columns, and multipliers.

    Each posting list is a column of a CSC matrix: rows ``indices[start[c]:end[c]]`` (sorted), values at
    the same positions. The label postings are read from the unit-length label matrix, whose sparsity
    pattern the IDF-weighted one shares (snapshot.derive._sparse_views), so ``lab_cover`` is read at the same
    positions; the near-label columns are read from the same label postings.
    """

    lab_indices: np.ndarray  # int32/int64: the label matrix's row of each posting
    lab_data: np.ndarray  # float32: unit-length label weight of each posting (the cosine's side)
    lab_start: np.ndarray  # int64 [order labels]: first posting of each order label's column
    lab_end: np.ndarray  # int64 [order labels]: one past its last posting
    lab_mult: np.ndarray  # float32 [order labels]: the order's normalised IDF-weighted weight
    lab_cover: np.ndarray  # float32: IDF-weighted label weight of each posting (coverage, near credit)
    lab_cover_mult: np.ndarray  # float32 [order labels]: what turns lab_cover into its share of the coverage
    int_indices: np.ndarray  # int32/int64: the interest matrix's row of each posting
    int_data: np.ndarray  # float32: unit-length interest weight of each posting
    int_start: np.ndarray  # int64 [order interests]
    int_end: np.ndarray  # int64 [order interests]
    int_mult: np.ndarray  # float32 [order interests]: the back-off-scaled query weight
    near_start: np.ndarray  # int64 [near labels]: first posting of each near label's column (in lab_indices)
    near_end: np.ndarray  # int64 [near labels]
    near_mult: np.ndarray  # float32 [near labels]: 1 / the label's IDF
    near_floor: np.ndarray  # float32 [near labels]: NEAR_CREDIT floor of the label's tree distance
    near_span: np.ndarray  # float32 [near labels]: NEAR_CREDIT span of the label's tree distance


class RankPlan(NamedTuple):
    """rank_block's inputs for one order: score_block's inputs as flat arrays and scalars."""

    gate: np.ndarray  # int64 [N]: the order format's price, int64 max where the row cannot be ranked at all
    cap: int  # the highest price still eligible (budget plus tolerance, or the brand's max price)
    static: np.ndarray  # float32 [N]: the order goal's weighted static part
    per_money: np.float32  # 1 / the per-creator budget (0 without one)
    w_value: np.float32  # the goal's weight of value
    no_audience: bool  # no audience target: everyone gets half_audience
    half_audience: np.float32  # the goal's audience weight × 0.5 (the neutral fit)
    w_audience: np.float32  # the goal's audience weight / the number of targeted dimensions
    age: np.ndarray  # float32 [AGE_BUCKETS, N]
    age_idx: np.ndarray  # int64: targeted rows of ``age``
    gender: np.ndarray  # float32 [GENDERS, N]
    gender_idx: np.ndarray  # int64: targeted rows of ``gender``
    has_regions: bool  # the order targets regions
    dense: np.ndarray  # float32 [dense regions, N]
    dense_idx: np.ndarray  # int64: targeted rows of ``dense``
    reg_indices: np.ndarray  # int32/int64: the region matrix's row of each posting
    reg_data: np.ndarray  # float32: share of each posting
    reg_start: np.ndarray  # int64 [targeted sparse regions]
    reg_end: np.ndarray  # int64 [targeted sparse regions]
    check_share: bool  # the order asks for a minimum share in its regions
    min_share: np.float32  # that minimum, less a float32 tolerance
    followers: np.ndarray  # int64 [N]
    min_followers: int  # the brand's follower filter (int64 min / max: none)
    max_followers: int
    content: ContentPlan
    w_content: np.float32  # the goal's weight of content
    excluded: np.ndarray  # int64, sorted (repeats allowed): rows out for blackouts or the caller's list


@njit(cache=True, nogil=True)
def rank_block(lo, hi, k, p):
    """Rows [lo, hi) of a RankPlan ``p``: (candidate rows, their scores, eligible count).

    The candidates are every eligible row whose finite score is at least the block's k-th best
    (ties included), so the caller's sort by (score desc, creator id asc) over all blocks' candidates
    gives the exact top k.
    """
    c = p.content
    n_all = max(hi - lo, 0)
    size = min(STEP, n_all)
    region = np.empty(size, np.float32)
    audience = np.empty(size, np.float32)
    score = np.empty(size, np.float32)
    interest_part = np.zeros(size, np.float32)
    near_part = np.zeros(size, np.float32)
    label_part = np.zeros(size, np.float64)
    cover_part = np.zeros(size, np.float64)
    has_label = np.zeros(size, np.bool_)
    touched = np.zeros(size, np.bool_)
    reg_at = _cursors(p.reg_indices, p.reg_start, p.reg_end, lo)
    lab_at = _cursors(c.lab_indices, c.lab_start, c.lab_end, lo)
    int_at = _cursors(c.int_indices, c.int_start, c.int_end, lo)
    near_at = _cursors(c.lab_indices, c.near_start, c.near_end, lo)
    lab_from = lab_at.copy()
    int_from = int_at.copy()
    near_from = near_at.copy()
    excluded = p.excluded
    ex_at = np.searchsorted(excluded, lo)
    heap = np.empty(max(k, 1), np.float32)
    filled = 0
    threshold = _F32_LOWEST
    cand_rows = np.empty(4 * max(k, 1) + 2 * size, np.int64)
    cand_scores = np.empty(4 * max(k, 1) + 2 * size, np.float32)
    found = 0
    eligible = 0
    gate, cap, check_share, min_share = p.gate, p.cap, p.check_share, p.min_share
    followers, min_followers, max_followers = p.followers, p.min_followers, p.max_followers
    filter_followers = min_followers > -(2**63) or max_followers < 2**63 - 1
    for a in range(lo, hi, STEP):
        b = min(a + STEP, hi)
        n = b - a
        if p.has_regions:
            _region(region[:n], p.dense, p.dense_idx, p.reg_indices, p.reg_data, p.reg_end, reg_at, a, b)
        if not p.no_audience:
            _audience(audience[:n], region, p.has_regions, p.age, p.age_idx, p.gender, p.gender_idx, a, b)
        eligible += _score_pass(
            score[:n], gate[a:b], cap, p.static[a:b], p.per_money, p.w_value, p.no_audience, p.half_audience,
            audience, p.w_audience, check_share, region, min_share,
        )  # fmt: skip
        _add_content(
            a, b, score, p.w_content, interest_part, near_part, label_part, cover_part, has_label, touched, c,
            lab_at, lab_from, int_at, int_from, near_at, near_from,
        )  # fmt: skip
        if filter_followers:
            for i in range(n):
                if not min_followers <= followers[a + i] <= max_followers:
                    eligible -= _drop(score, i, gate[a + i], cap, check_share, region[i], min_share)
        # Excluded rows (sorted): recheck the filters, so a row already out is not counted out twice.
        while ex_at < len(excluded) and excluded[ex_at] < b:
            row = excluded[ex_at]
            ex_at += 1
            fits = not filter_followers or min_followers <= followers[row] <= max_followers
            if fits and (ex_at == 1 or excluded[ex_at - 2] != row):
                eligible -= _drop(score, row - a, gate[row], cap, check_share, region[row - a], min_share)
        if k > 0:
            if found + n > len(cand_rows):
                cand_rows, cand_scores, found = _make_room(cand_rows, cand_scores, found, threshold, n)
            found, filled, threshold = _select(
                score[:n], a, k, heap, filled, threshold, cand_rows, cand_scores, found
            )  # fmt: skip
    keep = cand_scores[:found] >= threshold
    return cand_rows[:found][keep], cand_scores[:found][keep], eligible


@njit(cache=True, nogil=True)
def _region(region, dense, dense_idx, reg_indices, reg_data, reg_end, reg_at, a, b):
    """Rows [a, b) of the share in the targeted regions, summed as score_block does: the sparse regions
    (their postings, advancing the cursors ``reg_at``) first, then each dense row. 0 + x is exactly x,
    so without sparse regions the sum starts from the first dense row instead of from zero."""
    first = 0
    if len(reg_at) or not len(dense_idx):
        region[:] = 0
        for c in range(len(reg_at)):
            p, end = reg_at[c], reg_end[c]
            while p < end and reg_indices[p] < b:
                region[reg_indices[p] - a] += reg_data[p]
                p += 1
            reg_at[c] = p
    else:
        region[:] = dense[dense_idx[0], a:b]
        first = 1
    _add_rows(region, dense, dense_idx, first, a, b)


@njit(cache=True, nogil=True)
def _audience(audience, region, has_regions, age, age_idx, gender, gender_idx, a, b):
    """audience = region share (if targeted) + each targeted age row + each targeted gender row, added
    one by one in that order; two rows per pass over the buffer, the first while initialising it."""
    n = len(audience)
    sources = len(age_idx) + len(gender_idx)
    if sources == 0:
        audience[:] = region[:n]
        return
    first = _source(age, age_idx, gender, gender_idx, 0, a, b)
    if has_regions:
        for i in range(n):
            audience[i] = region[i] + first[i]
    else:
        audience[:] = first
    for s in range(1, sources, 2):
        x = _source(age, age_idx, gender, gender_idx, s, a, b)
        if s + 1 < sources:
            y = _source(age, age_idx, gender, gender_idx, s + 1, a, b)
            for i in range(n):
                audience[i] = (audience[i] + x[i]) + y[i]
        else:
            for i in range(n):
                audience[i] += x[i]


@njit(cache=True, nogil=True, inline="always")
def _source(age, age_idx, gender, gender_idx, s, a, b):
    """Rows [a, b) of the s-th targeted audience row: the ages first, then the genders."""
    if s < len(age_idx):
        return age[age_idx[s], a:b]
    return gender[gender_idx[s - len(age_idx)], a:b]


@njit(cache=True, nogil=True)
def _add_rows(out, rows, idx, start, a, b):
    """out += rows[idx[j], a:b] for j ≥ start, one row after another; two rows per pass over ``out``."""
    n = len(out)
    for j in range(start, len(idx), 2):
        x = rows[idx[j], a:b]
        if j + 1 < len(idx):
            y = rows[idx[j + 1], a:b]
            for i in range(n):
                out[i] = (out[i] + x[i]) + y[i]
        else:
            for i in range(n):
                out[i] += x[i]


@njit(cache=True, nogil=True)
def _score_pass(
    score, gate, cap, static, per_money, w_value, no_audience, half_audience, audience, w_audience, check_share,
    region, min_share,
):  # fmt: skip
    """score = the weighted audience plus the static part plus the weighted value (score_block's float32
    expression), -inf where the price gate or the region share fails; returns how many passed. One loop per
    case, so each vectorises."""
    neg_inf = np.float32(-np.inf)
    passed = np.int64(0)
    if no_audience:
        for i in range(len(score)):
            e = gate[i] <= cap
            passed += e
            v = _value(gate[i], per_money) * w_value
            score[i] = (static[i] + half_audience) + v if e else neg_inf
    elif check_share:
        for i in range(len(score)):
            e = (gate[i] <= cap) & (region[i] >= min_share)
            passed += e
            v = _value(gate[i], per_money) * w_value
            score[i] = (audience[i] * w_audience + static[i]) + v if e else neg_inf
    else:
        for i in range(len(score)):
            e = gate[i] <= cap
            passed += e
            v = _value(gate[i], per_money) * w_value
            score[i] = (audience[i] * w_audience + static[i]) + v if e else neg_inf
    return passed


@njit(cache=True, nogil=True, inline="always")
def _value(price, per_money):
    """scoring.value_fit of one price: max(0, 1 − float32(price) × per_money), in float32."""
    v = np.float32(1) - np.float32(price) * per_money
    return v if v > np.float32(0) else np.float32(0)


@njit(cache=True, nogil=True, inline="always")
def _drop(score, i, price, cap, check_share, share, min_share):
    """Make row i ineligible; 1 if _score_pass had counted it eligible, else 0."""
    score[i] = -np.inf
    return 1 if price <= cap and (not check_share or share >= min_share) else 0


@njit(cache=True, nogil=True, inline="always")
def _near(weighted, mult, floor, span):
    """scoring.near_content of one posting."""
    x = weighted * mult
    one = np.float32(1)
    if x > one:
        x = one
    return floor + span * x


@njit(cache=True, nogil=True, inline="always")
def _combine(interest, near, label, cover, has):
    """content_fit: with an exact target label, LABEL_FLOOR + LABEL_SPAN × min(1, COVER_SHARE × coverage +
    FOCUS_SHARE × cosine); without one, the larger of the credit for a label next to the order's
    (scoring.NEAR_CREDIT) and the interest back-off (at most INTEREST_BACKOFF < every near band)."""
    if not has:
        return near if near > interest else interest
    s = np.float32(COVER_SHARE) * np.float32(cover) + np.float32(FOCUS_SHARE) * np.float32(label)
    one = np.float32(1)
    if s > one:
        s = one
    return np.float32(LABEL_FLOOR) + np.float32(LABEL_SPAN) * s


@njit(cache=True, nogil=True)
def _add_content(
    a, b, score, w_content, interest_part, near_part, label_part, cover_part, has_label, touched, cp,
    lab_at, lab_from, int_at, int_from, near_at, near_from,
):  # fmt: skip
    """score += w_content × content for the rows in [a, b) with a posting (ContentPlan ``cp``); scratch
    reset afterwards."""
    lab_indices, lab_data, lab_end, lab_mult = cp.lab_indices, cp.lab_data, cp.lab_end, cp.lab_mult
    lab_cover, lab_cover_mult = cp.lab_cover, cp.lab_cover_mult
    int_indices, int_data, int_end, int_mult = cp.int_indices, cp.int_data, cp.int_end, cp.int_mult
    near_end, near_mult, near_floor, near_span = cp.near_end, cp.near_mult, cp.near_floor, cp.near_span
    for c in range(len(near_at)):
        p = near_at[c]
        near_from[c] = p
        m, f, s, end = near_mult[c], near_floor[c], near_span[c], near_end[c]
        while p < end and lab_indices[p] < b:
            i = lab_indices[p] - a
            v = _near(lab_cover[p], m, f, s)
            if v > near_part[i]:
                near_part[i] = v
            touched[i] = True
            p += 1
        near_at[c] = p
    for c in range(len(lab_at)):
        p = lab_at[c]
        lab_from[c] = p
        m, cm, end = lab_mult[c], lab_cover_mult[c], lab_end[c]
        while p < end and lab_indices[p] < b:
            i = lab_indices[p] - a
            label_part[i] += np.float64(lab_data[p] * m)
            cover_part[i] += np.float64(lab_cover[p] * cm)
            has_label[i] = True
            touched[i] = True
            p += 1
        lab_at[c] = p
    if len(int_at) == 1:
        # The usual order (its labels in one interest): each row's back-off is its one posting, so the
        # content is final while the posting is read; rows with a label but no posting follow below.
        p, m, end = int_at[0], int_mult[0], int_end[0]
        while p < end and int_indices[p] < b:
            i = int_indices[p] - a
            score[i] += _combine(int_data[p] * m, near_part[i], label_part[i], cover_part[i], has_label[i]) * w_content
            near_part[i] = 0
            label_part[i] = 0
            cover_part[i] = 0
            has_label[i] = False
            touched[i] = False
            p += 1
        int_at[0] = p
    else:
        for c in range(len(int_at)):
            p = int_at[c]
            int_from[c] = p
            m = int_mult[c]
            while p < int_end[c] and int_indices[p] < b:
                i = int_indices[p] - a
                interest_part[i] += int_data[p] * m
                touched[i] = True
                p += 1
            int_at[c] = p
        _apply_content(
            a, score, w_content, interest_part, near_part, label_part, cover_part, has_label, touched,
            int_indices, int_from, int_at,
        )  # fmt: skip
    _apply_content(
        a, score, w_content, interest_part, near_part, label_part, cover_part, has_label, touched,
        lab_indices, lab_from, lab_at,
    )  # fmt: skip
    _apply_content(
        a, score, w_content, interest_part, near_part, label_part, cover_part, has_label, touched,
        lab_indices, near_from, near_at,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _apply_content(
    a, score, w_content, interest_part, near_part, label_part, cover_part, has_label, touched, indices, start, stop
):  # fmt: skip
    for c in range(len(start)):
        for p in range(start[c], stop[c]):
            i = indices[p] - a
            if touched[i]:
                score[i] += (
                    _combine(interest_part[i], near_part[i], label_part[i], cover_part[i], has_label[i]) * w_content
                )
                interest_part[i] = 0
                near_part[i] = 0
                label_part[i] = 0
                cover_part[i] = 0
                has_label[i] = False
                touched[i] = False


@njit(cache=True, nogil=True)
def content_rows(rows, cp):
    """content_fit of scattered rows, by binary search in each posting list of ContentPlan ``cp`` (for the
    k winners)."""
    out = np.empty(len(rows), np.float32)
    for r in range(len(rows)):
        row = rows[r]
        interest = np.float32(0)
        for c in range(len(cp.int_start)):
            p = _find(cp.int_indices, cp.int_start[c], cp.int_end[c], row)
            if p >= 0:
                interest += cp.int_data[p] * cp.int_mult[c]
        label = 0.0
        cover = 0.0
        has = False
        for c in range(len(cp.lab_start)):
            p = _find(cp.lab_indices, cp.lab_start[c], cp.lab_end[c], row)
            if p >= 0:
                label += np.float64(cp.lab_data[p] * cp.lab_mult[c])
                cover += np.float64(cp.lab_cover[p] * cp.lab_cover_mult[c])
                has = True
        near = np.float32(0)
        for c in range(len(cp.near_start)):
            p = _find(cp.lab_indices, cp.near_start[c], cp.near_end[c], row)
            if p >= 0:
                v = _near(cp.lab_cover[p], cp.near_mult[c], cp.near_floor[c], cp.near_span[c])
                if v > near:
                    near = v
        out[r] = _combine(interest, near, label, cover, has)
    return out


@njit(cache=True, nogil=True)
def _find(indices, start, end, row):
    if start >= end:
        return -1
    p = start + np.searchsorted(indices[start:end], row)
    return p if p < end and indices[p] == row else -1


@njit(cache=True, nogil=True)
def _cursors(indices, start, end, lo):
    """Per posting list, the first position whose row is ≥ lo."""
    at = np.empty(len(start), np.int64)
    for c in range(len(start)):
        at[c] = start[c] + np.searchsorted(indices[start[c] : end[c]], lo) if start[c] < end[c] else end[c]
    return at


@njit(cache=True, nogil=True)
def _select(score, a, k, heap, filled, threshold, cand_rows, cand_scores, found):
    """Append rows a + i whose score reaches the threshold (the k-th best so far) and keep the heap.

    Runs of 256 rows are first tested with a branch-free count, so most of the block is skipped
    without a branch per row once the heap is full. The caller leaves room for every row.
    """
    for start in range(0, len(score), 256):
        stop = min(start + 256, len(score))
        hits = 0
        for i in range(start, stop):
            hits += score[i] >= threshold
        if hits == 0:
            continue
        for i in range(start, stop):
            s = score[i]
            if s >= threshold and s < np.inf:
                cand_rows[found] = a + i
                cand_scores[found] = s
                found += 1
                if filled < k:
                    _heap_push(heap, filled, s)
                    filled += 1
                    if filled == k:
                        threshold = heap[0]
                elif s > heap[0]:
                    _heap_replace_top(heap, k, s)
                    threshold = heap[0]
    return found, filled, threshold


@njit(cache=True, nogil=True)
def _make_room(rows, scores, found, threshold, more):
    """Drop candidates below the threshold; grow the buffers if ``more`` still would not fit."""
    kept = 0
    for i in range(found):
        if scores[i] >= threshold:
            rows[kept] = rows[i]
            scores[kept] = scores[i]
            kept += 1
    if kept + more > len(rows):
        bigger_rows = np.empty(2 * (kept + more), np.int64)
        bigger_scores = np.empty(2 * (kept + more), np.float32)
        bigger_rows[:kept] = rows[:kept]
        bigger_scores[:kept] = scores[:kept]
        return bigger_rows, bigger_scores, kept
    return rows, scores, kept


@njit(cache=True, nogil=True, inline="always")
def _heap_push(heap, size, value):
    i = size
    heap[i] = value
    while i > 0:
        parent = (i - 1) // 2
        if heap[parent] <= heap[i]:
            break
        heap[parent], heap[i] = heap[i], heap[parent]
        i = parent


@njit(cache=True, nogil=True, inline="always")
def _heap_replace_top(heap, size, value):
    heap[0] = value
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left + 1 if left + 1 < size and heap[left + 1] < heap[left] else left
        if heap[i] <= heap[child]:
            break
        heap[i], heap[child] = heap[child], heap[i]
        i = child
