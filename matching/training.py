"""Train and evaluate the re-ranker on past collaborations, split by time, with point-in-time features.

Each past order becomes one query whose candidates are the creators it offered, graded by their
outcome (matching.learn.relevance). Every feature that comes from history — reliability, the
new-creator boost, the conversion goal's performance, the shrunk track record — is computed as of
the order's offer date from deals answered or finished strictly before it, never from the order
itself or anything later; the population prior the track records are shrunk toward is fitted on
the history before the first held-out order. The oldest orders train, the newest ``HOLDOUT`` share
evaluate. A seeded sample of eligible creators the order did not offer is kept beside each query:
the propensity model learns from it, and the evaluation reports a second pool where those count as
not relevant (what most logs-based evaluations do; it rewards imitating the brands' choices).

Arrays in, plain data out: the past orders, deal events and imported aggregates come from
matching.features (``training_history``), and matching.services.matcher_model_train saves what
``train`` returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from creators import track_record
from matching import baselines, learn, scoring
from matching.snapshot import HISTORY_METRICS, METRIC_NAMES, Snapshot, history_view

log = logging.getLogger(__name__)

NEGATIVES_PER_ORDER = 200
HOLDOUT = 0.25
METHODS = ("learned", "hand", "content", "heuristic_history", "heuristic", "tag_overlap", "popularity")
RELEVANT_GRADE = 2.0
HISTORY_ROWS = [METRIC_NAMES.index(name) for name in HISTORY_METRICS]


@dataclass(frozen=True)
class PastOrder:
    """A past order with answered offers, as training reads it (matching.features.past_orders reads them)."""

    order_id: int
    goal: str
    when: float  # the offer date, POSIX seconds: the first offer (the publication where offers carry no time)
    query: scoring.OrderQuery  # as the ranker asks it, with no creator excluded
    offers: list[tuple]  # (creator id, accepted, on time, rating, views, offered at, conversions)


@dataclass
class Group:
    """One past order: its offered creators (graded) and a sample of eligible creators it did not offer."""

    order_id: int
    when: float  # offer time, POSIX seconds
    x: np.ndarray  # features of the offered creators
    grades: np.ndarray
    scores: dict[str, np.ndarray]  # method → scores of the offered creators
    x_others: np.ndarray  # features of the sampled creators not offered
    others_scores: dict[str, np.ndarray]
    others_weight: float  # how many eligible non-offered creators each sampled one stands for


@dataclass
class Report:
    train_orders: int
    holdout_orders: int
    train_rows: int
    skipped: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, dict] = field(default_factory=dict)
    gain: dict = field(default_factory=dict)  # learned − hand, per held-out order: mean and interval
    # The same difference over the earlier and the later half of the held-out orders (by offer date).
    halves: dict = field(default_factory=dict)
    # The same difference on the pool measure: the offered creators plus the sampled ones not offered.
    pool: dict = field(default_factory=dict)
    weight: float = 0.0  # the blend weight chosen (choose_weight); 0: the model leaves the hand score as it is
    tried: dict = field(default_factory=dict)  # per blend weight tried: what the gate read

    @property
    def learned_beats_hand(self) -> bool:
        """The gate: a blend weight above zero passed every check of ``passes`` on the held-out orders."""
        return self.weight > 0 and passes({"overall": self.gain, **self.halves, "pool": self.pool})

    @property
    def gate(self) -> dict:
        """What the gate read, for the command's output and the model record."""
        return {
            "overall": self.gain,
            **self.halves,
            "pool": self.pool,
            "weight": self.weight,
            "tried": self.tried,
            "passed": self.learned_beats_hand,
        }


# The gate's intervals: several blend weights are tried on the same held-out orders, so each interval is
# widened to keep the chance that any passes by noise alone at 5 % (Bonferroni over learn.BLEND_WEIGHTS).
GATE_CONFIDENCE = 1 - 0.05 / len(learn.BLEND_WEIGHTS)


