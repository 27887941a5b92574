"""A creator's track record, estimated one way wherever it is read: the matcher's hand score, the
re-ranker's features, training and evaluation (as of a past date) and the profile pages.

Raw averages lie about creators with little history: one 5-star order is not better evidence than
twenty 4.8-star ones. Each statistic is therefore shrunk toward its own population prior by its
own count (empirical Bayes; the priors are fitted from the population's history):

* on-time rate — Beta–binomial: deals delivered on time out of deals with a known outcome;
* acceptance rate — Beta–binomial: offers accepted out of offers answered;
* rating — normal–normal: the mean brand rating, pulled toward the population mean with a
  strength of (within-creator variance ÷ between-creator variance) pseudo-ratings;
* views — normal–normal on log(views ÷ the views expected for that deal), so a creator is judged
  against their own reach, not against bigger creators;
* conversion — normal–normal on each deal's conversions ÷ views.

Everything here is numpy on arrays of sufficient statistics (``STATS``); callers fetch them
(matching.features, orders.services.track_record) or compute them from dated events
(``stats_from_events``) and pass them in. No ORM.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# Sufficient statistics per creator, in this order.
STATS = (
    "answered",  # offers with a yes/no answer
    "accepted",
    "on_time_n",  # accepted deals whose on-time outcome is known
    "on_time",
    "ratings",
    "rating_sum",
    "rating_sq",
    "views_n",
    "views_log_sum",  # Σ log(views / expected views)
    "views_log_sq",
    "conv_n",
    "conv_sum",  # Σ conversions / views, one term per deal
    "conv_sq",
    "completed",
)
# The views a deal is expected to reach when nothing else is known: the creator's median views.
MIN_EXPECTED_VIEWS = 1.0
# Defaults when the population has too little history to fit a prior from.
DEFAULT_PRIOR = {
    "on_time_mean": 0.8,
    "on_time_strength": 6.0,
    "accept_mean": 0.6,
    "accept_strength": 6.0,
    "rating_mean": 4.0,
    "rating_strength": 3.0,
    "rating_sd": 0.5,
    "views_mean": 0.0,
    "views_strength": 3.0,
    "views_sd": 0.4,
    "conv_mean": 0.005,
    "conv_strength": 3.0,
    "conv_sd": 0.004,
    "evidence_sd": 1.0,
}
MIN_CREATORS_TO_FIT = 30
STRENGTH_GRID = np.geomspace(0.5, 500, 61)
# How the reliability component weighs each statistic's standardised evidence (sums to 1).
RELIABILITY_WEIGHTS = {"on_time": 0.35, "rating": 0.3, "views": 0.2, "accept": 0.15}


@dataclass(frozen=True)
class Prior:
    on_time_mean: float
    on_time_strength: float
    accept_mean: float
    accept_strength: float
    rating_mean: float
    rating_strength: float
    rating_sd: float  # between-creator spread of true mean ratings
    views_mean: float
    views_strength: float
    views_sd: float
    conv_mean: float
    conv_strength: float
    conv_sd: float
    # Spread of the combined evidence among creators with any history: reliability divides by it, so
    # the component spans [0, 1] like the percentile-based ones instead of huddling around 0.5.
    evidence_sd: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values) -> Prior:
        return cls(**{k: float(values.get(k, DEFAULT_PRIOR[k])) for k in DEFAULT_PRIOR})


def empty(n: int) -> dict[str, np.ndarray]:
    return {name: np.zeros(n, dtype=np.float64) for name in STATS}


# --------------------------------------------------------------- events


def stats_from_events(events, creator_ids: np.ndarray, *, as_of=None, exclude_order=None) -> dict[str, np.ndarray]:
    """Sufficient statistics per creator (aligned with sorted ``creator_ids``) from dated deal events.

    ``events`` is a mapping of equal-length arrays: creator_id, order_id, answered_at, finished_at
    (float timestamps; NaN when unknown), accepted (1/0, NaN: no answer), on_time (1/0/NaN), rating,
    views, expected_views, conversions (NaN: unknown). With ``as_of``, an answer counts only if it
    came strictly before it and an outcome only if the deal finished strictly before it, and the
    deals of ``exclude_order`` never count: the features of a past order see only its past.
    """
    ids = np.asarray(creator_ids, dtype=np.int64)
    out = empty(len(ids))
    creator = np.asarray(events["creator_id"], dtype=np.int64)
    if len(creator) == 0 or len(ids) == 0:
        return out
    pos = np.minimum(np.searchsorted(ids, creator), len(ids) - 1)
    known = ids[pos] == creator
    if exclude_order is not None:
        known &= np.asarray(events["order_id"]) != exclude_order
    answered = known & np.isfinite(events["accepted"])
    finished = known & (np.asarray(events["accepted"]) == 1)
    if as_of is not None:
        answered &= np.asarray(events["answered_at"]) < as_of
        finished &= np.asarray(events["finished_at"]) < as_of

    def add(name, mask, values=None):
        weights = np.ones(mask.sum()) if values is None else np.asarray(values, dtype=np.float64)[mask]
        out[name] += np.bincount(pos[mask], weights=weights, minlength=len(ids))

    accepted = np.nan_to_num(np.asarray(events["accepted"], dtype=np.float64))
    add("answered", answered)
    add("accepted", answered, accepted)
    on_time = np.asarray(events["on_time"], dtype=np.float64)
    has = finished & np.isfinite(on_time)
    add("on_time_n", has)
    add("on_time", has, on_time)
    add("completed", finished & (np.isfinite(np.asarray(events["finished_at"], dtype=np.float64))))
    rating = np.asarray(events["rating"], dtype=np.float64)
    has = finished & np.isfinite(rating)
    add("ratings", has)
    add("rating_sum", has, rating)
    add("rating_sq", has, rating**2)
    views = np.asarray(events["views"], dtype=np.float64)
    lift = views_lift(views, np.asarray(events["expected_views"], dtype=np.float64))
    has = finished & np.isfinite(lift)
    add("views_n", has)
    add("views_log_sum", has, lift)
    add("views_log_sq", has, lift**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        conv = np.asarray(events["conversions"], dtype=np.float64) / views
    has = finished & np.isfinite(conv) & (views > 0)
    add("conv_n", has)
    add("conv_sum", has, conv)
    add("conv_sq", has, conv**2)
    return out


def views_lift(views: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """log(views ÷ expected views) per deal; NaN where the views are unknown."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.maximum(views, 0) + 1) - np.log(np.maximum(np.nan_to_num(expected), 0) + 1)


