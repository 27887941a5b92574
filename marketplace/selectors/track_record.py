"""A creator's track record as the profile pages show it: the raw figures, the counts behind them, and
the shrunk estimates the matcher ranks with (marketplace.track_record)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from creators.models import Creator
from marketplace import track_record

# The matcher stores the prior of its current snapshot here (matching.engine).
PRIOR_CACHE_KEY = "track_record:prior"


@dataclass(frozen=True)
class ShownRecord:
    fulfilment_rate: float | None  # raw: on time ÷ deals with a known outcome
    fulfilment_orders: int
    fulfilment_estimate: float  # shrunk toward the platform's on-time rate by fulfilment_orders
    avg_rating: float | None
    rating_count: int
    rating_estimate: float  # shrunk toward the platform's mean rating by rating_count


def track_record_prior() -> track_record.Prior:
    """The prior of the matcher's latest snapshot (the defaults until one is built): the same shrinkage on
    the page as in the ranking, with no query per page."""
    stored = cache.get(PRIOR_CACHE_KEY)
    return track_record.Prior.from_dict(stored or track_record.DEFAULT_PRIOR)


def creator_track_record(creator: Creator) -> ShownRecord:
    on_time_n, ratings = creator.fulfilment_orders, creator.rating_count
    est = track_record.one(
        track_record_prior(),
        on_time_n=on_time_n,
        on_time=on_time_n * (creator.fulfilment_rate or 0.0),
        ratings=ratings,
        rating_sum=ratings * (creator.avg_rating or 0.0),
    )
    return ShownRecord(
        fulfilment_rate=creator.fulfilment_rate if on_time_n else None,
        fulfilment_orders=on_time_n,
        fulfilment_estimate=float(est.on_time[0]),
        avg_rating=creator.avg_rating if ratings else None,
        rating_count=ratings,
        rating_estimate=float(est.rating[0]),
    )
