"""Train and evaluate the re-ranker on past collaborations, split by time.

Each past order becomes one query: its pool is the creators it made offers to (graded by their
outcome, matching.learn.relevance) plus a seeded sample of other eligible creators, which count as
not relevant (sampled negatives). The oldest orders train, the newest ``holdout`` share evaluate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.models import Collaboration, Order
from matching import learn, scoring
from matching.models import MatcherModel
from matching.services import candidate_features, order_query
from matching.snapshot import Snapshot

log = logging.getLogger(__name__)

NEGATIVES_PER_ORDER = 200
HOLDOUT = 0.25
METHODS = ("learned", "hand", "content", "popularity")


@dataclass
class Group:
    order_id: int
    when: object
    x: np.ndarray
    grades: np.ndarray
    hand: np.ndarray
    content: np.ndarray
    followers: np.ndarray


@dataclass
class Report:
    train_orders: int
    holdout_orders: int
    train_rows: int
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def learned_beats_hand(self) -> bool:
        return self.metrics["learned"]["ndcg10"] > self.metrics["hand"]["ndcg10"]


def history_groups(snap: Snapshot, *, seed: int = 0, progress=None) -> list[Group]:
    orders = (
        Order.objects.filter(collaborations__accepted__isnull=False)
        .distinct()
        .prefetch_related("target_label_links")
        .order_by("published_at", "created_at", "id")
    )
    outcomes: dict[int, list] = {}
    for row in Collaboration.objects.filter(accepted__isnull=False).values_list(
        "order_id", "creator_id", "accepted", "completed_on_time", "brand_rating", "views"
    ):
        outcomes.setdefault(row[0], []).append(row[1:])
    rng = np.random.default_rng(seed)
    groups = []
    for order in orders:
        group = _group(snap, order, outcomes.get(order.pk, []), rng)
        if group is not None:
            groups.append(group)
        if progress:
            progress(1)
    return groups


def _group(snap: Snapshot, order: Order, outcomes: list, rng) -> Group | None:
    ids = np.array([o[0] for o in outcomes], dtype=np.int64)
    offered = snap.rows_of(ids)
    known = offered >= 0
    if not known.any():
        return None
    query = order_query(order, snap, excluded={})
    block = scoring.score_block(snap, query, 0, snap.n)
    pool_mask = block.mask.copy()
    pool_mask[offered[known]] = False
    others = np.flatnonzero(pool_mask)
    negatives = rng.choice(others, size=min(NEGATIVES_PER_ORDER, len(others)), replace=False)
    o = [outcomes[i] for i in np.flatnonzero(known)]
    grades = np.concatenate(
        [
            learn.relevance(
                accepted=[x[1] for x in o],
                completed_on_time=[bool(x[2]) for x in o],
                rating=[np.nan if x[3] is None else x[3] for x in o],
                views=[np.nan if x[4] is None else x[4] for x in o],
                expected_views=snap.median_views[offered[known]],
            ),
            np.zeros(len(negatives), dtype=np.float32),
        ]
    )
    # Shuffle the pool: a method that ties (content fit is often 0) must not win by keeping the
    # offered creators first in the order they were listed.
    shuffle = rng.permutation(len(grades))
    rows = np.concatenate([offered[known], negatives])[shuffle]
    grades = grades[shuffle]
    # Offered creators may be ineligible today (price changed, now busy): score them anyway.
    comps = scoring.static_components(snap, query, rows)
    comps["content"] = block.content[rows]
    comps["audience"] = block.audience_for(rows)
    hand = _hand_scores(snap, query, rows, comps)
    x = candidate_features(snap, query, rows, hand, comps)
    return Group(
        order.pk,
        order.published_at or order.created_at,
        x,
        grades,
        hand,
        comps["content"],
        snap.followers[rows].astype(np.float32),
    )


def _hand_scores(snap, query, rows, comps) -> np.ndarray:
    """The hand-weighted score of rows, eligible or not (offered creators may be ineligible today)."""
    g, f = scoring.GOALS.index(query.goal), scoring.FORMATS.index(query.format)
    w = scoring.WEIGHTS[query.goal]
    static = snap.static[g * len(scoring.FORMATS) + f, rows]
    return (static + w["content"] * comps["content"] + w["audience"] * comps["audience"]).astype(np.float32)


def split(groups: list[Group], holdout: float = HOLDOUT) -> tuple[list[Group], list[Group]]:
    ordered = sorted(groups, key=lambda g: (g.when, g.order_id))
    cut = round(len(ordered) * (1 - holdout))
    return ordered[:cut], ordered[cut:]


def fit(train_groups: list[Group], *, seed: int = 0):
    x = np.vstack([g.x for g in train_groups])
    y = np.concatenate([g.grades for g in train_groups])
    return learn.train(x, y, seed=seed), len(y)


def evaluate_methods(model, holdout: list[Group]) -> dict[str, dict[str, float]]:
    scorers = {
        "learned": (lambda g: learn.predict(model, g.x)) if model is not None else None,
        "hand": lambda g: g.hand,
        "content": lambda g: g.content,
        "popularity": lambda g: g.followers,
    }
    out = {}
    for name in METHODS:
        scorer = scorers[name]
        if scorer is None:
            continue
        result = learn.evaluate([(scorer(g), g.grades) for g in holdout])
        out[name] = {
            "ndcg10": round(result.ndcg10, 4),
            "recall50": round(result.recall50, 4),
            "queries": result.queries,
        }
    return out


def models_dir() -> Path:
    path = settings.VAR_DIR / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def train_and_register(snap: Snapshot, *, seed: int = 0, progress=None) -> tuple[MatcherModel, Report]:
    """Train on the older orders, evaluate on the newer, save the model and activate it only if it wins."""
    import joblib

    groups = history_groups(snap, seed=seed, progress=progress)
    train_groups, holdout = split(groups)
    if len(train_groups) < 5 or not holdout:
        raise ValueError(f"not enough history to train: {len(groups)} orders with known outcomes (need at least 7)")
    model, rows = fit(train_groups, seed=seed)
    report = Report(len(train_groups), len(holdout), rows, evaluate_methods(model, holdout))
    version = "gbr-" + timezone.now().strftime("%Y%m%dT%H%M%SZ")
    path = models_dir() / f"{version}.joblib"
    joblib.dump(model, path)
    with transaction.atomic():
        record = MatcherModel.objects.create(
            version=version,
            path=str(path),
            trained_on=rows,
            beats_hand=report.learned_beats_hand,
            metrics={
                "holdout": report.metrics,
                "train_orders": report.train_orders,
                "holdout_orders": report.holdout_orders,
                "seed": seed,
            },
        )
        if record.beats_hand:
            MatcherModel.objects.filter(is_active=True).update(is_active=False)
            record.is_active = True
            record.save(update_fields=["is_active"])
    return record, report
