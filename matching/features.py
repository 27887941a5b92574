"""Read matcher features from PostgreSQL in one pass (COPY → pandas), an order as the ranker asks it
(``order_query``) and the past orders training learns from (``past_orders``). Feature extraction: the
module of matching/ that reads the ORM into arrays; scoring, training and the baselines take what it
produces and import no ORM (an import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Q

from brands.models import BrandBlock
from creators.models import BlackoutPeriod, Creator, CreatorLabel, RatePrice
from marketplace.core.audience import AGE_BUCKETS, GENDERS, regions, regions_within
from marketplace.core.models import Interest, Label
from matching import scoring, training
from matching.scoring import FORMATS
from matching.snapshot import CREATOR_COLUMNS, EVENT_COLUMNS, Catalogue, Frames, Snapshot
from orders import flows
from orders.models import Collaboration, Order
from orders.models.orders import REAL_DEAL_SQL

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are built: a process that loads a saved snapshot skips it


def catalogue() -> Catalogue:
    labels = np.array(Label.objects.order_by("id").values_list("id", "interest_id"), dtype=np.int64).reshape(-1, 2)
    interests = np.array(Interest.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)
    return Catalogue(
        label_ids=labels[:, 0], label_interest_ids=labels[:, 1], interest_ids=interests, region_codes=sorted(regions())
    )


def _copy_frame(sql: str, params: list, dtypes: dict | None = None) -> pd.DataFrame:
    import pandas as pd

    with connection.cursor() as cur:
        query = cur.mogrify(sql, params).decode()
        buffer = io.BytesIO()
        cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=dtypes, engine="c")


def _creator_sql(where: str) -> str:
    c = Creator._meta.db_table
    prices = ", ".join(f"max(amount) FILTER (WHERE format = '{f}') AS price_{f}" for f in FORMATS)
    ages = ", ".join(f"(c.audience_age ->> '{b}')::float8 AS \"age_{b}\"" for b in AGE_BUCKETS)
    genders = ", ".join(f"(c.audience_gender ->> '{g}')::float8 AS gender_{g}" for g in GENDERS)
    price_cols = ", ".join(f"p.price_{f}" for f in FORMATS)
    return f"""
        WITH current_prices AS (
            SELECT DISTINCT ON (creator_id, format) creator_id, format, amount
            FROM {RatePrice._meta.db_table} WHERE effective_from <= %s
            ORDER BY creator_id, format, effective_from DESC
        ), prices AS (
            SELECT creator_id, {prices} FROM current_prices GROUP BY creator_id
        )
        SELECT c.id, (c.is_active AND c.verification = 'verified') AS active, c.followers, c.median_views_30d,
               c.median_views_90d, c.engagement_rate, c.completion_rate, c.hit_video_share, c.follower_growth_30d,
               c.imported_fulfilment_rate, c.imported_fulfilment_orders::float8, c.imported_avg_rating,
               c.imported_rating_count::float8, {ages}, {genders}, {price_cols}
        FROM {c} c
        LEFT JOIN prices p ON p.creator_id = c.id
        {where}
        ORDER BY c.id
    """


def watermark() -> str:
    """The newest creator ``updated_at`` (ISO format), or "" when there are no creators."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT max(updated_at) FROM {Creator._meta.db_table}")
        newest = cur.fetchone()[0]
    return newest.isoformat() if newest else ""


def fetch_frames(
    *, since: datetime | None = None, creator_ids: list[int] | None = None, today: date | None = None
) -> tuple[Frames, str]:
    """Raw frames for every creator, only those updated after ``since``, or only ``creator_ids``;
    and the watermark to refresh from next time."""
    with transaction.atomic():
        # The rate-card pivot sorts every price row: let it sort in memory, for this transaction only.
        with connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '256MB'")
        return _fetch_frames(since=since, creator_ids=creator_ids, today=today or date.today())