def add_imported(stats_: dict[str, np.ndarray], *, fulfilment, fulfilment_orders, rating, rating_count) -> None:
    """Add an imported aggregate (a rate and the number of orders behind it) as that many deals.

    An aggregate imported without its count counts as one deal, and only for a creator with no
    deals of that kind on record: it cannot be combined with history it may already include.
    """
    f = np.asarray(fulfilment, dtype=np.float64)
    n = np.asarray(fulfilment_orders, dtype=np.float64)
    n = np.where(np.isnan(n), np.where(stats_["on_time_n"] > 0, 0.0, 1.0), n)
    n = np.where(np.isfinite(f), n, 0.0)
    stats_["on_time_n"] += n
    stats_["on_time"] += n * np.nan_to_num(f)
    r = np.asarray(rating, dtype=np.float64)
    m = np.asarray(rating_count, dtype=np.float64)
    m = np.where(np.isnan(m), np.where(stats_["ratings"] > 0, 0.0, 1.0), m)
    m = np.where(np.isfinite(r), m, 0.0)
    stats_["ratings"] += m
    stats_["rating_sum"] += m * np.nan_to_num(r)
    stats_["rating_sq"] += m * np.nan_to_num(r) ** 2


# ---------------------------------------------------------------- prior


def fit_prior(stats_: dict[str, np.ndarray], *, deals: dict[str, np.ndarray] | None = None) -> Prior:
    """Population priors from the creators' statistics (defaults where there is too little history).

    ``deals``: the same statistics from deals alone, without imported aggregates; the normal priors'
    within-creator spread is measured on them (an aggregate has no spread of its own).
    """
    values = dict(DEFAULT_PRIOR)
    values["on_time_mean"], values["on_time_strength"] = _fit_beta(stats_["on_time"], stats_["on_time_n"], "on_time")
    values["accept_mean"], values["accept_strength"] = _fit_beta(stats_["accepted"], stats_["answered"], "accept")
    for key, n, s, sq in (
        ("rating", "ratings", "rating_sum", "rating_sq"),
        ("views", "views_n", "views_log_sum", "views_log_sq"),
        ("conv", "conv_n", "conv_sum", "conv_sq"),
    ):
        spread = stats_ if deals is None else deals
        mean, strength, sd = _fit_normal(stats_[n], stats_[s], spread[n], spread[s], spread[sq], key)
        values[f"{key}_mean"], values[f"{key}_strength"], values[f"{key}_sd"] = mean, strength, sd
    values["evidence_sd"] = 1.0
    prior = Prior(**values)
    known = (stats_["on_time_n"] + stats_["ratings"] + stats_["views_n"] + stats_["answered"]) > 0
    if known.sum() >= MIN_CREATORS_TO_FIT:
        spread = float(np.std(_evidence(stats_, prior)[known]))
        if spread > 1e-6:
            prior = Prior(**{**prior.as_dict(), "evidence_sd": spread})
    return prior


