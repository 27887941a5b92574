"""The nightly index job: read every creator in one pass (COPY → pandas), compute, write back in one
statement (COPY into a temporary table, then UPDATE … FROM). No query per creator.

Also keeps one metric snapshot per creator a week (the follower-jump signal compares the two
newest) and moves creators between growth stages, notifying those who moved.

Besides the nightly run, the indices are computed whenever they are missing: by ``bootstrap`` and
``load_demo`` (so ``make run`` starts with numbers), and by a worker that starts while some active
creator has none (``creators.tasks``), one run at a time across workers.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creators.models import STAGE_NAMES, Creator, CreatorLabel, MetricSnapshot, RatePrice
from insights import indices
from marketplace.core.models import Label
from orders.models import Collaboration, ResultSnapshot
from orders.models.orders import REAL_DEAL_SQL
from payouts.models import Hold

log = logging.getLogger(__name__)
MAIN_FORMAT = "short_21_60"  # value for money compares this format's price, the most common one
ANALYZE_AFTER = 10_000  # snapshot rows inserted in one run from which the table's statistics are refreshed
STEPS = ("metric snapshots", "read", "compute", "write")  # what on_step hears, in order
LOCK = 0x5374_6172_4958  # pg advisory lock key of the job ("StarIX"): one run at a time


def _frame(sql: str, params: list | None = None) -> pd.DataFrame:
    with connection.cursor() as cur:
        query = cur.mogrify(sql, params or []).decode()
        buffer = io.BytesIO()
        cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
    buffer.seek(0)
    return pd.read_csv(buffer)


def read_inputs(today=None) -> pd.DataFrame:
    """One row per creator with every input of insights.indices.compute and the growth stage."""
    today = today or timezone.localdate()
    c, cl, lab = Creator._meta.db_table, CreatorLabel._meta.db_table, Label._meta.db_table
    rp, co, rs, ms = (
        RatePrice._meta.db_table,
        Collaboration._meta.db_table,
        ResultSnapshot._meta.db_table,
        MetricSnapshot._meta.db_table,
    )
    hold = Hold._meta.db_table
    frame = _frame(
        f"""
        WITH price AS (
            SELECT DISTINCT ON (creator_id) creator_id, amount FROM {rp}
            WHERE format = %s AND effective_from <= %s ORDER BY creator_id, effective_from DESC
        ), latest AS (
            SELECT DISTINCT ON (collaboration_id) collaboration_id, views, likes + comments + shares AS engagements,
                   clicks, conversions
            FROM {rs} ORDER BY collaboration_id, day DESC
        ), delivered AS (
            SELECT k.creator_id, sum(l.views) AS delivered_views, sum(l.engagements) AS delivered_engagements,
                   sum(CASE WHEN k.pricing = 'per_play' THEN coalesce(k.play_amount, k.play_base + k.rights_price)
                            ELSE k.agreed_price END) AS delivered_cost,
                   sum(l.clicks) AS delivered_clicks, sum(l.conversions) AS delivered_conversions
            FROM {co} k JOIN latest l ON l.collaboration_id = k.id WHERE {REAL_DEAL_SQL % "k"} GROUP BY k.creator_id
        ), snaps AS (
            SELECT creator_id, followers, median_views_30d,
                   row_number() OVER (PARTITION BY creator_id ORDER BY taken_on DESC) AS n
            FROM {ms}
        ), income AS (
            SELECT creator_id, sum(creator_share) AS income_12m FROM {hold}
            WHERE settled_at >= %s GROUP BY creator_id
        )
        SELECT c.id, c.followers, c.median_views_30d, c.median_views_90d, c.engagement_rate, c.completion_rate,
               c.follower_growth_30d, c.completed_orders, c.avg_rating AS rating, c.growth_stage,
               coalesce(p.amount, 0) AS price, d.delivered_views, d.delivered_engagements, d.delivered_cost,
               d.delivered_clicks, d.delivered_conversions,
               s.followers AS previous_followers, s.median_views_30d AS previous_views,
               coalesce(i.income_12m, 0) AS income_12m
        FROM {c} c
        LEFT JOIN price p ON p.creator_id = c.id
        LEFT JOIN delivered d ON d.creator_id = c.id
        LEFT JOIN snaps s ON s.creator_id = c.id AND s.n = 2
        LEFT JOIN income i ON i.creator_id = c.id
        ORDER BY c.id
        """,
        [MAIN_FORMAT, today, timezone.now() - timedelta(days=365)],
    )
    weights = _frame(
        f"SELECT cl.creator_id, l.interest_id, sum(cl.weight) AS w FROM {cl} cl "
        f"JOIN {lab} l ON l.id = cl.label_id GROUP BY cl.creator_id, l.interest_id"
    )
    if len(weights):
        # The main interest: most label weight, the lowest interest id on ties.
        weights = weights.sort_values(["creator_id", "w", "interest_id"], ascending=[True, False, True])
        main = weights.drop_duplicates("creator_id").set_index("creator_id")["interest_id"]
        frame["interest"] = frame["id"].map(main)
    else:
        frame["interest"] = pd.NA
    return frame


def indices_missing() -> bool:
    """Whether some active creator has no indices yet (a fresh install, or creators added since)."""
    return Creator.objects.filter(is_active=True, indices_at__isnull=True).exists()


def indices_recompute_if_missing(*, on_step: Callable[[str], None] | None = None) -> dict | None:
    """indices_recompute when indices are missing and no other run holds the job's lock; else None."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [LOCK])
        if not cur.fetchone()[0]:
            return None
        try:
            return indices_recompute(on_step=on_step) if indices_missing() else None
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def indices_recompute(
    *, progress: Callable[[str], None] | None = None, on_step: Callable[[str], None] | None = None
) -> dict:
    """Recompute every creator's indices, anomaly score and growth stage; returns counts and timings.

    ``on_step`` is called with each of STEPS as it finishes (the commands' progress bar).
    """
    step = on_step or (lambda _name: None)
    started = time.perf_counter()
    _snapshot_metrics()
    step(STEPS[0])
    frame = read_inputs()
    read_s = time.perf_counter() - started
    step(STEPS[1])
    if progress:
        progress(f"read {len(frame)} creators in {read_s:.1f} s")
    result = indices.compute(frame)
    result["stage"] = indices.growth_stages(frame, settings.GROWTH_STAGE_THRESHOLDS).to_numpy()
    moved = frame.loc[frame["growth_stage"].to_numpy() != result["stage"].to_numpy(), "id"].tolist()
    compute_s = time.perf_counter() - started - read_s
    step(STEPS[2])
    with transaction.atomic():
        _write(result)
        _notify_stage_changes(moved, dict(zip(result["id"], result["stage"], strict=True)))
    step(STEPS[3])
    total = time.perf_counter() - started
    log.info("indices for %d creators in %.1f s (%d changed stage)", len(frame), total, len(moved))
    return {
        "creators": len(frame),
        "stage_changes": len(moved),
        "read_s": round(read_s, 2),
        "compute_s": round(compute_s, 2),
        "total_s": round(total, 2),
    }