def passes(paired: dict) -> bool:
    """The checks a blend weight must pass on the held-out orders, all later than every training order:
    among the creators they offered, the interval (GATE_CONFIDENCE) of the paired learned − hand difference
    lies above zero, over all of them AND over the earlier and the later half of them alike (a win that
    holds only when pooled, or fades with time, is no win); AND on the pool measure (those creators plus the
    sampled eligible ones the orders did not offer, counted as not relevant) it is not behind on average.

    The first two ask for a gain where outcomes are known; the last for no loss where they are not: the
    offered creators are ten a brand already chose, while the model re-orders the hand score's top 500.
    A model that lifts creators no brand asked over the ones brands asked and that delivered, more than
    the hand score does, is moving creators it has no evidence about. The pool measure rewards imitating
    past choices, so a gain there proves nothing and is not asked for; a loss is what the gate refuses.

    Each half's interval must clear zero, not only its mean: with the mean alone, a model trained on
    outcomes drawn at random passed in 3 of 24 seeds (tests/matching/test_training.py's no-signal test
    over seeds 5–28, 160 past orders); with the intervals, in none."""
    overall, pool = paired.get("overall"), paired.get("pool")
    if not overall or not (overall["mean"] > 0 and overall["low"] > 0):
        return False
    halves = [paired.get(name) for name in ("earlier", "later")]
    if not all(halves) or not all(h["mean"] > 0 and h["low"] > 0 for h in halves):
        return False
    return bool(pool) and pool["mean"] >= 0


@dataclass
class History:
    groups: list[Group]
    skipped: dict[str, int]
    prior: track_record.Prior


def history_groups(
    snap: Snapshot, past: list[PastOrder], events, imported, *, seed: int = 0, holdout: float = HOLDOUT, progress=None
) -> History:
    """Every past order with answered offers as a Group, oldest first, with point-in-time features.

    ``past``: the orders (matching.features.past_orders), ``events``: every deal's answer and outcome
    (features.deal_events), ``imported``: the imported track-record aggregates by snapshot row
    (features.imported_aggregates); matching.features.training_history reads all three."""
    past = sorted(past, key=lambda p: (p.when, p.order_id))
    prior = _prior_before_holdout(snap, events, imported, [p.when for p in past], holdout)
    rng = np.random.default_rng(seed)
    groups, skipped = [], {}
    for order in past:
        group, reason = _group(snap, order, events, imported, prior, rng)
        if group is not None:
            groups.append(group)
        else:
            skipped[reason] = skipped.get(reason, 0) + 1
        if progress:
            progress(1)
    return History(groups, skipped, prior)


def _prior_before_holdout(snap, events, imported, times: list[float], holdout: float) -> track_record.Prior:
    """The population prior, fitted on the history known when the first held-out order made its offers."""
    cut = times[round(len(times) * (1 - holdout))] if times and round(len(times) * (1 - holdout)) < len(times) else None
    ids = snap.creator_ids
    deals = track_record.stats_from_events(events, ids, as_of=cut)
    combined = {k: v.copy() for k, v in deals.items()}
    track_record.add_imported(combined, **_imported_for(imported, np.arange(snap.n)))
    return track_record.fit_prior(combined, deals=deals)


def _imported_for(imported: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[rows] for k, v in imported.items()}


def history_as_of(snap, rows, events, imported, prior, *, when: float, order_id: int | None) -> dict:
    """history_view of ``rows`` from the deals known strictly before ``when`` (excluding ``order_id``'s)."""
    rows = np.asarray(rows, dtype=np.int64)
    order = np.argsort(snap.creator_ids[rows], kind="stable")
    stats = track_record.stats_from_events(events, snap.creator_ids[rows][order], as_of=when, exclude_order=order_id)
    track_record.add_imported(stats, **_imported_for(imported, rows[order]))
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    stats = {k: v[back] for k, v in stats.items()}
    completion = snap.metrics[METRIC_NAMES.index("completion_rate"), rows]
    return history_view(snap.reference, stats, completion, prior)


def _group(snap, order: PastOrder, events, imported, prior, rng) -> tuple[Group | None, str]:
    offers, when, query = order.offers, order.when, order.query
    ids = np.array([o[0] for o in offers], dtype=np.int64)
    offered = snap.rows_of(ids)
    known = offered >= 0
    if not known.any():
        return None, "no offered creator is in the snapshot"
    block = scoring.score_block(snap, query, 0, snap.n)
    pool_mask = block.mask.copy()
    pool_mask[offered[known]] = False
    others = np.flatnonzero(pool_mask)
    sample = rng.choice(others, size=min(NEGATIVES_PER_ORDER, len(others)), replace=False)
    o = [offers[i] for i in np.flatnonzero(known)]
    rows = offered[known]
    grades = learn.relevance(
        accepted=[x[1] for x in o],
        completed_on_time=[bool(x[2]) for x in o],
        rating=[np.nan if x[3] is None else x[3] for x in o],
        views=[np.nan if x[4] is None else x[4] for x in o],
        expected_views=snap.median_views[rows],
        conversions=[np.nan if x[6] is None else x[6] for x in o],
        # What the brand paid for: a conversion brief's offer is judged by its sales, not its reach.
        conversion_rate=prior.conv_mean if order.goal == "conversion" else None,
    )
    x, scores = _features(snap, query, block, rows, events, imported, prior, when, order.order_id)
    x_others, others_scores = _features(snap, query, block, sample, events, imported, prior, when, order.order_id)
    return (
        Group(
            order_id=order.order_id,
            when=when,
            x=x,
            grades=grades,
            scores=scores,
            x_others=x_others,
            others_scores=others_scores,
            others_weight=len(others) / max(len(sample), 1),
        ),
        "",
    )


