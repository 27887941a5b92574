"""The learned re-ranker and the ranking metrics: scikit-learn, scipy and numpy only, arrays in, plain data out.

The model re-orders the hand-ranked top RERANK_POOL of an order. Its features are the score
components plus the creator's metrics and shrunk track record; its target is the graded outcome of
past offers (see ``relevance``).

Past offers are what brands chose, and brands choose popular creators: a learner fed "offered vs
not offered" learns popularity. So the model learns only from comparisons *within* an order among
the creators it actually offered (each offer's grade minus the order's mean grade: a fixed-effects,
i.e. listwise, regression), and each offer is weighted by the inverse of its estimated propensity
to be offered (``propensity_weights``), so the few offers brands made outside their habits count
for the many similar creators they never asked. Monotone constraints keep the trees sane where the
logs are thin: a better content fit, audience fit or track record never lowers the prediction.
Whether the model is used at all is decided on a time-based holdout (matching.training).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from matching.scoring import COMPONENTS, FORMATS, OrderQuery
from matching.snapshot import BASE_METRICS, HISTORY_METRICS, METRIC_NAMES

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingRegressor

# scikit-learn is imported where a model is fitted or scored, not here: importing it (and scipy.stats
# with it) costs ~1.6 s, which every process that ranks without an active model — rank_order from a
# script, the web pages, the worker — would otherwise pay at start.

RERANK_POOL = 500
# The one definition of the re-ranker's inputs, in column order: ``features`` builds the matrix from it by
# name (training's and the ranker's alike, through ``candidate_features``), a trained
# Reranker records it, and a model whose recorded list differs is refused (``check``) rather than fed
# columns it never learned from.
FEATURE_NAMES = (*COMPONENTS, "hand_score", *METRIC_NAMES, "price_to_budget")
# +1: the prediction may only rise with the feature (everything else: unconstrained).
INCREASING = {
    "content",
    "audience",
    "reliability",
    "hand_score",
    "on_time",
    "rating",
    "views_lift",
    "acceptance",
}
MAX_PROPENSITY_WEIGHT = 10.0
# The blend weights training tries, largest first (matching.training.choose_weight): the model moves the hand
# ranking only as far as the holdout allows, and not at all (weight 0) when no weight passes the gate.
BLEND_WEIGHTS = (0.5, 0.25, 0.1, 0.05)


def relevance(
    *, accepted, completed_on_time, rating, views, expected_views, conversions=None, conversion_rate=None
) -> np.ndarray:
    """Graded outcome of an offer: 0 declined or expired, 1 accepted, 2 completed on time, +1 for a rating
    of 4 or 5, +1 for what the order paid for (max 4): views at or above the expected views, or, for an
    order that pays for sales (``conversion_rate``: the population's conversions per view), conversions
    per view at or above that rate where conversions are known (the views where they are not)."""
    accepted = np.asarray(accepted, dtype=bool)
    on_time = np.asarray(completed_on_time, dtype=bool) & accepted
    grade = accepted.astype(np.float32) + on_time.astype(np.float32)
    rating = np.nan_to_num(np.asarray(rating, dtype=np.float64))
    views = np.nan_to_num(np.asarray(views, dtype=np.float64))
    expected = np.maximum(np.nan_to_num(np.asarray(expected_views, dtype=np.float64)), 1)
    grade += (on_time & (rating >= 4)).astype(np.float32)
    delivered = views >= expected
    if conversion_rate is not None and conversions is not None:
        sold = np.asarray(conversions, dtype=np.float64)
        known = np.isfinite(sold) & (views > 0)
        delivered = np.where(known, np.nan_to_num(sold) >= conversion_rate * views, delivered)
    grade += (on_time & delivered).astype(np.float32)
    return grade


def features(
    components: dict[str, np.ndarray], hand_score: np.ndarray, metrics: np.ndarray, price_to_budget: np.ndarray
) -> np.ndarray:
    """Feature matrix [rows, FEATURE_NAMES], each column looked up by its name (``metrics``: the
    snapshot's rows, in METRIC_NAMES order). Missing metrics become -1, a value no real metric takes,
    so trees can split "unknown" apart (and an all-missing column still trains)."""
    if len(metrics) != len(METRIC_NAMES):
        raise ValueError(f"{len(metrics)} metric rows given, the snapshot defines {len(METRIC_NAMES)} (METRIC_NAMES)")
    by_name = {
        **{c: components[c] for c in COMPONENTS},
        "hand_score": hand_score,
        **dict(zip(METRIC_NAMES, metrics, strict=True)),
        "price_to_budget": price_to_budget,
    }
    cols = [np.asarray(by_name[name], dtype=np.float32) for name in FEATURE_NAMES]
    return np.nan_to_num(np.column_stack(cols), nan=-1.0, posinf=-1.0, neginf=-1.0)


def candidate_features(snap, query: OrderQuery, rows, hand_scores, comps, *, metrics=None) -> np.ndarray:
    """The re-ranker's features of ``rows`` (``metrics``: the snapshot's, or training's as of a past date)."""
    price = snap.price[FORMATS.index(query.format), rows].astype(np.float64)
    metrics = snap.metrics[:, rows] if metrics is None else metrics
    return features(comps, hand_scores, metrics, price / max(query.budget, 1))


class FeatureListChanged(ValueError):
    """A saved model was trained on another feature list than the one the code now builds."""


def check(model) -> None:
    """Refuse a model trained on another feature list than FEATURE_NAMES (names and order)."""
    names = getattr(model, "feature_names", None)
    if names is None:
        # Saved before models recorded their list (the list has not changed since): the width must agree.
        width = getattr(getattr(model, "model", model), "n_features_in_", len(FEATURE_NAMES))
        if width != len(FEATURE_NAMES):
            raise FeatureListChanged(f"the model takes {width} features, the ranker builds {len(FEATURE_NAMES)}")
        return
    if tuple(names) != FEATURE_NAMES:
        missing = [n for n in names if n not in FEATURE_NAMES]
        added = [n for n in FEATURE_NAMES if n not in names]
        raise FeatureListChanged(
            "the model was trained on another feature list"
            + (f"; no longer built: {', '.join(missing)}" if missing else "")
            + (f"; new: {', '.join(added)}" if added else "")
            + ("" if missing or added else "; same names in another order")
        )


def train(x: np.ndarray, y: np.ndarray, *, weights: np.ndarray | None = None, seed: int = 0):
    """Small, strongly regularised, monotone trees on within-order targets: past outcomes are few and
    noisy, and a model that memorises the training orders ranks the next ones worse than the hand score."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(
        max_iter=150,
        learning_rate=0.05,
        max_leaf_nodes=7,
        min_samples_leaf=max(20, min(200, len(y) // 100)),
        l2_regularization=10.0,
        monotonic_cst=[1 if name in INCREASING else 0 for name in FEATURE_NAMES],
        random_state=seed,
    )
    model.fit(x, y, sample_weight=weights)
    return model


def within_order(grades: np.ndarray, order_ids: np.ndarray) -> np.ndarray:
    """Each grade minus the mean grade of its order: what is left to learn is who did better than whom."""
    _, inverse, counts = np.unique(order_ids, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=grades) / counts
    return grades - means[inverse]


PROPENSITY_FEATURES = ("hand_score", "log_followers", "log_views", "content", "audience", "price_to_budget")


def propensity_weights(
    x_offered: np.ndarray, x_others: np.ndarray, others_weight: np.ndarray, order_offered: np.ndarray
) -> np.ndarray:
    """Inverse-propensity weights for offered rows, each order's weights averaging 1, capped at 10.

    The propensity P(offered | features) is a logistic regression of offered rows against a sample of
    eligible creators not offered, each sampled row standing for ``others_weight`` creators.
    """
    cols = [FEATURE_NAMES.index(n) for n in PROPENSITY_FEATURES]
    a, b = x_offered[:, cols], x_others[:, cols]
    if not len(b):
        return np.ones(len(a))
    from sklearn.linear_model import LogisticRegression

    xs = np.vstack([a, b])
    mean, sd = xs.mean(axis=0), xs.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=500)
    model.fit(
        (xs - mean) / sd, np.r_[np.ones(len(a)), np.zeros(len(b))], sample_weight=np.r_[np.ones(len(a)), others_weight]
    )
    p = model.predict_proba((a - mean) / sd)[:, 1]
    w = 1 / np.clip(p, 1e-3, 1)
    _, inverse, counts = np.unique(order_offered, return_inverse=True, return_counts=True)
    w = w / (np.bincount(inverse, weights=w) / counts)[inverse]
    return np.minimum(w, MAX_PROPENSITY_WEIGHT)


@dataclass
class Reranker:
    """The hand score plus the outcome model's opinion: final = hand + weight × (hand's within-order
    spread ÷ the model's) × model. The model only learns who did better than whom among offered
    creators; content and audience, which past offers barely vary, stay the hand score's to judge.
    ``weight`` is chosen on the holdout (matching.training.choose_weight); 0 leaves the hand score as it is."""

    model: HistGradientBoostingRegressor
    scale: float  # hand spread ÷ model spread, within orders, on the training offers
    # FEATURE_NAMES as the model was trained (None: saved before models recorded it).
    feature_names: tuple[str, ...] | None = None
    # Models saved before the weight was chosen carry none and read this default: the 0.5 they ranked with.
    weight: float = 0.5

    def adjustment(self, x: np.ndarray) -> np.ndarray:
        check(self)
        if self.weight == 0:
            return np.zeros(len(x), dtype=np.float32)
        # One OpenMP thread: for a few hundred rows, waking the pool costs more than the trees (46 → 8 ms
        # for 500 rows on the 2-vCPU machine), and the ranker's own threads are busy anyway.
        with threadpool_limits(1, user_api="openmp"):
            prediction = self.model.predict(x)
        return np.float32(self.weight * self.scale) * np.asarray(prediction, dtype=np.float32)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return x[:, FEATURE_NAMES.index("hand_score")].astype(np.float32) + self.adjustment(x)

    def with_weight(self, weight: float) -> Reranker:
        return replace(self, weight=float(weight))


# What a move by the learned model is put down to: groups of features, each named in the brand's terms; the
# first feature of each group is its headline component (higher is better), which causes() checks the claim against.
CAUSES = {
    "track_record": ("reliability", "exploration", *HISTORY_METRICS),
    "reach": ("performance", *BASE_METRICS),
    "price": ("value", "price_to_budget"),
    "audience": ("audience",),
    "content": ("content",),
}


def causes(
    reranker: Reranker, x: np.ndarray, up: np.ndarray, *, reference: np.ndarray | None = None
) -> list[str | None]:
    """Per row, the feature group that pushed its adjustment most in the direction it moved (``up``: True
    where the row rose): the adjustment with that group set to its median over ``reference`` (default: the
    rows), subtracted from the real one.

    A group is named only where what its name says is true of the row: a rise is put down to a group
    whose headline component (the first of its features, higher is better) is at or above the median,
    a fall to one at or below it — a tree model may lift a creator for weak reach, and "strong reach"
    would then be false. None where no group is both true and pushing the right way."""
    check(reranker)
    if not len(x):
        return []
    reference = x if reference is None else reference
    # One predict call for every variant: the model's per-call overhead dominates at these sizes.
    variants = [x]
    for names in CAUSES.values():
        cols = [FEATURE_NAMES.index(n) for n in names]
        neutral = x.copy()
        neutral[:, cols] = np.median(reference[:, cols], axis=0)
        variants.append(neutral)
    adjusted = reranker.adjustment(np.vstack(variants)).reshape(len(variants), len(x))
    sign = np.where(np.asarray(up), 1, -1)[:, None]
    effects = (adjusted[0] - adjusted[1:]).T * sign
    headline = [FEATURE_NAMES.index(names[0]) for names in CAUSES.values()]
    side = (x[:, headline] - np.median(reference[:, headline], axis=0)) * sign
    effects = np.where((side >= 0) & (effects > 0), effects, -np.inf)
    groups = list(CAUSES)
    best = np.argmax(effects, axis=1)
    return [groups[b] if np.isfinite(effects[i, b]) else None for i, b in enumerate(best)]


def reranker(model, x: np.ndarray, order_ids: np.ndarray) -> Reranker:
    hand = within_order(x[:, FEATURE_NAMES.index("hand_score")].astype(np.float64), order_ids)
    pred = within_order(np.asarray(model.predict(x), dtype=np.float64), order_ids)
    return Reranker(model=model, scale=float(hand.std() / max(pred.std(), 1e-9)), feature_names=FEATURE_NAMES)


def predict(model, x: np.ndarray) -> np.ndarray:
    check(model)
    return np.asarray(model.predict(x), dtype=np.float32)


# ---------------------------------------------------------------- metrics


def ndcg_at_k(scores: np.ndarray, grades: np.ndarray, k: int = 10) -> float:
    """NDCG@k of one ranked list (higher score first) against graded relevance (sklearn's, ties averaged)."""
    if len(grades) < 2 or not (np.asarray(grades) > 0).any():
        return 0.0 if not (np.asarray(grades) > 0).any() else 1.0
    from sklearn.metrics import ndcg_score

    return float(
        ndcg_score(np.asarray(grades, dtype=np.float64)[None, :], np.asarray(scores, dtype=np.float64)[None, :], k=k)
    )


def recall_at_k(scores: np.ndarray, relevant: np.ndarray, k: int = 50) -> float:
    total = int(relevant.sum())
    if total == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")[:k]
    return float(relevant[order].sum() / total)


@dataclass
class Interval:
    mean: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def as_dict(self) -> dict:
        return {"mean": round(self.mean, 4), "low": round(self.low, 4), "high": round(self.high, 4)}


def interval(values, *, seed: int = 0, resamples: int = 2000, confidence: float = 0.95) -> Interval:
    """Mean over queries with a bootstrap interval (scipy.stats.bootstrap, BCa; percentile if degenerate),
    95 % unless ``confidence`` says otherwise."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean()) if len(values) else 0.0
    if len(values) < 3 or np.allclose(values, values[0]):
        return Interval(mean, mean, mean)
    from scipy import stats

    rng = np.random.default_rng(seed)
    for method in ("BCa", "percentile"):
        with np.errstate(all="ignore"):
            result = stats.bootstrap(
                (values,), np.mean, n_resamples=resamples, method=method, random_state=rng, confidence_level=confidence
            )
        low, high = result.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return Interval(mean, float(low), float(high))
    return Interval(mean, mean, mean)
