"""Keep each creator's shown track record (fulfilment rate, average rating, their counts, completed
orders) equal to the imported aggregate combined with the deals on record.

One writer for both paths that change it: a brand rating a finished deal (one creator) and an
import of past collaborations (many). The combination rule is creators.track_record's
``add_imported``: an aggregate imported with its count adds that many orders; one imported without
a count stands for one order, and only while the creator has no deal of that kind on record.
"""

from __future__ import annotations

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from psycopg2.extras import execute_values

from creators import track_record
from creators.models import Creator
from orders import flows
from orders.models import Collaboration

# The collaboration fields the record is computed from (flows.ACCEPTED_DEAL, flows.COMPLETED_ORDER, the
# on-time and rating counts below): a write to any of them refreshes the creator's record.
TRACK_RECORD_FIELDS = frozenset({"accepted", "completed_at", "completed_on_time", "brand_rating"})
IMPORTED = ("imported_fulfilment_rate", "imported_fulfilment_orders", "imported_avg_rating", "imported_rating_count")


@transaction.atomic
def track_record_refresh(*, creator_ids: list[int] | None = None) -> int:
    """Recompute the shown track record of ``creator_ids`` (None: every creator with a deal or an
    imported aggregate); returns how many creators were updated. Bumps ``updated_at``, so the
    matcher's snapshot patches the creators in."""
    deals = Collaboration.objects.real().filter(flows.ACCEPTED_DEAL)
    creators = Creator.objects.all()
    if creator_ids is not None:
        deals = deals.filter(creator_id__in=creator_ids)
        creators = creators.filter(pk__in=creator_ids)
    else:
        creators = creators.filter(
            Q(pk__in=deals.values("creator_id"))
            | Q(imported_fulfilment_rate__isnull=False)
            | Q(imported_avg_rating__isnull=False)
        )
    per_creator = {
        row["creator_id"]: row
        for row in deals.values("creator_id").annotate(
            on_time_n=Count("id", filter=Q(completed_on_time__isnull=False)),
            on_time=Count("id", filter=Q(completed_on_time=True)),
            ratings=Count("brand_rating"),
            rating_sum=Sum("brand_rating"),
            completed=flows.DEAL_COUNTS["completed_n"],
        )
    }
    rows = list(creators.values_list("id", *IMPORTED))
    if not rows:
        return 0
    stats = track_record.empty(len(rows))
    for i, (pk, *_imported) in enumerate(rows):
        row = per_creator.get(pk, {})
        for name in ("on_time_n", "on_time", "ratings", "rating_sum", "completed"):
            stats[name][i] = row.get(name) or 0

    def column(j):
        return np.array([np.nan if r[j] is None else r[j] for r in rows], dtype=np.float64)

    track_record.add_imported(
        stats, fulfilment=column(1), fulfilment_orders=column(2), rating=column(3), rating_count=column(4)
    )
    _write(rows, stats)
    return len(rows)


def _write(rows: list[tuple], stats: dict[str, np.ndarray]) -> None:
    values = []
    for i, (pk, *_imported) in enumerate(rows):
        n, m = stats["on_time_n"][i], stats["ratings"][i]
        values.append(
            (
                pk,
                float(stats["on_time"][i] / n) if n else None,
                round(float(n)),
                float(stats["rating_sum"][i] / m) if m else None,
                round(float(m)),
                int(stats["completed"][i]),
            )
        )
    table = Creator._meta.db_table
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS track_record_rows")  # a second call inside one transaction
        cur.execute(
            "CREATE TEMP TABLE track_record_rows (id bigint, fulfilment float8, fulfilment_n int, rating float8, "
            "rating_n int, completed int) ON COMMIT DROP"
        )
        execute_values(cur.cursor, "INSERT INTO track_record_rows VALUES %s", values, page_size=5000)
        cur.execute(
            f"UPDATE {table} c SET fulfilment_rate = s.fulfilment, fulfilment_orders = s.fulfilment_n, "  # noqa: S608
            "avg_rating = s.rating, rating_count = s.rating_n, completed_orders = s.completed, updated_at = now() "
            "FROM track_record_rows s WHERE c.id = s.id"
        )


def refresh_creator_history() -> None:
    """Recompute every creator's shown track record from the deals on record and imported aggregates."""
    track_record_refresh()