def _features(snap, query, block, rows, events, imported, prior, when, order_id) -> tuple[np.ndarray, dict]:
    """Features and method scores of ``rows`` for one past order, eligible or not, as of ``when``."""
    history = history_as_of(snap, rows, events, imported, prior, when=when, order_id=order_id)
    comps = point_in_time_components(snap, query, block, rows, history)
    hand = hand_score(query, comps)
    metrics = snap.metrics[:, rows].copy()
    metrics[HISTORY_ROWS] = history["metrics"]
    x = learn.candidate_features(snap, query, rows, hand, comps, metrics=metrics)
    # The baselines read the same point-in-time track record as the hand score (heuristic_history).
    scores = {"hand": hand, "content": comps["content"], **baselines.scores(snap, query, rows, metrics)}
    return x, scores


def point_in_time_components(snap, query, block, rows, history) -> dict[str, np.ndarray]:
    comps = scoring.static_components(snap, query, rows)
    comps["content"] = block.content[rows]
    comps["audience"] = block.audience_for(rows)
    comps["reliability"] = history["reliability"]
    comps["exploration"] = history["exploration"]
    if query.goal == "conversion":
        comps["performance"] = history["conversion_performance"]
    return comps


def hand_score(query, comps: dict[str, np.ndarray]) -> np.ndarray:
    """The hand-weighted score from components (the same sum the ranker computes)."""
    w = scoring.WEIGHTS[query.goal]
    total = sum(np.float32(w[c]) * comps[c] for c in w)
    return (total + np.float32(scoring.EXPLORATION_WEIGHT) * comps["exploration"]).astype(np.float32)


def split(groups: list[Group], holdout: float = HOLDOUT) -> tuple[list[Group], list[Group]]:
    ordered = sorted(groups, key=lambda g: (g.when, g.order_id))
    cut = round(len(ordered) * (1 - holdout))
    return ordered[:cut], ordered[cut:]


def fit(train_groups: list[Group], *, seed: int = 0):
    """The re-ranker from within-order comparisons, weighted by inverse propensity (matching.learn)."""
    x = np.vstack([g.x for g in train_groups])
    grades = np.concatenate([g.grades for g in train_groups])
    order_ids = np.concatenate([np.full(len(g.grades), g.order_id) for g in train_groups])
    x_others = np.vstack([g.x_others for g in train_groups])
    others_weight = np.concatenate([np.full(len(g.x_others), g.others_weight) for g in train_groups])
    weights = learn.propensity_weights(x, x_others, others_weight, order_ids)
    target = learn.within_order(grades, order_ids)
    model = learn.train(x, target, weights=weights, seed=seed)
    return learn.reranker(model, x, order_ids), len(target)


def method_scores(model, group: Group) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each method's scores of the offered creators and of the sampled others."""
    offered, others = dict(group.scores), dict(group.others_scores)
    if model is not None:
        offered["learned"] = learn.predict(model, group.x)
        others["learned"] = learn.predict(model, group.x_others) if len(group.x_others) else np.empty(0)
    return offered, others


def evaluate_methods(model, holdout: list[Group], *, seed: int = 0) -> tuple[dict[str, dict], dict]:
    """Per method: NDCG@10 among the creators each held-out order offered (outcomes known; what the gate
    reads), and NDCG@10 / recall@50 over offered + sampled others (counted as not relevant), each
    with a 95 % bootstrap interval over orders. Also the paired learned − hand difference."""
    metrics, paired = evaluate_over_time(model, holdout, seed=seed)
    return metrics, paired.get("overall", {})


