"""Rank creators for one order: eligibility, explainable components and an exact top-k.

Takes a feature snapshot (matching.snapshot.Snapshot) and an OrderQuery and returns plain data. By concern:

- ``query``: what the ranker is asked and answers — goals, formats, audience buckets, the weights, the
  content-fit bands, the eligibility reason codes, OrderQuery and Ranking;
- ``components``: the score's components as vector operations over snapshot columns;
- ``reference``: eligibility (why_not) and the plain NumPy ranking (score_block, top_k, rank_reference),
  the reference the fused kernel must equal bit for bit, and the merge of sharded rankings;
- ``fused``: the ranking the worker runs (rank), one numba pass per block (matching.kernels) fed by
  rank_plan, and warm.

Every name is importable from ``matching.scoring`` itself; import from a submodule only what is
private to the package.
"""

from matching.scoring.components import (
    audience_fit,
    audience_fit_rows,
    content_fit,
    label_content,
    near_content,
    near_multiplier,
    region_share,
    region_share_rows,
    static_components,
    value_fit,
)
from matching.scoring.fused import (
    rank,
    rank_plan,
    warm,
)
from matching.scoring.query import (
    AGE_BUCKETS,
    COMPONENTS,
    COVER_SHARE,
    EXPLORATION_WEIGHT,
    FOCUS_SHARE,
    FORMATS,
    GENDERS,
    GOALS,
    INTEREST_BACKOFF,
    LABEL_FLOOR,
    LABEL_SPAN,
    NEAR_CREDIT,
    NEAR_DISTANCE,
    REASONS,
    WEIGHTS,
    OrderQuery,
    Ranking,
    max_price,
    per_money,
)
from matching.scoring.reference import (
    CHUNK,
    Block,
    eligible_mask,
    eligible_rows,
    merge,
    rank_reference,
    score_block,
    top_k,
    why_not,
)

__all__ = [
    "AGE_BUCKETS",
    "CHUNK",
    "COMPONENTS",
    "COVER_SHARE",
    "EXPLORATION_WEIGHT",
    "FOCUS_SHARE",
    "FORMATS",
    "GENDERS",
    "GOALS",
    "INTEREST_BACKOFF",
    "LABEL_FLOOR",
    "LABEL_SPAN",
    "NEAR_CREDIT",
    "NEAR_DISTANCE",
    "REASONS",
    "WEIGHTS",
    "Block",
    "OrderQuery",
    "Ranking",
    "audience_fit",
    "audience_fit_rows",
    "content_fit",
    "eligible_mask",
    "eligible_rows",
    "label_content",
    "max_price",
    "merge",
    "near_content",
    "near_multiplier",
    "per_money",
    "rank",
    "rank_plan",
    "rank_reference",
    "region_share",
    "region_share_rows",
    "score_block",
    "static_components",
    "top_k",
    "value_fit",
    "warm",
    "why_not",
]