def _write(result: pd.DataFrame) -> None:
    buffer = io.StringIO()
    out = result.assign(flags=result["flags"].map(json.dumps))
    out[["id", *indices.INDEX_NAMES, "authenticity", "flags", "stage"]].to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    c = Creator._meta.db_table
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS creator_indices")  # a second run inside one transaction
        cur.execute(
            "CREATE TEMP TABLE creator_indices (id bigint, reach float8, seeding float8, value float8, "
            "growth float8, conversion float8, authenticity float8, flags jsonb, stage varchar(16)) ON COMMIT DROP"
        )
        cur.copy_expert("COPY creator_indices FROM STDIN WITH (FORMAT csv)", buffer)
        # Not updated_at: indices are derived data, and bumping it would make every matcher worker re-read everyone.
        cur.execute(
            f"UPDATE {c} c SET index_reach = t.reach, index_seeding = t.seeding, index_value = t.value, "
            "index_growth = t.growth, index_conversion = t.conversion, authenticity_score = t.authenticity, "
            "authenticity_flags = t.flags, "
            "growth_stage = t.stage, indices_at = now() FROM creator_indices t WHERE t.id = c.id"
        )


def _snapshot_metrics() -> None:
    """A metric snapshot for each creator whose newest one is a week old or more.

    The creators due are listed before anything is inserted: with statistics taken while the snapshot
    table was (nearly) empty, PostgreSQL plans the anti-join as a nested loop that re-reads the table for
    every creator, and in one INSERT … SELECT that table grows under it — quadratic (bench/indices.py:
    326 s for 100k creators, against 3 s this way). A large insert refreshes the table's statistics.
    """
    c, ms = Creator._meta.db_table, MetricSnapshot._meta.db_table
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS metric_snapshot_due")  # a second run inside one transaction
        cur.execute(
            f"CREATE TEMP TABLE metric_snapshot_due ON COMMIT DROP AS SELECT c.id FROM {c} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {ms} s WHERE s.creator_id = c.id AND s.taken_on > %s)",
            [today - timedelta(days=7)],
        )
        cur.execute(
            f"INSERT INTO {ms} (creator_id, taken_on, followers, median_views_30d, engagement_rate) "
            f"SELECT c.id, %s, c.followers, c.median_views_30d, c.engagement_rate FROM {c} c "
            "JOIN metric_snapshot_due d ON d.id = c.id ON CONFLICT DO NOTHING",
            [today],
        )
        if cur.rowcount > ANALYZE_AFTER:
            cur.execute(f"ANALYZE {ms}")


def _notify_stage_changes(creator_ids: list[int], stages: dict) -> None:
    from orders.services.notifications import notify

    names = dict(STAGE_NAMES)
    for creator in Creator.objects.filter(pk__in=creator_ids, user__isnull=False).select_related("user"):
        stage = stages[creator.pk]
        notify(
            [creator.user],
            kind="growth_stage",
            text=lambda stage=stage: _("Your growth stage is now: %(stage)s.") % {"stage": names.get(stage, stage)},
        )
