"""Xingtu's value indices, the conversion index, the authenticity signal and the growth stage — pandas.

Every index is a percentile (0–100) within the creator's main interest, of a raw score defined in
docs/indices.md. ``compute`` takes one frame with a row per creator and returns the indices; the
database job (insights.indices_sync) feeds it and writes the result back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INDEX_NAMES = ("reach", "seeding", "value", "growth", "conversion")
INPUT_COLUMNS = (
    "id",
    "interest",
    "followers",
    "median_views_30d",
    "median_views_90d",
    "engagement_rate",
    "completion_rate",
    "follower_growth_30d",
    "price",
    "delivered_views",
    "delivered_engagements",
    "delivered_cost",
    "delivered_clicks",
    "delivered_conversions",
    "previous_followers",
    "previous_views",
)
# A delivered track record counts once it has this many views.
MIN_DELIVERED_VIEWS = 1_000
# Authenticity: robust z beyond which a signal starts to count, and where it saturates.
Z_START, Z_FULL = 3.0, 6.0
# Conversion: how many delivered views of evidence weigh as much as the interest's median rate.
CONVERSION_PRIOR_VIEWS = 20_000
CONVERSION_FLOOR = 1e-6  # under the logarithm, so a rate of zero still ranks (last)
CLICK_SHARE = 0.3  # of the conversion score: clicks lead to conversions, conversions are what is paid for
JUMP_START, JUMP_FULL = 0.5, 2.0  # follower growth between snapshots (+50 % … +200 %) without views following


def mid_rank_percentile(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Percentile of each value within its group: 100 × (rank − ½) / n, ties averaged.

    A group of one gives 50 (the middle), two give 25 and 75; missing values stay missing and
    do not count in n.
    """
    ranks = values.groupby(groups).rank(method="average")
    counts = values.notna().groupby(groups).transform("sum")
    return 100 * (ranks - 0.5) / counts


def shrunk_rate(events: pd.Series, views: pd.Series, groups: pd.Series) -> pd.Series:
    """events ÷ views pulled toward the median rate of the creator's group by the amount of evidence.

    ``(events + m × prior) / (views + m)`` with m = CONVERSION_PRIOR_VIEWS, where the prior is the median
    of ``events / views`` among the group's creators with evidence (all creators' median for a group with
    none). Rows without evidence (views missing or below MIN_DELIVERED_VIEWS) stay NaN.
    """
    has = views.fillna(0) >= MIN_DELIVERED_VIEWS
    rate = (events.fillna(0) / views.where(has)).astype(float)
    overall = rate.median()
    prior = rate.groupby(groups).transform("median").fillna(0.0 if np.isnan(overall) else overall)
    m = CONVERSION_PRIOR_VIEWS
    return ((events.fillna(0) + m * prior) / (views + m)).where(has)


