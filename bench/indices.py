"""Benchmark the nightly value-index job (insights.indices_sync.indices_recompute) at 100k and 1M creators.

    .venv/bin/python bench/indices.py [--creators 100000 1000000] [--seed 7] [--db starmap_bench_indices]

Prints one JSON object per line on stdout, ``{"name": ..., "n": N, "value": ..., "unit": ...}``; progress
goes to stderr. Starts the embedded PostgreSQL if DATABASE_URL is unset and works only in a database of
its own on that server (``--db``, migrated, IAB taxonomy loaded), dropped at the end.

For each N the synthetic creators of matching.synthetic (labels mapped onto the real taxonomy, rate
cards, ratings, completed orders) are written with creators.bulk.write_creators, the tables vacuumed,
and the job run four times, as it runs in production (with a VACUUM ANALYZE before each run after the
first, as autovacuum would have visited the table between two nights):

- ``first``: no metric snapshots yet; the job takes one per creator (N inserts) and computes;
- ``nightly``: the steady state of most nights: every snapshot is under a week old, nothing is inserted;
- ``weekly``: the snapshots are moved back 8 days and 5 % of creators gain followers, so the job takes a
  new snapshot for everyone and the follower-jump signal compares two snapshots per creator;
- ``nightly_no_directory_indexes``: a nightly run with the directory's sort indexes (migration
  creators/0004) dropped, to show what they cost the write-back; they are rebuilt afterwards (timed).

Each run reports its total and its parts: the weekly metric snapshot (``snapshot``), the read (COPY
out + pandas), the compute and the write-back (the rest: the temporary table, the UPDATE of every
creator, the stage-change notifications and the commit). The empty snapshot table is analysed before
the first run, the hostile case for the snapshot insert (see insights.indices_sync._snapshot_metrics).
Then, on the indexed table, one page of the brand creator directory (creators.directory) for a few
filter and sort combinations, and 40 pages followed by their cursors. There
are no collaborations in the bench database, so the delivered-results and income joins are empty.
See docs/performance.md ("Indices").
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402 - the path above makes the project importable
    connect,
    drop_database,
    emit,
    loadavg,
    peak_rss_mib,
    recreate_database,
    reset_peak_rss,
    rss_mib,
    say,
    step,
    with_db,
)
from marketplace.dev import devservers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creators", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="starmap_bench_indices", help="the work database, created and dropped")
    args = parser.parse_args()

    devservers.ensure_started()
    base_url = os.environ.get("DATABASE_URL") or devservers.embedded_database_url()
    admin = connect(base_url, "postgres")
    recreate_database(admin, args.db)
    os.environ["DATABASE_URL"] = with_db(base_url, args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        with step("migrate + load_taxonomy into " + args.db):
            call_command("migrate", verbosity=0)
            call_command("load_taxonomy", verbosity=0)
        for n in args.creators:
            started = time.perf_counter()
            run(n, args.seed)
            emit("run_duration_s", n, time.perf_counter() - started, "s")
            gc.collect()
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin, args.db)
        admin.close()


RUNS = ("first", "nightly", "weekly", "nightly_no_directory_indexes")


def run(n: int, seed: int) -> None:
    say(f"===== N = {n:,} (load average {loadavg():.2f}) =====")
    emit("loadavg_1m", n, loadavg(), "")
    load_creators(n, seed)
    from insights import indices_sync

    snapshot_s: list[float] = []
    take_snapshots = indices_sync._snapshot_metrics

    def timed_snapshots() -> None:  # measurement only: how much of the "read" part is the weekly snapshot
        started = time.perf_counter()
        take_snapshots()
        snapshot_s.append(time.perf_counter() - started)

    indices_sync._snapshot_metrics = timed_snapshots
    try:
        for label in RUNS:
            if label != "first":
                vacuum()  # autovacuum has visited the table between two nights
            if label == "weekly":
                age_snapshots(seed)
            if label == "nightly_no_directory_indexes":
                drop_directory_indexes()
            recompute(n, label, snapshot_s)
    finally:
        indices_sync._snapshot_metrics = take_snapshots
    started = time.perf_counter()
    with step("rebuild the directory indexes"):
        create_directory_indexes()
    emit("directory_indexes_build_s", n, time.perf_counter() - started, "s")
    check(n)
    directory_pages(n)
    emit("loadavg_1m_end", n, loadavg(), "")


def recompute(n: int, label: str, snapshot_s: list[float]) -> None:
    from insights import indices_sync

    reset_peak_rss()
    base = rss_mib()
    with step(f"indices_recompute ({label}) at {n:,}"):
        stats = indices_sync.indices_recompute(progress=say)
    write = stats["total_s"] - stats["read_s"] - stats["compute_s"]
    assert stats["creators"] == n, stats
    emit(f"indices_{label}_total_s", n, stats["total_s"], "s")
    emit(f"indices_{label}_snapshot_s", n, snapshot_s[-1], "s")
    emit(f"indices_{label}_read_s", n, stats["read_s"] - snapshot_s[-1], "s")
    emit(f"indices_{label}_compute_s", n, stats["compute_s"], "s")
    emit(f"indices_{label}_write_s", n, round(write, 2), "s")
    emit(f"indices_{label}_peak_extra_rss_mib", n, peak_rss_mib() - base, "MiB")
    emit(f"indices_{label}_stage_changes", n, stats["stage_changes"], "creators")


def vacuum() -> None:
    from django.db import connection

    from creators.models import Creator, MetricSnapshot

    with step("VACUUM ANALYZE creators and snapshots"), connection.cursor() as cur:
        for model in (Creator, MetricSnapshot):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def _directory_migration():
    from importlib import import_module

    return import_module("creators.migrations.0004_directory_indexes")


def drop_directory_indexes() -> None:
    """Without migration 0004's indexes: what the directory's sort indexes cost the nightly write-back."""
    from django.db import connection

    with connection.cursor() as cur:
        for name in _directory_migration().INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")


def create_directory_indexes() -> None:
    from django.db import connection

    migration = _directory_migration()
    with connection.cursor() as cur:
        for name, columns in migration.INDEXES.items():
            cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {migration.TABLE} {columns}")
        cur.execute(f"ANALYZE {migration.TABLE}")


def load_creators(n: int, seed: int) -> None:
    from django.db import connection
    from tqdm import tqdm

    from bench.rank import _real_labels, _records
    from creators.bulk import write_creators
    from creators.models import Creator, CreatorLabel, MetricSnapshot, RatePrice
    from matching import features, synthetic

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {Creator._meta.db_table} RESTART IDENTITY CASCADE")
    with step(f"synthetic frames for {n:,} creators"):
        frames = synthetic.frames(n, seed=seed)
        labels = _real_labels(frames.labels, features.catalogue())
    started = time.perf_counter()
    with tqdm(total=n, desc="write_creators", unit="creator", file=sys.stderr, mininterval=2) as bar:
        write_creators(_records(frames, labels), total=n, on_progress=bar.update)
    emit("load_creators_s", n, time.perf_counter() - started, "s")
    del frames, labels
    gc.collect()
    # The nightly job reads tables autovacuum has long visited; do that now, outside the timings.
    with connection.cursor() as cur:
        for model in (Creator, CreatorLabel, RatePrice, MetricSnapshot):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def age_snapshots(seed: int) -> None:
    """A week passes: snapshots move back 8 days and 5 % of creators gain 10–300 % followers."""
    from django.db import connection

    from creators.models import Creator, MetricSnapshot

    c, ms = Creator._meta.db_table, MetricSnapshot._meta.db_table
    with step("age the metric snapshots by 8 days"), connection.cursor() as cur:
        cur.execute(f"UPDATE {ms} SET taken_on = taken_on - 8")
        cur.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0)])
        cur.execute(f"UPDATE {c} SET followers = (followers * (1.1 + 2.9 * random()))::bigint WHERE random() < 0.05")
        cur.execute(f"VACUUM ANALYZE {c}")
        cur.execute(f"VACUUM ANALYZE {ms}")


def directory_pages(n: int) -> None:
    """How long one page of the brand directory takes on the indexed table (median of 5, warm)."""
    from django.db.models import Count

    from creators import directory
    from creators.models import CreatorLabel
    from marketplace.core.models import User

    staff = User(is_staff=True)  # never saved: the directory only asks for the role
    interests = list(
        CreatorLabel.objects.values("label__interest_id").annotate(n=Count("creator_id", distinct=True)).order_by("-n")
    )
    common, rare = interests[0]["label__interest_id"], interests[-1]["label__interest_id"]
    cases = {
        "default": directory.DirectoryQuery(),
        "interest_common": directory.DirectoryQuery(interest=common),
        "interest_rare": directory.DirectoryQuery(interest=rare),
        "filters_followers": directory.DirectoryQuery(
            sort="followers", platform="douyin", followers_min=10_000, min_index=(("index_seeding", 50.0),)
        ),
        "min_own_index": directory.DirectoryQuery(sort="index_value", min_index=(("index_value", 90.0),)),
    }
    for name, query in cases.items():
        directory.directory_page(user=staff, query=query)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            directory.directory_page(user=staff, query=query)
            times.append((time.perf_counter() - started) * 1000)
        emit(f"directory_{name}_ms", n, float(np.median(times)), "ms")
    cursor, started = None, time.perf_counter()
    for _ in range(40):  # the 40th page: keyset pages cost the same at any depth
        cursor = directory.directory_page(user=staff, query=cases["default"], cursor=cursor).next_cursor
    emit("directory_40_pages_ms", n, (time.perf_counter() - started) * 1000, "ms")


def check(n: int) -> None:
    """The job did its work: every creator has indices, and the follower jumps were flagged."""
    from django.db.models import Count

    from creators.models import Creator

    computed = Creator.objects.filter(indices_at__isnull=False, index_reach__isnull=False).count()
    flagged = Creator.objects.filter(authenticity_flags__contains=["follower_jump"]).count()
    stages = dict(Creator.objects.values_list("growth_stage").annotate(n=Count("id")).order_by())
    emit("creators_with_indices", n, computed, "creators")
    emit("creators_flagged_follower_jump", n, flagged, "creators")
    for stage, count in sorted(stages.items()):
        emit(f"stage_{stage}", n, count, "creators")
    assert computed >= 0.99 * n, computed


if __name__ == "__main__":
    main()