def evaluate_over_time(
    model, holdout: list[Group], *, seed: int = 0, confidence: float = 0.95
) -> tuple[dict[str, dict], dict]:
    """evaluate_methods' metrics, and the paired learned − hand differences the gate reads (``passes``),
    each with its interval (``confidence``): among the offered creators over every held-out order
    ("overall") and over the earlier and the later half of them (oldest first), and on the pool measure
    ("pool")."""
    scored = sorted((g for g in holdout if (g.grades > 0).any()), key=lambda g: (g.when, g.order_id))
    per: dict[str, dict[str, list]] = {}
    for g in scored:
        offered, others = method_scores(model, g)
        # Shuffled once per order: a method that ties (tag overlap is often 0) must not win by
        # keeping the offered creators first in the order they were listed.
        shuffle = np.random.default_rng([seed, g.order_id]).permutation(len(g.grades) + len(g.x_others))
        pool_grades = np.concatenate([g.grades, np.zeros(len(g.x_others), dtype=np.float32)])[shuffle]
        for name in METHODS:
            if name not in offered:
                continue
            pool = np.concatenate([offered[name], others[name]]).astype(np.float64)[shuffle]
            row = per.setdefault(name, {"offered": [], "pool": [], "recall": []})
            row["offered"].append(learn.ndcg_at_k(offered[name], g.grades, 10))
            row["pool"].append(learn.ndcg_at_k(pool, pool_grades, 10))
            row["recall"].append(learn.recall_at_k(pool, pool_grades >= RELEVANT_GRADE, 50))
    metrics = {
        name: {
            "ndcg10": learn.interval(v["offered"], seed=seed).as_dict(),
            "pool_ndcg10": learn.interval(v["pool"], seed=seed).as_dict(),
            "pool_recall50": learn.interval(v["recall"], seed=seed).as_dict(),
            "queries": len(v["offered"]),
        }
        for name, v in per.items()
    }
    paired = {}
    if "learned" in per:
        difference = np.subtract(per["learned"]["offered"], per["hand"]["offered"])
        middle = len(difference) // 2
        pool = np.subtract(per["learned"]["pool"], per["hand"]["pool"])
        paired = {
            "overall": learn.interval(difference, seed=seed, confidence=confidence).as_dict(),
            "earlier": learn.interval(difference[:middle], seed=seed, confidence=confidence).as_dict(),
            "later": learn.interval(difference[middle:], seed=seed, confidence=confidence).as_dict(),
            "pool": learn.interval(pool, seed=seed, confidence=confidence).as_dict(),
        }
    return metrics, paired


def choose_weight(reranker: learn.Reranker, holdout: list[Group], *, seed: int = 0):
    """The largest blend weight (learn.BLEND_WEIGHTS) that ``passes`` on the held-out orders, or 0 when none
    does. Returns (weight, its metrics, its paired differences, what each weight tried read); with no weight
    passing, the figures are the smallest weight's: the least the model could move, and still not enough.

    The hand score is the reference and the model an adjustment to it; how far the adjustment may move
    the hand ranking is decided by evidence, not fixed: the further the model moves it, the more it can
    gain among the creators brands offered and the more it can lose among the ones they did not (on
    every bench/quality.py world, the pool loss grew with the weight). Trying several weights on the same
    holdout is several chances for noise to pass, so each interval is widened to keep the chance that any
    of them passes by noise alone at 5 % (Bonferroni: a 1 − 0.05/4 interval for four weights): at the
    smallest weights the model moves few creators, and a plain 95 % interval over mostly-zero differences
    passed a model trained on outcomes drawn at random (tests/matching/test_training.py)."""
    tried: dict[str, dict] = {}
    for weight in learn.BLEND_WEIGHTS:
        metrics, paired = evaluate_over_time(
            reranker.with_weight(weight), holdout, seed=seed, confidence=GATE_CONFIDENCE
        )
        tried[str(weight)] = {**paired, "passed": passes(paired)}
        if tried[str(weight)]["passed"]:
            return weight, metrics, paired, tried
    return 0.0, metrics, paired, tried


def train(history: History, *, seed: int = 0) -> tuple[learn.Reranker, Report]:
    """Train on the older orders and choose the blend weight on the newer (``choose_weight``: the largest
    that ``passes``, else 0): the model, carrying that weight, and what the gate read."""
    train_groups, holdout = split(history.groups)
    if len(train_groups) < 5 or not holdout:
        raise ValueError(
            f"not enough history to train: {len(history.groups)} orders with known outcomes (need at least 7)"
        )
    model, rows = fit(train_groups, seed=seed)
    weight, metrics, paired, tried = choose_weight(model, holdout, seed=seed)
    halves = {name: paired[name] for name in ("earlier", "later") if name in paired}
    report = Report(
        len(train_groups),
        len(holdout),
        rows,
        history.skipped,
        metrics,
        paired.get("overall", {}),
        halves,
        paired.get("pool", {}),
        weight,
        tried,
    )
    return model.with_weight(weight), report