def _fit_beta(successes: np.ndarray, trials: np.ndarray, key: str) -> tuple[float, float]:
    """Mean and strength (a + b) of the Beta prior, by maximum marginal (Beta–binomial) likelihood."""
    has = trials > 0
    if has.sum() < MIN_CREATORS_TO_FIT:
        return DEFAULT_PRIOR[f"{key}_mean"], DEFAULT_PRIOR[f"{key}_strength"]
    from scipy import stats  # only when fitting: workers that rank never import scipy.stats

    k, n = np.round(successes[has]), np.round(trials[has])
    mean = float(np.clip(k.sum() / n.sum(), 0.02, 0.98))
    if (n > 1).sum() < MIN_CREATORS_TO_FIT:
        return mean, DEFAULT_PRIOR[f"{key}_strength"]
    loglik = [stats.betabinom.logpmf(k, n, mean * s, (1 - mean) * s).sum() for s in STRENGTH_GRID]
    return mean, float(STRENGTH_GRID[int(np.argmax(loglik))])


def _fit_normal(n, total, dn, dtotal, dsquares, key: str) -> tuple[float, float, float]:
    """Mean, strength (within ÷ between variance) and between-creator sd of a normal–normal prior;
    (n, total) are every creator's counts and sums, (dn, dtotal, dsquares) those of deals alone."""
    has = n > 0
    if has.sum() < MIN_CREATORS_TO_FIT:
        return DEFAULT_PRIOR[f"{key}_mean"], DEFAULT_PRIOR[f"{key}_strength"], DEFAULT_PRIOR[f"{key}_sd"]
    mean = float(total[has].sum() / n[has].sum())
    several = dn > 1
    if several.sum() < MIN_CREATORS_TO_FIT:
        return mean, DEFAULT_PRIOR[f"{key}_strength"], DEFAULT_PRIOR[f"{key}_sd"]
    # Pooled within-creator variance from creators with two or more deals.
    within_ss = dsquares[several] - dtotal[several] ** 2 / dn[several]
    within = float(max(within_ss.sum() / (dn[several] - 1).sum(), 1e-12))
    means = total[has] / n[has]
    between = float(np.average((means - mean) ** 2, weights=n[has]) - within * has.sum() / n[has].sum())
    floor = within / 200  # at most 200 pseudo-observations: history always counts for something
    between = max(between, floor)
    return mean, within / between, float(np.sqrt(between))


# ------------------------------------------------------------- estimates


@dataclass
class Estimates:
    """Shrunk estimates per creator, with the counts behind them."""

    on_time: np.ndarray
    on_time_n: np.ndarray
    accept: np.ndarray
    answered: np.ndarray
    rating: np.ndarray
    ratings: np.ndarray
    views: np.ndarray  # shrunk log(views ÷ expected views)
    views_n: np.ndarray
    conversion: np.ndarray
    conv_n: np.ndarray
    completed: np.ndarray
    reliability: np.ndarray  # the hand score's component, in [0, 1]; 0.5 = no evidence either way