def _fetch_frames(*, since, creator_ids, today) -> tuple[Frames, str]:
    import pandas as pd

    c = Creator._meta.db_table
    # Read the watermark first: a creator edited while we read is re-read next time, never missed.
    mark = watermark()
    if creator_ids is not None:
        where, params = "WHERE c.id = ANY(%s)", [list(creator_ids)]
    elif since is not None:
        where, params = "WHERE c.updated_at > %s", [since]
    else:
        where, params = "", []
    creators = _copy_frame(_creator_sql(where), [today, *params])
    creators = creators[list(CREATOR_COLUMNS)]
    creators["active"] = creators["active"].astype(str).str.lower().isin(("t", "true"))
    for f in FORMATS:
        creators[f"price_{f}"] = creators[f"price_{f}"].fillna(0).astype(np.int64)
    in_scope = f"creator_id IN (SELECT id FROM {c} c {where})" if where else "TRUE"
    labels = _copy_frame(
        f"SELECT creator_id, label_id, weight FROM {CreatorLabel._meta.db_table} WHERE {in_scope}",
        params,
        {"creator_id": np.int64, "label_id": np.int64, "weight": np.float32},
    )
    regions_frame = _copy_frame(
        f"SELECT c.id AS creator_id, r.key AS code, r.value::float8 AS share "
        f"FROM {c} c, jsonb_each_text(c.audience_region) r {where}",
        params,
        {"creator_id": np.int64, "code": str, "share": np.float32},
    )
    blackouts = _copy_frame(
        f"SELECT creator_id, starts_on, ends_on FROM {BlackoutPeriod._meta.db_table} "
        f"WHERE ends_on >= %s AND {in_scope}",
        [today, *params],
    )
    blackouts["starts_on"] = pd.to_datetime(blackouts["starts_on"]).map(lambda d: d.toordinal()).astype(np.int64)
    blackouts["ends_on"] = pd.to_datetime(blackouts["ends_on"]).map(lambda d: d.toordinal()).astype(np.int64)
    events = deal_events(where=where, params=params)
    return Frames(creators=creators, labels=labels, regions=regions_frame, blackouts=blackouts, events=events), mark


# A finished deal imported without a completion time is taken as known this long after the offer.
OUTCOME_AFTER = "30 days"


def deal_events(*, where: str = "", params: list | None = None) -> pd.DataFrame:
    """Every answered offer as a dated event (snapshot.EVENT_COLUMNS): when it was answered, when it
    finished, and its outcome. The track record of any moment is computed from these
    (creators.track_record.stats_from_events), so ranking now and training on the past read the
    history the same way. ``where`` is a WHERE clause on the creators table ``c``, as in fetch_frames."""
    c, col = Creator._meta.db_table, Collaboration._meta.db_table
    scope = f"d.creator_id IN (SELECT id FROM {c} c {where})" if where else "TRUE"
    frame = _copy_frame(
        f"""SELECT d.creator_id, d.order_id,
                   extract(epoch FROM coalesce(d.responded_at, d.offered_at))::float8 AS answered_at,
                   extract(epoch FROM CASE WHEN d.accepted THEN coalesce(d.completed_at,
                       CASE WHEN d.completed_on_time IS NOT NULL OR d.brand_rating IS NOT NULL OR d.views IS NOT NULL
                            THEN d.offered_at + interval '{OUTCOME_AFTER}' END) END)::float8 AS finished_at,
                   d.accepted::int::float8 AS accepted, d.completed_on_time::int::float8 AS on_time,
                   d.brand_rating::float8 AS rating, d.views::float8 AS views,
                   coalesce(d.expected_views, cr.median_views_30d)::float8 AS expected_views,
                   d.conversions::float8 AS conversions
            FROM {col} d JOIN {c} cr ON cr.id = d.creator_id
            WHERE d.accepted IS NOT NULL AND {REAL_DEAL_SQL % "d"} AND {scope}
            ORDER BY d.creator_id, d.id""",
        params or [],
        {"creator_id": np.int64, "order_id": np.int64},
    )
    return frame[list(EVENT_COLUMNS)].astype({c: np.float64 for c in EVENT_COLUMNS if not c.endswith("_id")})


def search_documents() -> tuple[np.ndarray, list[str]]:
    """Per creator (by id): label paths, bio and recent titles/hashtags as one text."""
    frame = _copy_frame(
        f"""SELECT c.id, coalesce(string_agg(l.path, ' | '), '') || ' ' || c.display_name || ' ' || c.bio
                   || ' ' || c.content_sample AS document
            FROM {Creator._meta.db_table} c
            LEFT JOIN {CreatorLabel._meta.db_table} cl ON cl.creator_id = c.id
            LEFT JOIN {Label._meta.db_table} l ON l.id = cl.label_id
            GROUP BY c.id ORDER BY c.id""",
        [],
        {"id": np.int64, "document": str},
    )
    return frame["id"].to_numpy(np.int64), frame["document"].fillna("").tolist()


def post_documents() -> tuple[np.ndarray, list[str]]:
    """Per creator (by id): what they wrote themselves — bio and recent posts (captions, hashtags,
    titles) — for "creators like these". Labels and names stay out: a creator with no posts would
    otherwise match every seed of their category on the label words alone."""
    frame = _copy_frame(
        f"SELECT c.id, c.bio || ' ' || c.content_sample AS document FROM {Creator._meta.db_table} c ORDER BY c.id",
        [],
        {"id": np.int64, "document": str},
    )
    return frame["id"].to_numpy(np.int64), frame["document"].fillna("").tolist()


