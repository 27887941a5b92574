"""What the ranker is asked and what it answers: the goals, formats and audience buckets, the weights
of the score and of content fit, the eligibility reason codes, OrderQuery and Ranking.

Score = Σ weight[goal][component] × component + EXPLORATION_WEIGHT × exploration, each component
in [0, 1]; the weights are documented in docs/matching.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COMPONENTS = ("content", "audience", "performance", "value", "reliability", "exploration")
GOALS = ("awareness", "seeding", "conversion")
FORMATS = ("short_1_20", "short_21_60", "video_60_plus", "image_post", "live_session")
AGE_BUCKETS = ("18-23", "24-30", "31-40", "41-50", "50+")
GENDERS = ("female", "male", "other")

# Per goal: what the brand pays for decides what counts most. Rows sum to 1.
WEIGHTS: dict[str, dict[str, float]] = {
    "awareness": {"content": 0.33, "audience": 0.27, "performance": 0.10, "value": 0.10, "reliability": 0.20},
    "seeding": {"content": 0.33, "audience": 0.27, "performance": 0.10, "value": 0.10, "reliability": 0.20},
    "conversion": {"content": 0.28, "audience": 0.27, "performance": 0.15, "value": 0.10, "reliability": 0.20},
}
EXPLORATION_WEIGHT = 0.02
# Content fit. A creator with an exact target label scores LABEL_FLOOR + LABEL_SPAN × min(1, COVER_SHARE ×
# coverage + FOCUS_SHARE × cosine). Coverage is the sum of the creator's own weights on the order's labels
# (each times the order's weight for it): a brief's labels are alternatives, so a creator who makes one
# of them fully covers the brief as well as one who makes all three a little. The cosine (how focused the
# creator is on the brief) weighs nothing: a creator's weight on a label already says how strongly they
# make it, and what else they make does not make them worse at it (docs/matching-quality.md, round 4).
# A creator with only the right interest keeps INTEREST_BACKOFF of the interest cosine, always below
# LABEL_FLOOR: an exact label dominates, the interest only orders creators who match no label.
LABEL_FLOOR = 0.4
LABEL_SPAN = 1 - LABEL_FLOOR
COVER_SHARE = 1.0
FOCUS_SHARE = 0.0
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
