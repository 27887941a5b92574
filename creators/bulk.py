"""Write many creators at once with PostgreSQL COPY (imports and demo data).

The caller validates first; this module only writes, in chunks, inside the caller's
transaction — so a failure anywhere rolls the whole import back.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection
from django.utils import timezone

from creators.handles import is_reserved
from creators.models import Creator, CreatorLabel, RatePrice
from marketplace.core import echo

CHUNK = 20_000


@dataclass
class CreatorRecord:
    """One validated creator, ready for COPY. Labels are (label id, weight); rates (format, minor units)."""

    handle: str
    display_name: str
    bio: str = ""
    platform: str = "douyin"
    platform_handle: str = ""
    country: str = ""
    content_sample: str = ""
    is_active: bool = True
    verification: str = "unverified"
    max_concurrent: int = 3
    external_load: int = 0
    audience_age: dict = field(default_factory=dict)
    audience_gender: dict = field(default_factory=dict)
    audience_region: dict = field(default_factory=dict)
    followers: int = 0
    # None is "unknown", which the matcher treats differently from 0.
    median_views_30d: int | None = None
    median_views_90d: int | None = None
    engagement_rate: float | None = None
    completion_rate: float | None = None
    hit_video_share: float | None = None
    follower_growth_30d: float | None = None
    # A track record from before this platform, with the number of orders behind each rate (None: not given).
    fulfilment_rate: float | None = None
    fulfilment_orders: int | None = None
    avg_rating: float | None = None
    rating_count: int | None = None
    completed_orders: int = 0
    labels: Sequence[tuple[int, float]] = ()
    rates: Sequence[tuple[str, int]] = ()


_CREATOR_COLUMNS = (
    "id",
    "handle",
    "display_name",
    "bio",
    "platform",
    "platform_handle",
    "country",
    "content_sample",
    "is_active",
    "verification",
    "verified_at",
    "max_concurrent",
    "external_load",
    "audience_age",
    "audience_gender",
    "audience_region",
    "followers",
    "median_views_30d",
    "median_views_90d",
    "engagement_rate",
    "completion_rate",
    "hit_video_share",
    "follower_growth_30d",
    "fulfilment_rate",
    "avg_rating",
    "completed_orders",
    "fulfilment_orders",
    "rating_count",
    "imported_fulfilment_rate",
    "imported_fulfilment_orders",
    "imported_avg_rating",
    "imported_rating_count",
    "authenticity_flags",
    "growth_stage",
    "created_at",
    "updated_at",
)

_TEXT_COLUMNS = (
    "handle",
    "display_name",
    "bio",
    "platform",
    "platform_handle",
    "country",
    "content_sample",
    "verification",
)


def write_creators(
    records: Iterable[CreatorRecord],
    *,
    total: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[int]:
    """COPY ``records`` into the creator tables; returns the new ids in input order."""
    ids: list[int] = []
    chunk: list[CreatorRecord] = []
    for record in records:
        if is_reserved(record.handle):  # importing refuses these row by row; this guards every other writer
            raise ValueError(f"{echo(record.handle)!r} is a reserved handle (creators.handles)")
        chunk.append(record)
        if len(chunk) >= CHUNK:
            ids.extend(_write_chunk(chunk))
            if on_progress:
                on_progress(len(chunk))
            chunk = []
    if chunk:
        ids.extend(_write_chunk(chunk))
        if on_progress:
            on_progress(len(chunk))
    return ids


def _write_chunk(chunk: list[CreatorRecord]) -> list[int]:
    now = timezone.now().isoformat()
    month = date.today().replace(day=1).isoformat()
    currency = settings.CURRENCY
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Creator._meta.db_table, len(chunk)],
        )
        ids = [row[0] for row in cur.fetchall()]
        creators, labels, rates = io.StringIO(), io.StringIO(), io.StringIO()
        cw, lw, rw = csv.writer(creators), csv.writer(labels), csv.writer(rates)
        for pk, r in zip(ids, chunk, strict=True):
            cw.writerow(
                (
                    pk,
                    r.handle,
                    r.display_name,
                    r.bio,
                    r.platform,
                    r.platform_handle,
                    r.country,
                    r.content_sample,
                    r.is_active,
                    r.verification,
                    now if r.verification == "verified" else None,
                    r.max_concurrent,
                    r.external_load,
                    json.dumps(r.audience_age),
                    json.dumps(r.audience_gender),
                    json.dumps(r.audience_region),
                    r.followers,
                    r.median_views_30d,
                    r.median_views_90d,
                    r.engagement_rate,
                    r.completion_rate,
                    r.hit_video_share,
                    r.follower_growth_30d,
                    r.fulfilment_rate,
                    r.avg_rating,
                    r.completed_orders,
                    # Shown counts: an imported rate without its count stands for one order
                    # (creators.track_record.add_imported).
                    _shown_count(r.fulfilment_rate, r.fulfilment_orders),
                    _shown_count(r.avg_rating, r.rating_count),
                    r.fulfilment_rate,
                    r.fulfilment_orders,
                    r.avg_rating,
                    r.rating_count,
                    "[]",
                    Creator._meta.get_field("growth_stage").default,
                    now,
                    now,
                )
            )
            for label_id, weight in r.labels:
                lw.writerow((pk, label_id, weight))
            for fmt, amount in r.rates:
                rw.writerow((pk, fmt, amount, currency, month, now))
        _copy(cur, Creator._meta.db_table, _CREATOR_COLUMNS, creators, text_columns=_TEXT_COLUMNS)
        _copy(cur, CreatorLabel._meta.db_table, ("creator_id", "label_id", "weight"), labels)
        _copy(
            cur,
            RatePrice._meta.db_table,
            ("creator_id", "format", "amount", "currency", "effective_from", "created_at"),
            rates,
        )
    return ids


def _shown_count(rate: float | None, count: int | None) -> int:
    if rate is None:
        return 0
    return 1 if count is None else count


def _copy(cur, table: str, columns: Sequence[str], buffer: io.StringIO, text_columns: Sequence[str] = ()) -> None:
    buffer.seek(0)
    # None is written as an empty unquoted field, which CSV COPY reads as NULL; text columns
    # are NOT NULL, so an empty field there means the empty string.
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({', '.join(text_columns)})" if text_columns else "")
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", buffer)