def booked_together(
    seed_ids: list[int], *, ignore_brand_slugs: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Creators booked by the brands that booked the seeds, and how strongly (item-to-item cosine).

    Each creator is the set of brands that booked them (an accepted collaboration). A candidate's
    score is the sum over seeds of |brands(candidate) ∩ brands(seed)| / sqrt(|brands(candidate)| ×
    |brands(seed)|): a brand that books everyone counts for little relative to the creator's other
    bookings. Three queries, bounded by the seeds' brands. Returns (creator ids, scores, how many of
    the seeds' brands booked each), seeds included.
    """
    import pandas as pd

    bookings = Collaboration.objects.real().filter(accepted=True).exclude(order__brand__slug__in=ignore_brand_slugs)
    booked = bookings.values_list("creator_id", "order__brand_id").order_by().distinct()
    seed_pairs = list(booked.filter(creator_id__in=seed_ids))
    brands = sorted({b for _, b in seed_pairs})
    if not brands:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64)
    pairs = pd.DataFrame(list(booked.filter(order__brand_id__in=brands)), columns=["creator", "brand"])
    per_creator = (
        bookings.filter(creator_id__in=pairs["creator"].unique().tolist())
        .values("creator_id")
        .annotate(n=Count("order__brand_id", distinct=True))
        .order_by()
        .values_list("creator_id", "n")
    )
    counts = pd.DataFrame(list(per_creator), columns=["creator", "n"]).set_index("creator")["n"]
    seeds = pd.DataFrame(seed_pairs, columns=["seed", "brand"])
    shared = pairs.merge(seeds, on="brand")  # one row per (candidate, seed, shared brand)
    shared = shared.groupby(["creator", "seed"]).size().rename("k").reset_index()
    shared["score"] = shared["k"] / np.sqrt(
        shared["creator"].map(counts).to_numpy(np.float64) * shared["seed"].map(counts).to_numpy(np.float64)
    )
    total = shared.groupby("creator")["score"].sum()
    brands_of = pairs.groupby("creator")["brand"].nunique().reindex(total.index)
    return total.index.to_numpy(np.int64), total.to_numpy(np.float64), brands_of.to_numpy(np.int64)


def product_history(product_category_ids: list[int]) -> pd.DataFrame:
    """Past collaborations on orders in these product categories, with their outcomes."""
    import pandas as pd

    rows = (
        Collaboration.objects.real()
        .filter(order__product_category_id__in=product_category_ids)
        .values_list("creator_id", "accepted", "completed_on_time", "brand_rating", "views")
    )
    return pd.DataFrame(list(rows), columns=["creator_id", "accepted", "completed_on_time", "rating", "views"])


def imported_aggregates(snap) -> dict[str, np.ndarray]:
    """The imported track-record aggregates of the snapshot's creators, aligned with its rows
    (the keyword arguments of creators.track_record.add_imported)."""
    out = {
        "fulfilment": np.full(snap.n, np.nan),
        "fulfilment_orders": np.full(snap.n, np.nan),
        "rating": np.full(snap.n, np.nan),
        "rating_count": np.full(snap.n, np.nan),
    }
    rows = Creator.objects.filter(
        Q(imported_fulfilment_rate__isnull=False) | Q(imported_avg_rating__isnull=False)
    ).values_list(
        "id", "imported_fulfilment_rate", "imported_fulfilment_orders", "imported_avg_rating", "imported_rating_count"
    )
    for pk, *values in rows:
        row = int(snap.rows_of([pk])[0])
        if row >= 0:
            for key, value in zip(out, values, strict=True):
                out[key][row] = np.nan if value is None else value
    return out


# ---------------------------------------------------------------- an order as the ranker asks it


def excluded_creators(order: Order) -> dict[str, list[int]]:
    """Creator ids excluded for reasons that change too often to live in the snapshot."""
    return {
        "no_capacity": list(flows.creators_at_capacity()),
        "blocked": list(BrandBlock.objects.filter(brand_id=order.brand_id).values_list("creator_id", flat=True)),
        "on_order": list(order.collaborations.values_list("creator_id", flat=True)),
    }


def order_query(order: Order, snap: Snapshot, *, filters: dict | None = None, excluded=None) -> scoring.OrderQuery:
    # .all() rather than values_list(): it reuses a prefetch when the caller made one.
    links = [(link.label_id, link.weight) for link in order.target_label_links.all()]
    cols = snap.catalogue.label_columns(np.array([label for label, _ in links], dtype=np.int64))
    labels = tuple((int(c), float(w)) for c, (_, w) in zip(cols, links, strict=True) if c >= 0)
    near = near_labels([label for (label, _), c in zip(links, cols, strict=True) if c >= 0])
    near_cols = snap.catalogue.label_columns(np.array([x for x, _, _ in near], dtype=np.int64))
    to_cols = snap.catalogue.label_columns(np.array([t for _, _, t in near], dtype=np.int64))
    regions = tuple(int(c) for c in snap.catalogue.region_columns(regions_within(order.target_regions)) if c >= 0)
    excluded = excluded_creators(order) if excluded is None else excluded
    ids = np.array(sorted({i for group in excluded.values() for i in group}), dtype=np.int64)
    rows = snap.rows_of(ids)
    filters = filters or {}
    return scoring.OrderQuery(
        goal=order.goal,
        format=order.format,
        budget=order.per_creator_budget(),
        tolerance_bps=order.price_tolerance_bps,
        labels=labels,
        near=tuple(
            (int(c), d, int(t)) for c, (_, d, _), t in zip(near_cols, near, to_cols, strict=True) if c >= 0 and t >= 0
        ),
        ages=tuple(a for a in order.target_age if a in scoring.AGE_BUCKETS),
        genders=tuple(g for g in order.target_gender if g in scoring.GENDERS),
        regions=regions,
        min_region_share=order.min_region_share,
        window=_window(order),
        excluded_rows=rows[rows >= 0],
        min_followers=filters.get("min_followers"),
        max_followers=filters.get("max_followers"),
        max_price=filters.get("max_price"),
    )


def near_labels(label_ids: list[int]) -> list[tuple[int, int, int]]:
    """Labels next to ``label_ids`` in the taxonomy tree, up to scoring.NEAR_DISTANCE steps away (parent
    and children at 1; siblings, grandparent and grandchildren at 2), each once at its shortest distance:
    (label id, distance, the order label it is next to). The labels themselves are left out."""
    if not label_ids:
        return []
    parent = dict(Label.objects.values_list("id", "parent_id"))
    children: dict[int, list[int]] = {}
    for node, up in parent.items():
        if up is not None:
            children.setdefault(up, []).append(node)
    targets = set(label_ids)
    best: dict[int, tuple[int, int]] = {}
    for target in sorted(targets):
        seen, frontier = {target}, [target]
        for distance in range(1, scoring.NEAR_DISTANCE + 1):
            step = []
            for node in frontier:
                for other in (parent.get(node), *children.get(node, ())):
                    if other is not None and other not in seen:
                        seen.add(other)
                        step.append(other)
            for node in step:
                if node not in targets and (node not in best or best[node][0] > distance):
                    best[node] = (distance, target)
            frontier = step
    return sorted((node, d, t) for node, (d, t) in best.items())


def _window(order: Order) -> tuple[int, int] | None:
    start = order.script_by.date() if order.script_by else order.publish_from
    end = order.publish_until or order.publish_from
    if start is None and end is None:
        return None
    start = start or date.today()
    end = end or start
    return (min(start, end).toordinal(), max(start, end).toordinal())


# ---------------------------------------------------------------- the past orders training learns from


def past_orders(snap: Snapshot) -> list[training.PastOrder]:
    """Every order with an answered offer, oldest offer date first."""
    offers = _offers_by_order()
    orders = Order.objects.filter(pk__in=list(offers)).prefetch_related("target_label_links")
    past = [
        training.PastOrder(
            order_id=o.pk,
            goal=o.goal,
            when=_offer_time(o, offers[o.pk]),
            query=order_query(o, snap, excluded={}),
            offers=offers[o.pk],
        )
        for o in orders
    ]
    return sorted(past, key=lambda p: (p.when, p.order_id))


def training_history(snap: Snapshot, *, seed: int = 0, progress=None):
    """matching.training.history_groups over what PostgreSQL holds now."""
    return training.history_groups(
        snap, past_orders(snap), deal_events(), imported_aggregates(snap), seed=seed, progress=progress
    )


def _offers_by_order() -> dict[int, list[tuple]]:
    """order id → [(creator id, accepted, on time, rating, views, offered at, conversions)] for answered offers."""
    out: dict[int, list[tuple]] = {}
    for row in (
        Collaboration.objects.real()
        .filter(accepted__isnull=False)
        .values_list(
            "order_id",
            "creator_id",
            "accepted",
            "completed_on_time",
            "brand_rating",
            "views",
            "offered_at",
            "conversions",
        )
    ):
        out.setdefault(row[0], []).append(row[1:])
    return out


def _offer_time(order: Order, offers: list[tuple]) -> float:
    """The order's offer date: its first offer (or its publication when offers carry no time)."""
    times = [o[5] for o in offers if o[5] is not None]
    moment = min(times) if times else (order.published_at or order.created_at)
    return moment.timestamp()
