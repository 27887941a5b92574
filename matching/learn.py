"""The learned re-ranker and the ranking metrics: scikit-learn and numpy only, arrays in, plain data out.

The model re-orders the hand-ranked top RERANK_POOL of an order. Its features are the score
components plus the raw creator metrics; its target is the graded outcome of past
collaborations (see ``relevance``). Whether it is used at all is decided by ``evaluate`` on a
time-based holdout (matching.training), never by the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from matching.scoring import COMPONENTS

RERANK_POOL = 500
FEATURE_NAMES = (
    *COMPONENTS,
    "hand_score",
    "log_followers",
    "log_views",
    "engagement_rate",
    "completion_rate",
    "hit_video_share",
    "follower_growth_30d",
    "fulfilment_rate",
    "avg_rating",
    "completed_orders",
    "conversion_rate",
    "price_to_budget",
)


def relevance(*, accepted, completed_on_time, rating, views, expected_views) -> np.ndarray:
    """Graded outcome of an offer: 0 declined or expired, 1 accepted, 2 completed on time,
    +1 for a rating of 4 or 5, +1 for views at or above the expected views (max 4)."""
    accepted = np.asarray(accepted, dtype=bool)
    on_time = np.asarray(completed_on_time, dtype=bool) & accepted
    grade = accepted.astype(np.float32) + on_time.astype(np.float32)
    rating = np.nan_to_num(np.asarray(rating, dtype=np.float64))
    views = np.nan_to_num(np.asarray(views, dtype=np.float64))
    expected = np.maximum(np.nan_to_num(np.asarray(expected_views, dtype=np.float64)), 1)
    grade += (on_time & (rating >= 4)).astype(np.float32)
    grade += (on_time & (views >= expected)).astype(np.float32)
    return grade


def features(
    components: dict[str, np.ndarray], hand_score: np.ndarray, metrics: np.ndarray, price_to_budget: np.ndarray
) -> np.ndarray:
    """Feature matrix [rows, FEATURE_NAMES]. Missing metrics become -1, a value no real metric takes,
    so trees can split "unknown" apart (and an all-missing column still trains)."""
    cols = [np.asarray(components[c], dtype=np.float32) for c in COMPONENTS]
    cols.append(np.asarray(hand_score, dtype=np.float32))
    cols.extend(np.asarray(metrics, dtype=np.float32))
    cols.append(np.asarray(price_to_budget, dtype=np.float32))
    return np.nan_to_num(np.column_stack(cols), nan=-1.0, posinf=-1.0, neginf=-1.0)


def train(x: np.ndarray, y: np.ndarray, *, seed: int = 0) -> HistGradientBoostingRegressor:
    """Small, strongly regularised trees: past outcomes are few and noisy, and a model that memorises
    the training orders ranks the next ones worse than the hand-weighted score."""
    model = HistGradientBoostingRegressor(
        max_iter=100,
        learning_rate=0.05,
        max_leaf_nodes=7,
        min_samples_leaf=max(20, min(200, len(y) // 100)),
        l2_regularization=10.0,
        random_state=seed,
    )
    model.fit(x, y)
    return model


def predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x), dtype=np.float32)


# ---------------------------------------------------------------- metrics


def ndcg_at_k(scores: np.ndarray, grades: np.ndarray, k: int = 10) -> float:
    """NDCG@k of one ranked list (higher score first) against graded relevance."""
    order = np.argsort(-scores, kind="stable")[:k]
    gains = (2.0 ** grades[order] - 1) / np.log2(np.arange(2, len(order) + 2))
    ideal = np.sort(grades)[::-1][:k]
    ideal_gain = ((2.0**ideal - 1) / np.log2(np.arange(2, len(ideal) + 2))).sum()
    return float(gains.sum() / ideal_gain) if ideal_gain > 0 else 0.0


def recall_at_k(scores: np.ndarray, relevant: np.ndarray, k: int = 50) -> float:
    total = int(relevant.sum())
    if total == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")[:k]
    return float(relevant[order].sum() / total)


@dataclass
class Evaluation:
    ndcg10: float
    recall50: float
    queries: int


def evaluate(groups: list[tuple[np.ndarray, np.ndarray]], *, relevant_grade: float = 2.0) -> Evaluation:
    """Mean NDCG@10 / recall@50 over queries; each group is (scores, grades) for one order's pool."""
    scored = [(s, g) for s, g in groups if (g > 0).any()]
    if not scored:
        return Evaluation(0.0, 0.0, 0)
    ndcg = np.mean([ndcg_at_k(s, g, 10) for s, g in scored])
    recall = np.mean([recall_at_k(s, g >= relevant_grade, 50) for s, g in scored])
    return Evaluation(float(ndcg), float(recall), len(scored))