def conversion_raw(f: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """The conversion score of docs/indices.md: 0.3 × ln(shrunk clicks per view) + 0.7 × ln(shrunk
    conversions per view), over the delivered posts' latest results; NaN without delivered evidence."""
    views = f["delivered_views"].astype(float)
    ctr = shrunk_rate(f["delivered_clicks"].astype(float), views, groups)
    cvr = shrunk_rate(f["delivered_conversions"].astype(float), views, groups)
    return CLICK_SHARE * np.log(ctr + CONVERSION_FLOOR) + (1 - CLICK_SHARE) * np.log(cvr + CONVERSION_FLOOR)


def raw_scores(f: pd.DataFrame) -> pd.DataFrame:
    """The five raw scores of docs/indices.md (higher is better), NaN where undefined."""
    views30 = f["median_views_30d"].astype(float)
    followers = f["followers"].astype(float)
    delivered = f["delivered_views"].fillna(0) >= MIN_DELIVERED_VIEWS
    delivered_er = f["delivered_engagements"] / f["delivered_views"].where(delivered)
    er = f["engagement_rate"].where(~delivered, 0.5 * f["engagement_rate"] + 0.5 * delivered_er)
    expected_cpm = f["price"].where(f["price"] > 0) / views30.clip(lower=1) * 1000
    actual_cpm = f["delivered_cost"] / f["delivered_views"].where(delivered) * 1000
    cpm = np.sqrt(expected_cpm * actual_cpm).where(delivered & actual_cpm.gt(0), expected_cpm)
    views_trend = (views30 / f["median_views_90d"].astype(float).clip(lower=1) - 1).clip(-1, 1)
    return pd.DataFrame(
        {
            "reach": 0.6 * np.log1p(views30) + 0.4 * np.log1p(followers),
            "seeding": er * (0.5 + 0.5 * f["completion_rate"].fillna(0)),
            "value": -np.log(cpm),
            "growth": 0.7 * f["follower_growth_30d"].clip(-1, 1) + 0.3 * views_trend,
            "conversion": conversion_raw(f, f["interest"].fillna(-1)),
        },
        index=f.index,
    )


def compute(f: pd.DataFrame) -> pd.DataFrame:
    """Indices (0–100), anomaly score (0–1) with its flags, per creator id."""
    raw = raw_scores(f)
    groups = f["interest"].fillna(-1)
    out = pd.DataFrame({"id": f["id"]})
    for name in INDEX_NAMES:
        out[name] = mid_rank_percentile(raw[name], groups).round(1)
    score, flags = authenticity(f)
    out["authenticity"] = score.round(3)
    out["flags"] = flags
    return out


MIN_SCALE = 0.1  # in log units: a floor under the spread, so a near-uniform population does not flag noise


def _robust_z(residual: pd.Series) -> pd.Series:
    """Distance from the median in robust standard deviations (1.4826 × median absolute deviation)."""
    median = residual.median()
    mad = (residual - median).abs().median() * 1.4826
    scale = max(mad, MIN_SCALE) if np.isfinite(mad) else MIN_SCALE
    return (residual - median) / scale


def _residual_by_scale(y: pd.Series, followers: pd.Series) -> pd.Series:
    """y minus its median among creators of the same follower decade (10k–100k, …): bigger accounts
    naturally engage less, so each is compared with its peers."""
    decade = np.floor(np.log10(followers.clip(lower=10))).astype(int)
    return y - y.groupby(decade).transform("median")


def authenticity(f: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """A 0–1 anomaly score and its reasons; a warning for people, never a ban (docs/indices.md)."""
    followers = f["followers"].astype(float).clip(lower=1)
    log_er = np.log(f["engagement_rate"].astype(float).clip(lower=1e-5))
    log_vpf = np.log(f["median_views_30d"].astype(float).clip(lower=1) / followers)
    z_er = _robust_z(_residual_by_scale(log_er, followers))
    z_views = _robust_z(_residual_by_scale(log_vpf, followers))
    jump = (f["followers"] / f["previous_followers"].where(f["previous_followers"] > 0) - 1).fillna(0)
    views_up = (f["median_views_30d"] / f["previous_views"].where(f["previous_views"] > 0) - 1).fillna(0)
    signals = pd.DataFrame(
        {
            "engagement_too_high": _ramp(z_er, Z_START, Z_FULL),
            "engagement_too_low": _ramp(-z_er, Z_START, Z_FULL),
            "views_too_low_for_followers": _ramp(-z_views, Z_START, Z_FULL),
            # Followers jumped between snapshots while views did not follow them up.
            "follower_jump": _ramp(jump - views_up.clip(lower=0), JUMP_START, JUMP_FULL),
        },
        index=f.index,
    )
    score = signals.max(axis=1)
    flags = signals.apply(lambda row: [name for name, value in row.items() if value >= 0.34], axis=1)
    return score, flags


def _ramp(x: pd.Series, start: float, full: float) -> pd.Series:
    return ((x - start) / (full - start)).clip(0, 1).fillna(0)


# ------------------------------------------------------------------ growth


STAGES = ("departure", "exploration", "harvest", "on_the_road")


def growth_stage(*, completed_orders: int, income_12m: int, rating: float | None, thresholds: dict) -> str:
    """The highest stage whose every threshold is met (thresholds: stage → {orders, income, rating})."""
    reached = "departure"
    for stage in STAGES[1:]:
        need = thresholds[stage]
        if (
            completed_orders >= need["orders"]
            and income_12m >= need["income"]
            and (need["rating"] == 0 or (rating is not None and rating >= need["rating"]))
        ):
            reached = stage
    return reached


def growth_stages(frame: pd.DataFrame, thresholds: dict) -> pd.Series:
    """growth_stage for every row of a frame with completed_orders, income_12m and rating."""
    stage = pd.Series("departure", index=frame.index, dtype=object)
    for name in STAGES[1:]:
        need = thresholds[name]
        ok = (frame["completed_orders"] >= need["orders"]) & (frame["income_12m"] >= need["income"])
        if need["rating"]:
            ok &= frame["rating"].fillna(0) >= need["rating"]
        stage = stage.where(~ok, name)
    return stage