def estimate(stats_: dict[str, np.ndarray], prior: Prior) -> Estimates:
    p = prior
    on_time = _beta_mean(stats_["on_time"], stats_["on_time_n"], p.on_time_mean, p.on_time_strength)
    accept = _beta_mean(stats_["accepted"], stats_["answered"], p.accept_mean, p.accept_strength)
    rating = _normal_mean(stats_["rating_sum"], stats_["ratings"], p.rating_mean, p.rating_strength)
    views = _normal_mean(stats_["views_log_sum"], stats_["views_n"], p.views_mean, p.views_strength)
    conversion = _normal_mean(stats_["conv_sum"], stats_["conv_n"], p.conv_mean, p.conv_strength)
    from scipy import special  # here, not at import: scipy.special costs ~0.4 s of every process's start

    reliability = special.ndtr(_evidence(stats_, p, (on_time, accept, rating, views)) / p.evidence_sd)
    return Estimates(
        on_time=on_time,
        on_time_n=stats_["on_time_n"].copy(),
        accept=accept,
        answered=stats_["answered"].copy(),
        rating=rating,
        ratings=stats_["ratings"].copy(),
        views=views,
        views_n=stats_["views_n"].copy(),
        conversion=conversion,
        conv_n=stats_["conv_n"].copy(),
        completed=stats_["completed"].copy(),
        reliability=reliability.astype(np.float32),
    )


def _evidence(stats_, p: Prior, shrunk=None) -> np.ndarray:
    """The reliability weights' sum of each statistic's standardised shrunk estimate (0: no evidence)."""
    if shrunk is None:
        shrunk = (
            _beta_mean(stats_["on_time"], stats_["on_time_n"], p.on_time_mean, p.on_time_strength),
            _beta_mean(stats_["accepted"], stats_["answered"], p.accept_mean, p.accept_strength),
            _normal_mean(stats_["rating_sum"], stats_["ratings"], p.rating_mean, p.rating_strength),
            _normal_mean(stats_["views_log_sum"], stats_["views_n"], p.views_mean, p.views_strength),
        )
    on_time, accept, rating, views = shrunk
    z = {
        "on_time": (on_time - p.on_time_mean) / _beta_sd(p.on_time_mean, p.on_time_strength),
        "accept": (accept - p.accept_mean) / _beta_sd(p.accept_mean, p.accept_strength),
        "rating": (rating - p.rating_mean) / max(p.rating_sd, 1e-6),
        "views": (views - p.views_mean) / max(p.views_sd, 1e-6),
    }
    return sum(w * z[k] for k, w in RELIABILITY_WEIGHTS.items())


def _beta_mean(successes, trials, mean: float, strength: float) -> np.ndarray:
    return (np.asarray(successes, dtype=np.float64) + mean * strength) / (np.asarray(trials) + strength)


def _beta_sd(mean: float, strength: float) -> float:
    return float(np.sqrt(mean * (1 - mean) / (strength + 1)))


def _normal_mean(total, n, mean: float, strength: float) -> np.ndarray:
    return (np.asarray(total, dtype=np.float64) + mean * strength) / (np.asarray(n) + strength)


def shrink_means(n: np.ndarray, total: np.ndarray, squares: np.ndarray, *, key: str = "rating") -> np.ndarray:
    """Per-group means shrunk toward their common mean by their own counts (normal–normal, the prior
    fitted from these groups; ``key`` names the defaults used when there are too few groups)."""
    n, total, squares = (np.asarray(a, dtype=np.float64) for a in (n, total, squares))
    mean, strength, _sd = _fit_normal(n, total, n, total, squares, key)
    return _normal_mean(total, n, mean, strength)


def one(prior: Prior, **counts: float) -> Estimates:
    """Estimates for one creator from keyword sufficient statistics (the profile pages)."""
    stats_ = empty(1)
    for name, value in counts.items():
        stats_[name][0] = value
    return estimate(stats_, prior)
