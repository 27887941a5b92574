"""Benchmark the matcher (issue 3): ranking latency against the memory-bandwidth floor and a SQL peer,
snapshot rebuild from PostgreSQL, snapshot load, worker peak RSS and publish → ranked end to end.

    .venv/bin/python bench/rank.py [--creators 10000 100000 1000000 2000000] [--orders 15] [--batch 64]
                                   [--seed 7] [--skip-sql-above 1000000] [--skip-e2e]

Prints one JSON object per line on stdout, ``{"name": ..., "n": N, "value": ..., "unit": ...}``;
progress and a final summary against the issue's targets go to stderr. Starts the embedded
PostgreSQL and Redis if DATABASE_URL / REDIS_URL are unset, and works in two databases of its own
on that server, dropped at the end:

- ``starmap_bench_rank``: the project schema (migrated, IAB taxonomy loaded); for each N the
  synthetic creators of matching.synthetic are written with creators.bulk.write_creators, the
  snapshot is rebuilt from it (matching.features.fetch_frames + matching.snapshot.build), saved,
  loaded, and every ranking figure is measured on that loaded snapshot. The end-to-end run at
  100k starts a Celery worker on this database, on Redis db 9 and queue ``bench_rank``.
- ``starmap_bench_sql``: the SQL peer, one flat table as a typical Django app would keep it.

See docs/performance.md ("Matching") for the definitions and the latest figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402 - the path above makes the project importable
    children_of,
    connect,
    drop_database,
    emit,
    loadavg,
    peak_rss_mib,
    percentile,
    recreate_database,
    reset_peak_rss,
    rss_mib,
    say,
    step,
    with_db,
)
from marketplace.dev import devservers  # noqa: E402
from matching import scoring, snapshot, synthetic  # noqa: E402
from matching.scoring import AGE_BUCKETS, FORMATS, GENDERS, GOALS, WEIGHTS, OrderQuery  # noqa: E402

REDIS_DB = 9
QUEUE = "bench_rank"
TOP_K = 200
RANK_REPEATS = 3  # each order is ranked this many times for the latency distribution
FLOOR_REPEATS = 5
BATCH_REPEATS = 3
SQL_ORDERS = 5  # orders timed (and validated) against the SQL peer
E2E_N = 100_000
E2E_RUNS = 5
RSS_ORDERS = 20
FORMAT_MIX = (0.3, 0.3, 0.2, 0.1, 0.1)  # short videos are most orders
WINDOW_START = 740_000  # synthetic blackouts fall in [WINDOW_START, WINDOW_START + 74] (date ordinals)

# (figure, target text, N the target applies at, test)
TARGETS = (
    ("ratio_rank_to_floor", "≤ 3× floor at 2M", 2_000_000, lambda v: v <= 3),
    ("batch64_ms", "≤ 1000 ms at 2M", 2_000_000, lambda v: v <= 1000),
    ("ratio_sql_to_rank", "≥ 30× at 1M", 1_000_000, lambda v: v >= 30),
    ("snapshot_load_s", "≤ 2 s at 2M", 2_000_000, lambda v: v <= 2),
    ("worker_rss_mib", "≤ 1536 MiB at 2M", 2_000_000, lambda v: v <= 1536),
    ("snapshot_build_s", "≤ 60 s at 2M", 2_000_000, lambda v: v <= 60),
    ("e2e_publish_to_ranked_ms", "≤ 2000 ms at 100k", 100_000, lambda v: v <= 2000),
)
SUMMARY_ROWS = (
    "loadavg_1m",
    "loadavg_1m_end",
    "rank_p50_ms",
    "rank_p95_ms",
    "rank_min_ms",
    "rank_1thread_p50_ms",
    "rank_1thread_min_ms",
    "rank_reference_p50_ms",
    "rank_reference_min_ms",
    "floor_ms",
    "floor_native_ms",
    "ratio_rank_to_floor",
    "batch64_ms",
    "batch64_pool2_ms",
    "sql_load_s",
    "sql_p50_ms",
    "ratio_sql_to_rank",
    "sql_mismatches",
    "load_creators_s",
    "snapshot_fetch_s",
    "snapshot_derive_s",
    "snapshot_derive_primary_interest_s",
    "snapshot_build_s",
    "snapshot_load_s",
    "snapshot_load_inprocess_s",
    "snapshot_mib",
    "worker_rss_mib",
    "rank_stage_plan_ms",
    "rank_stage_kernel_ms",
    "rank_stage_gather_ms",
    "e2e_publish_to_ranked_ms",
    "e2e_worker_run_ms",
    "run_duration_s",
)


def main() -> None:
    global QUEUE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creators", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 2_000_000])
    parser.add_argument("--orders", type=int, default=15)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-sql-above", type=int, default=1_000_000)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--db-prefix", default="starmap_bench", help="names the two bench databases <prefix>_rank/_sql")
    parser.add_argument("--worker-rss", type=Path, help=argparse.SUPPRESS)  # internal: the RSS subprocess
    args = parser.parse_args()
    if args.worker_rss:
        _worker_rss_child(args.worker_rss, args.seed)
        return

    devservers.ensure_started()
    base_url = os.environ.get("DATABASE_URL") or devservers.embedded_database_url()
    redis_url = os.environ.get("REDIS_URL") or devservers.embedded_redis_url()
    schema_db, sql_db = f"{args.db_prefix}_rank", f"{args.db_prefix}_sql"
    admin = connect(base_url, "postgres")
    recreate_database(admin, schema_db)
    recreate_database(admin, sql_db)
    work = Path(tempfile.mkdtemp(prefix="bench-rank-", dir=devservers.var_dir()))
    # The worker subprocesses inherit these: our database, our Redis db, our queue.
    os.environ["DATABASE_URL"] = with_db(base_url, schema_db)
    os.environ["REDIS_URL"] = with_db(redis_url, str(REDIS_DB))
    os.environ["CELERY_QUEUE"] = QUEUE = f"{args.db_prefix}_queue"  # parallel runs never share a queue
    os.environ["MATCHING_SNAPSHOT_DIR"] = str(work / "snapshots")
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    figures: list[dict] = []
    durations: dict[int, float] = {}
    try:
        import django

        django.setup()
        from django.core.management import call_command

        with step("migrate + load_taxonomy into " + schema_db):
            call_command("migrate", verbosity=0)
            call_command("load_taxonomy", verbosity=0)
        sql = connect(base_url, sql_db)
        for n in args.creators:
            started = time.perf_counter()
            Bench(n, args, sql, work, figures).run()
            durations[n] = time.perf_counter() - started
            emit("run_duration_s", n, durations[n], "s", figures)
            gc.collect()
        sql.close()
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin, schema_db)
        drop_database(admin, sql_db)
        admin.close()
        shutil.rmtree(work, ignore_errors=True)
        _summary(figures, args.creators)


# ----------------------------------------------------------------- one N


class Bench:
    def __init__(self, n: int, args, sql, work: Path, figures: list[dict]):
        self.n, self.args, self.sql, self.figures = n, args, sql, figures
        self.root = work / "snapshots" / f"n{n}"

    def emit(self, name: str, value, unit: str) -> None:
        emit(name, self.n, value, unit, self.figures)

    def run(self) -> None:
        n = self.n
        say(f"===== N = {n:,} (load average {loadavg():.2f}) =====")
        self.emit("loadavg_1m", loadavg(), "")
        self.load_creators()
        self.rebuild()
        self.guard("worker_rss", self.worker_rss)  # a fresh process first: its load is what a worker pays
        snap = self.load()
        orders = make_orders(snap, max(self.args.orders, self.args.batch, RSS_ORDERS), self.args.seed)
        main_orders = orders[: self.args.orders]
        rank_p50 = self.rank_latency(snap, main_orders)
        self.guard("stages", self.stages, snap, main_orders)
        self.guard("batch", self.batch, snap, orders[: self.args.batch])
        self.guard("history", self.history_cost, snap)
        self.guard("floor", self.floor, snap, main_orders, rank_p50)
        if n <= self.args.skip_sql_above:
            self.guard("sql_peer", self.sql_peer, snap, main_orders, rank_p50)
        else:
            say(f"SQL peer skipped (N > --skip-sql-above {self.args.skip_sql_above:,})")
        if n == E2E_N and not self.args.skip_e2e:
            self.guard("e2e", self.e2e, snap, orders)
        del snap
        gc.collect()
        shutil.rmtree(self.root, ignore_errors=True)
        self.emit("loadavg_1m_end", loadavg(), "")

    def history_cost(self, snap) -> None:
        """What the track record and the learned re-ranker cost: estimating every creator's record from
        deal events (a tenth of the creators with 1–5 deals) at a full build, the snapshot rows it adds,
        and re-ranking one order's 500 candidates with a trained model, causes of each move included."""
        from creators import track_record
        from matching import learn, synthetic
        from matching.snapshot import HISTORY_METRICS, history_view

        rng = np.random.default_rng(self.args.seed)
        events = synthetic.events(rng, snap.creator_ids)
        started = time.perf_counter()
        stats = track_record.stats_from_events(events, snap.creator_ids)
        prior = track_record.fit_prior(stats)
        history_view(snap.reference, stats, snap.metrics[3], prior)
        self.emit("track_record_build_s", time.perf_counter() - started, "s")
        self.emit("track_record_events", len(events), "rows")
        self.emit("track_record_snapshot_mib", len(HISTORY_METRICS) * self.n * 4 / 2**20, "MiB")
        x = rng.random((5_000, len(learn.FEATURE_NAMES))).astype(np.float32)
        order_ids = np.repeat(np.arange(500), 10)
        model = learn.train(x, learn.within_order(rng.random(5_000) * 4, order_ids), seed=0)
        reranker = learn.reranker(model, x, order_ids)
        pool = x[:500]
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            final = reranker.predict(pool)
            learn.causes(reranker, pool[:200], final[:200] > 0, reference=pool)
            timings.append((time.perf_counter() - started) * 1000)
        self.emit("rerank_500_ms", percentile(timings, 50), "ms")

    def guard(self, label: str, fn, *args) -> None:
        """Run one measurement; a failure is reported (stderr + an "error" figure) and the rest go on."""
        try:
            fn(*args)
        except Exception as exc:
            say(f"{label} FAILED:\n{traceback.format_exc()}")
            self.emit("error", f"{label}: {type(exc).__name__}: {exc}"[:500], "")

    # ------------------------------------------------------------ loading

    def load_creators(self) -> None:
        from django.db import connection

        from creators.bulk import write_creators
        from creators.models import BlackoutPeriod, Creator, CreatorLabel, RatePrice
        from matching import features

        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {Creator._meta.db_table} RESTART IDENTITY CASCADE")
        with step(f"synthetic frames for {self.n:,} creators"):
            frames = synthetic.frames(self.n, seed=self.args.seed)
            labels = _real_labels(frames.labels, features.catalogue())
        from tqdm import tqdm

        started = time.perf_counter()
        with tqdm(total=self.n, desc="write_creators", unit="creator", file=sys.stderr, mininterval=2) as bar:
            ids = write_creators(_records(frames, labels), total=self.n, on_progress=bar.update)
        ids = np.asarray(ids, dtype=np.int64)
        b = frames.blackouts
        _copy_rows(
            BlackoutPeriod._meta.db_table,
            ("creator_id", "starts_on", "ends_on", "note"),
            zip(
                ids[b["creator_id"].to_numpy() - 1].tolist(),
                map(date.fromordinal, b["starts_on"].tolist()),
                map(date.fromordinal, b["ends_on"].tolist()),
                [""] * len(b),
                strict=True,
            ),
        )
        self.emit("load_creators_s", time.perf_counter() - started, "s")
        self.emit("load_creators_per_s", self.n / (time.perf_counter() - started), "creators/s")
        del frames, labels, ids
        gc.collect()
        # A nightly rebuild reads tables autovacuum has long visited; do that now, outside the timing.
        started = time.perf_counter()
        with connection.cursor() as cur:
            for model in (Creator, CreatorLabel, RatePrice, BlackoutPeriod):
                cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        self.emit("load_vacuum_s", time.perf_counter() - started, "s")

    def rebuild(self) -> None:
        from matching import engine, features
        from matching.snapshot import builder

        reset_peak_rss()
        base = rss_mib()
        # Where the rebuild spends its time: the four COPY queries and the primary-interest step are
        # timed by wrapping the module functions for the duration of this call (measurement only).
        with (
            step(f"rebuild from PostgreSQL at {self.n:,}"),
            _timed(features, "_copy_frame", ("creators", "labels", "regions", "blackouts")) as copies,
            _timed(builder, "_primary_interest") as primary,
        ):
            started = time.perf_counter()
            frames, mark = features.fetch_frames()
            fetched = time.perf_counter()
            snap = snapshot.build(frames, features.catalogue(), version=engine.new_version(), watermark=mark)
            built = time.perf_counter()
        assert snap.n == self.n, (snap.n, self.n)
        self.emit("snapshot_fetch_s", fetched - started, "s")
        for label, seconds in copies.items():
            self.emit(f"snapshot_fetch_{label}_s", seconds, "s")
        self.emit("snapshot_derive_s", built - fetched, "s")
        self.emit("snapshot_derive_primary_interest_s", sum(primary.values()), "s")
        self.emit("snapshot_build_s", built - started, "s")
        self.emit("snapshot_build_extra_rss_mib", peak_rss_mib() - base, "MiB")
        del frames
        started = time.perf_counter()
        path = snapshot.save(snap, self.root)
        self.emit("snapshot_save_s", time.perf_counter() - started, "s")
        self.emit("snapshot_disk_mib", sum(p.stat().st_size for p in path.iterdir()) / 2**20, "MiB")
        self.emit("snapshot_mib", snap.nbytes() / 2**20, "MiB")
        del snap
        gc.collect()

    def load(self):
        started = time.perf_counter()
        snap = snapshot.load(self.root)
        self.emit("snapshot_load_inprocess_s", time.perf_counter() - started, "s")
        return snap

    # ------------------------------------------------------------ ranking

    def rank_latency(self, snap, orders: list[OrderQuery]) -> float:
        for q in orders[:2]:  # warm up: page in the arrays, start the thread pool code paths
            scoring.rank(snap, q, TOP_K, threads=2)
            scoring.rank_reference(snap, q, TOP_K, threads=2)
        p50 = 0.0
        runs = (
            ("rank", scoring.rank, 2),
            ("rank_1thread", scoring.rank, 1),
            ("rank_reference", scoring.rank_reference, 2),  # the plain NumPy path, for comparison
        )
        for prefix, fn, threads in runs:
            times, eligible = [], []
            for q in orders:
                for _ in range(RANK_REPEATS):
                    started = time.perf_counter()
                    ranking = fn(snap, q, TOP_K, threads=threads)
                    times.append((time.perf_counter() - started) * 1000)
                eligible.append(ranking.eligible_count)
            self.emit(f"{prefix}_p50_ms", percentile(times, 50), "ms")
            self.emit(f"{prefix}_p95_ms", percentile(times, 95), "ms")
            self.emit(f"{prefix}_min_ms", min(times), "ms")  # least disturbed by other load on the machine
            if prefix == "rank":
                p50 = percentile(times, 50)
                self.emit("eligible_share_p50", float(np.median(eligible)) / self.n, "")
        return p50

    def stages(self, snap, orders: list[OrderQuery]) -> None:
        """Where one single-threaded rank spends its time (median over the orders), each step timed on
        its own, as scoring.rank runs them: plan (the kernel's arguments: query vectors, posting ranges,
        sorted exclusions), kernel (matching.kernels.rank_block over all rows: eligibility, score,
        content, top-k candidates and the eligible count in one pass), and gather (the sort of the
        candidates and the components of the k winners)."""
        from matching import kernels

        timings: dict[str, list[float]] = {}

        def clock(name: str, fn):
            started = time.perf_counter()
            result = fn()
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            return result

        def gather(q, rows, scores, content):
            top = rows[np.lexsort((snap.creator_ids[rows], -scores))[:TOP_K]]
            return (
                scoring.static_components(snap, q, top),
                kernels.content_rows(top, content),
                scoring.audience_fit_rows(snap, q, top),
            )

        for q in orders:
            plan = clock("plan", lambda q=q: scoring.rank_plan(snap, q))
            rows, scores, _ = clock("kernel", lambda p=plan: kernels.rank_block(0, snap.n, TOP_K, p))
            clock("gather", lambda q=q, r=rows, s=scores, c=plan.content: gather(q, r, s, c))
        med = {name: float(np.median(values)) for name, values in timings.items()}
        self.emit("rank_stage_plan_ms", med["plan"], "ms")
        self.emit("rank_stage_kernel_ms", med["kernel"], "ms")
        self.emit("rank_stage_gather_ms", med["gather"], "ms")

    def batch(self, snap, orders: list[OrderQuery]) -> None:
        seq, pooled = [], []
        for _ in range(BATCH_REPEATS):
            started = time.perf_counter()
            for q in orders:
                scoring.rank(snap, q, TOP_K, threads=2)
            seq.append((time.perf_counter() - started) * 1000)
            # The other way to use two cores for many orders: one order per thread.
            started = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda q: scoring.rank(snap, q, TOP_K, threads=1), orders))
            pooled.append((time.perf_counter() - started) * 1000)
        self.emit(f"batch{len(orders)}_ms" if len(orders) != 64 else "batch64_ms", float(np.median(seq)), "ms")
        self.emit(f"batch{len(orders)}_pool2_ms", float(np.median(pooled)), "ms")

    def floor(self, snap, orders: list[OrderQuery], rank_p50: float) -> None:
        per_order, native, sizes = [], [], []
        for q in orders:
            arrays = touched_arrays(snap, q)
            for target, fn in ((per_order, read_pass), (native, read_pass_native)):
                fn(arrays)
                reps = []
                for _ in range(FLOOR_REPEATS):
                    started = time.perf_counter()
                    fn(arrays)
                    reps.append((time.perf_counter() - started) * 1000)
                target.append(float(np.median(reps)))
            sizes.append(sum(a.nbytes for a in arrays))
        floor_ms = float(np.median(per_order))
        self.emit("floor_ms", floor_ms, "ms")
        self.emit("floor_native_ms", float(np.median(native)), "ms")
        self.emit("floor_mib", float(np.median(sizes)) / 2**20, "MiB")
        self.emit("floor_gib_per_s", float(np.median(sizes)) / 2**30 / (floor_ms / 1000), "GiB/s")
        self.emit("ratio_rank_to_floor", rank_p50 / floor_ms, "x")

    # ------------------------------------------------------------ SQL peer

    def sql_peer(self, snap, orders: list[OrderQuery], rank_p50: float) -> None:
        with step(f"SQL peer: load flat table at {self.n:,}"):
            started = time.perf_counter()
            _load_sql_peer(self.sql, snap)
            self.emit("sql_load_s", time.perf_counter() - started, "s")
        checked = orders[:SQL_ORDERS]
        with self.sql.cursor() as cur:
            cur.execute("EXPLAIN " + sql_query(snap, checked[0]))
            plan = "\n".join(row[0] for row in cur.fetchall())
            say("SQL plan of the first order:\n" + plan)
            cur.execute(sql_query(snap, checked[0]))  # warm up the buffer cache
            cur.fetchall()
            times, mismatches, max_diff = [], 0, 0.0
            for q in checked:
                text = sql_query(snap, q)
                started = time.perf_counter()
                cur.execute(text)
                rows = cur.fetchall()
                times.append((time.perf_counter() - started) * 1000)
                ranking = scoring.rank(snap, q, TOP_K)
                bad, diff = compare(snap, ranking, rows)
                mismatches += bad
                max_diff = max(max_diff, diff)
            cur.execute("DROP TABLE bench_creator, bench_blackout")
        sql_p50 = percentile(times, 50)
        self.emit("sql_p50_ms", sql_p50, "ms")
        self.emit("sql_orders", len(checked), "orders")
        self.emit("ratio_sql_to_rank", sql_p50 / rank_p50, "x")
        self.emit("sql_mismatches", mismatches, f"of {len(checked) * TOP_K} ranks")
        self.emit("sql_max_score_diff", max_diff, "")

    # ------------------------------------------------------------ worker

    def worker_rss(self) -> None:
        """Peak RSS of a fresh process (Django set up, like a worker) that loads the snapshot and ranks."""
        script = str(Path(__file__).resolve())
        proc = subprocess.run(
            [sys.executable, script, "--worker-rss", str(self.root), "--seed", str(self.args.seed)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"worker RSS subprocess exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        self.emit("worker_rss_mib", report["peak_mib"], "MiB")
        self.emit("worker_base_rss_mib", report["base_mib"], "MiB")
        self.emit("snapshot_load_s", report["load_s"], "s")

    def e2e(self, snap, orders: list[OrderQuery]) -> None:
        """Published order → order.published (outbox, on_commit send) → real Celery worker queues the run →
        matching.rank → the worker ranks it → RankingRun DONE."""
        from django.conf import settings
        from django.db import transaction

        from brands.models import Brand
        from marketplace.core.models import ProductCategory
        from marketplace.core.outbox import outbox_put
        from matching.models import RankingRun
        from orders.models import Order, OrderTargetLabel

        log = (self.root.parent / f"worker-{self.n}.log").open("w")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "-Q",
                QUEUE,
                "--concurrency",
                "1",
                "-n",
                f"bench-rank-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "MATCHING_SNAPSHOT_DIR": str(self.root)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            brand = Brand.objects.create(name="Bench brand", slug=f"bench-rank-{self.n}-{int(time.time())}")
            category = ProductCategory.objects.order_by("id").first()
            records = []
            for i, q in enumerate(orders[: E2E_RUNS + 1]):
                order = Order.objects.create(
                    brand=brand,
                    title=f"Bench order {i}",
                    product_name="Bench product",
                    product_category=category,
                    goal=q.goal,
                    format=q.format,
                    currency=settings.CURRENCY,
                    price_per_creator=q.budget,
                    price_tolerance_bps=q.tolerance_bps,
                    target_age=list(q.ages),
                    target_gender=list(q.genders),
                    target_regions=[snap.catalogue.region_codes[c] for c in q.regions],
                    min_region_share=q.min_region_share,
                    publish_from=date.fromordinal(q.window[0]),
                    publish_until=date.fromordinal(q.window[1]),
                    status=Order.Status.PUBLISHED,
                )
                OrderTargetLabel.objects.bulk_create(
                    OrderTargetLabel(order=order, label_id=int(snap.catalogue.label_ids[c]), weight=w)
                    for c, w in q.labels
                )
                records.append(order)
            times, worker_ms = [], []
            for i, order in enumerate(records):
                started = time.perf_counter()
                # What order_publish writes after its checks: the deal's event, which the worker turns into a run.
                with transaction.atomic():
                    outbox_put(topic="order.published", payload={"order_id": order.pk, "actor_id": None})
                run = _wait_for_run(RankingRun, order.pk, timeout=300 if i == 0 else 60)
                status = _wait_done(RankingRun, run.pk, timeout=300 if i == 0 else 60)
                elapsed = (time.perf_counter() - started) * 1000
                run.refresh_from_db()
                if status != RankingRun.Status.DONE:
                    raise RuntimeError(f"ranking run {run.pk} ended {status}: {run.error}")
                assert run.results.count() == TOP_K
                if i == 0:
                    self.emit("e2e_warmup_ms", elapsed, "ms")  # worker start + first snapshot load
                    continue
                times.append(elapsed)
                worker_ms.append(run.duration_ms)
            self.emit("e2e_publish_to_ranked_ms", percentile(times, 50), "ms")
            self.emit("e2e_publish_to_ranked_max_ms", max(times), "ms")
            self.emit("e2e_worker_run_ms", percentile(worker_ms, 50), "ms")
            peaks = [peak_rss_mib(pid) for pid in children_of(worker.pid)]
            if peaks:
                self.emit("e2e_worker_child_rss_mib", max(peaks), "MiB")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            log.close()
            _forget_queue()


def _forget_queue() -> None:
    """Drop the broker keys Celery left for our queue (in our own Redis db)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = [k for k in client.scan_iter("*") if QUEUE.encode() in k or k == b"_kombu.binding_deadlines"]
    if keys:
        client.delete(*keys)
    client.close()


@contextmanager
def _timed(module, name: str, labels: tuple[str, ...] = ()):
    """Wrap ``module.name`` while the block runs; yields {label of the i-th call: seconds}."""
    original = getattr(module, name)
    spent: dict[str, float] = {}

    def wrapper(*args, **kwargs):
        label = labels[len(spent)] if len(spent) < len(labels) else f"call{len(spent)}"
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] = time.perf_counter() - started

    setattr(module, name, wrapper)
    try:
        yield spent
    finally:
        setattr(module, name, original)


def _wait_for_run(model, order_id: int, *, timeout: float):
    """The run the worker queues for a published order."""
    deadline = time.monotonic() + timeout
    while (run := model.objects.filter(order_id=order_id).first()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no ranking run for order {order_id} after {timeout:.0f} s")
        time.sleep(0.005)
    return run


def _wait_done(model, pk: int, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = model.objects.filter(pk=pk).values_list("status", flat=True).first()
        if status in (model.Status.DONE, model.Status.FAILED):
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"ranking run {pk} still {status} after {timeout:.0f} s")
        time.sleep(0.005)


def _worker_rss_child(root: Path, seed: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    django.setup()
    base = rss_mib()
    started = time.perf_counter()
    snap = snapshot.load(root)
    load_s = time.perf_counter() - started
    for q in make_orders(snap, RSS_ORDERS, seed):
        scoring.rank(snap, q, TOP_K, threads=2)
    print(json.dumps({"peak_mib": peak_rss_mib(), "base_mib": base, "load_s": load_s}), flush=True)


# ----------------------------------------------------------------- data


def _real_labels(labels, catalogue):
    """Synthetic label ids (37 interests × 19 offsets) mapped onto real IAB labels, interest by interest.

    Synthetic interest i becomes the i-th largest real interest and offset j its j-th label (mod its
    size), so creators still cluster in one interest; pairs that collide are merged (max weight).
    """
    interests, counts = np.unique(catalogue.label_interest_ids, return_counts=True)
    by_size = interests[np.argsort(-counts, kind="stable")]
    mapping = np.zeros(synthetic.N_LABELS + 1, dtype=np.int64)
    for syn in range(1, synthetic.N_LABELS + 1):
        interest = by_size[((syn - 1) % synthetic.N_INTERESTS) % len(by_size)]
        members = np.sort(catalogue.label_ids[catalogue.label_interest_ids == interest])
        mapping[syn] = members[((syn - 1) // synthetic.N_INTERESTS) % len(members)]
    out = labels.assign(label_id=mapping[labels["label_id"].to_numpy()])
    out = out.sort_values(["creator_id", "label_id", "weight"], ascending=[True, True, False], kind="stable")
    return out.drop_duplicates(["creator_id", "label_id"]).reset_index(drop=True)


def _records(frames, labels, chunk: int = 20_000):
    """CreatorRecords for write_creators, converted chunk by chunk so 2M never sit in Python at once."""
    from creators.bulk import CreatorRecord

    c = frames.creators
    n = len(c)
    lab_creator = labels["creator_id"].to_numpy()
    lab_start = np.searchsorted(lab_creator, c["id"].to_numpy(), side="left")
    lab_end = np.searchsorted(lab_creator, c["id"].to_numpy(), side="right")
    lab_ids = labels["label_id"].to_numpy()
    lab_w = labels["weight"].to_numpy(np.float64).round(4)
    per = len(frames.regions) // n
    reg_codes = frames.regions["code"].to_numpy(dtype=object).reshape(n, per)
    reg_shares = frames.regions["share"].to_numpy(np.float64).round(6).reshape(n, per)

    def opt(values):
        return [None if v != v else v for v in values]  # NaN → NULL

    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        part = c.iloc[lo:hi]
        ids = part["id"].tolist()
        active = part["active"].tolist()
        ages = np.stack([part[f"age_{b}"].to_numpy() for b in AGE_BUCKETS], axis=1).round(6).tolist()
        genders = np.stack([part[f"gender_{g}"].to_numpy() for g in GENDERS], axis=1).round(6).tolist()
        prices = np.stack([part[f"price_{f}"].to_numpy() for f in FORMATS], axis=1).tolist()
        cols = {
            name: part[name].tolist()
            for name in (
                "followers",
                "median_views_30d",
                "median_views_90d",
                "engagement_rate",
                "completion_rate",
                "hit_video_share",
                "follower_growth_30d",
            )
        }
        fulfilment, rating = opt(part["imported_fulfilment_rate"].tolist()), opt(part["imported_avg_rating"].tolist())
        fulfilment_n = [int(x) for x in part["imported_fulfilment_orders"].tolist()]
        rating_n = [int(x) for x in part["imported_rating_count"].tolist()]
        for i in range(hi - lo):
            row = lo + i
            a, b = lab_start[row], lab_end[row]
            yield CreatorRecord(
                handle=f"bench-{ids[i]}",
                display_name=f"Bench creator {ids[i]}",
                is_active=bool(active[i]),
                verification="verified",
                audience_age=dict(zip(AGE_BUCKETS, ages[i], strict=True)),
                audience_gender=dict(zip(GENDERS, genders[i], strict=True)),
                audience_region=dict(zip(reg_codes[row].tolist(), reg_shares[row].tolist(), strict=True)),
                followers=cols["followers"][i],
                median_views_30d=cols["median_views_30d"][i],
                median_views_90d=cols["median_views_90d"][i],
                engagement_rate=cols["engagement_rate"][i],
                completion_rate=cols["completion_rate"][i],
                hit_video_share=cols["hit_video_share"][i],
                follower_growth_30d=cols["follower_growth_30d"][i],
                fulfilment_rate=fulfilment[i],
                fulfilment_orders=fulfilment_n[i] if fulfilment[i] is not None else None,
                avg_rating=rating[i],
                rating_count=rating_n[i] if rating[i] is not None else None,
                labels=list(zip(lab_ids[a:b].tolist(), lab_w[a:b].tolist(), strict=True)),
                rates=[(f, p) for f, p in zip(FORMATS, prices[i], strict=True) if p > 0],
            )


def _copy_rows(table: str, columns: tuple[str, ...], rows) -> None:
    import csv
    import io

    from django.db import connection

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    with connection.cursor() as cur:
        # An empty field is the empty string here, not NULL: every column we copy is NOT NULL.
        options = f"FORMAT csv, FORCE_NOT_NULL ({', '.join(columns)})"
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", buffer)


def make_orders(snap, count: int, seed: int) -> list[OrderQuery]:
    """Seeded orders that look like real ones, drawn against the snapshot's own label and region columns."""
    rng = np.random.default_rng(seed + 1_000)
    used_labels = np.flatnonzero(np.diff(snap.labels_csc.indptr) > 0)
    used_regions = np.flatnonzero(np.diff(snap.regions_csc.indptr) > 0)
    priced = [np.sort(prices[prices > 0]) for prices in snap.price]
    orders = []
    for _ in range(count):
        first = int(rng.choice(used_labels))
        same = used_labels[(snap.label_interest[used_labels] == snap.label_interest[first]) & (used_labels != first)]
        extra = rng.choice(same, size=min(int(rng.integers(0, 3)), len(same)), replace=False)
        labels = ((first, 1.0), *((int(c), round(float(rng.uniform(0.4, 1.0)), 1)) for c in extra))
        # Labels next to the order's in the taxonomy tree (the synthetic catalogue has no tree: a few other
        # labels of the same interest stand in for the parent, children and siblings features.order_query adds).
        rest = np.setdiff1d(same, extra)
        near_cols = rng.choice(rest, size=min(6, len(rest)), replace=False)
        near = tuple((int(c), 1 + i % 2, first) for i, c in enumerate(near_cols))
        start = int(rng.integers(0, len(AGE_BUCKETS) - 1))
        ages = AGE_BUCKETS[start : start + int(rng.integers(1, 3))]
        gender = rng.random()
        genders = ("female",) if gender < 0.3 else ("male",) if gender < 0.5 else ()
        regions = tuple(int(c) for c in rng.choice(used_regions, size=int(rng.integers(1, 3)), replace=False))
        f = int(rng.choice(len(FORMATS), p=FORMAT_MIX))
        # Around the median rate for the format: between its 35th and 85th percentile.
        prices = priced[f]
        budget = int(prices[int(rng.uniform(0.35, 0.85) * (len(prices) - 1))]) if len(prices) else 100_000
        first_day = WINDOW_START + int(rng.integers(0, 60))
        orders.append(
            OrderQuery(
                goal=str(rng.choice(GOALS)),
                format=FORMATS[f],
                budget=budget,
                tolerance_bps=1000,
                labels=labels,
                near=near,
                ages=ages,
                genders=genders,
                regions=regions,
                min_region_share=0.2 if rng.random() < 0.5 else 0.0,
                window=(first_day, first_day + int(rng.integers(7, 29))),
                excluded_rows=np.sort(rng.choice(snap.n, size=min(20, snap.n), replace=False)),
            )
        )
    return orders


# ----------------------------------------------------------------- floor


def _query_vectors(snap, q: OrderQuery):
    """The order's IDF-weighted label query and its interest back-off, exactly as scoring.content_fit builds them."""
    cols = np.fromiter((c for c, _ in q.labels), dtype=np.int64)
    weights = np.fromiter((w for _, w in q.labels), dtype=np.float32)
    qv = weights * snap.label_idf[cols]
    qi = np.bincount(snap.label_interest[cols], weights=qv, minlength=snap.interests_csc.shape[1]).astype(np.float32)
    icols = np.flatnonzero(qi)
    return cols, qv, icols, qi[icols]


def touched_arrays(snap, q: OrderQuery) -> list[np.ndarray]:
    """The snapshot bytes scoring.rank reads for this order, as views (no copies).

    Dense, one full row each: the static score row for the goal, the price-gate row for the format
    (price, activity and verification in one int64; value is computed from it), the targeted age and
    gender rows, the dense rows of targeted common regions. Sparse, the inverted index only: the CSC postings
    (indices + data) of the target labels and their interests (unit-length rows, so no norms are
    read) and of the targeted regions not stored densely. Then the blackout interval arrays and
    the order's excluded rows.
    Not counted: the ranker's own scratch memory (the fused kernel's per-step buffers; the NumPy
    path's content, score and mask arrays) and the k-row gathers.
    """
    g, f = GOALS.index(q.goal), FORMATS.index(q.format)
    gate = getattr(snap, "price_gate", None)
    arrays = [snap.static[g]] + ([gate[f]] if gate is not None else [snap.price[f], snap.active])
    arrays += [snap.age[AGE_BUCKETS.index(a)] for a in q.ages]
    arrays += [snap.gender[GENDERS.index(x)] for x in q.genders]

    def postings(matrix, cols, norms=None):
        for col in cols:
            a, b = matrix.indptr[col], matrix.indptr[col + 1]
            arrays.extend((matrix.indices[a:b], matrix.data[a:b]))
            if norms is not None:
                arrays.append(norms[: b - a])

    if q.labels:
        cols, _, icols, _ = _query_vectors(snap, q)
        if hasattr(snap, "labels_unit_csc"):
            postings(snap.labels_unit_csc, cols)
            postings(snap.interests_unit_csc, icols)
        else:
            postings(snap.labels_csc, cols, snap.label_norm)
            postings(snap.interests_csc, icols, snap.interest_norm)
    dense = getattr(snap, "region_dense_index", {})  # snapshots without dense regions read CSC only
    arrays += [snap.regions_dense[dense[c]] for c in q.regions if c in dense]
    postings(snap.regions_csc, [c for c in q.regions if c not in dense])
    if q.window is not None and len(snap.blackout_rows):
        arrays += [snap.blackout_rows, snap.blackout_start, snap.blackout_end]
    if q.excluded_rows is not None:
        arrays.append(q.excluded_rows)
    return arrays


def read_pass(arrays: list[np.ndarray]) -> None:
    """Read every byte once: np.add.reduce over each array viewed as 8-byte unsigned words (integer adds
    never stall on denormals or NaN), the tail as bytes; arrays under 64 KiB (or unaligned) in their own dtype."""
    for a in arrays:
        raw = a.view(np.uint8) if a.dtype == np.bool_ else a
        nbytes = raw.nbytes
        if nbytes >= 1 << 16 and raw.flags.c_contiguous and raw.ctypes.data % 8 == 0:
            as_bytes = raw.view(np.uint8)
            whole = nbytes // 8 * 8
            np.add.reduce(as_bytes[:whole].view(np.uint64))
            if whole < nbytes:
                np.add.reduce(as_bytes[whole:], dtype=np.uint8)
        elif nbytes:
            np.add.reduce(raw, dtype=raw.dtype)


def read_pass_native(arrays: list[np.ndarray]) -> None:
    """The same bytes summed in each array's own dtype (float32 pairwise sums): for comparison only."""
    for a in arrays:
        np.add.reduce(a.view(np.uint8) if a.dtype == np.bool_ else a)


# ----------------------------------------------------------------- SQL peer


def _load_sql_peer(conn, snap) -> None:
    """One flat row per creator, like a Django model with ArrayFields and precomputed columns.

    labels int[] + label_w real[] (IDF-weighted weights, GIN index on labels), interests int[] +
    interest_w real[] (the interest back-off vector), regions text[] + region_share real[], the
    static part of the score per goal, prices per format, audience age/gender shares.
    Blackouts are their own table, as in the project schema.
    """
    import io

    import pandas as pd

    cat = snap.catalogue
    dense = {"id": snap.creator_ids, "active": snap.active}
    for i, f in enumerate(FORMATS):
        dense[f"price_{f}"] = snap.price[i]
    for g, goal in enumerate(GOALS):
        dense[f"static_{goal}"] = snap.static[g]
    for i in range(len(AGE_BUCKETS)):
        dense[f"age_{i}"] = snap.age[i]
    for gender in GENDERS:
        dense[f"gender_{gender}"] = snap.gender[GENDERS.index(gender)]
    dense["label_norm"] = snap.label_norm
    dense["interest_norm"] = snap.interest_norm
    frame = pd.DataFrame(dense)
    types = {np.dtype(bool): "boolean", np.dtype(np.int64): "bigint", np.dtype(np.float32): "real"}
    columns = ", ".join(f"{name} {types[frame[name].dtype]}" for name in frame.columns)

    def copy(table: str, df) -> None:
        buffer = io.StringIO()
        df.to_csv(buffer, index=False, header=False)
        buffer.seek(0)
        with conn.cursor() as cur:
            cur.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", buffer)

    def long(matrix, keys):
        coo = matrix.tocoo()
        return pd.DataFrame({"creator_id": snap.creator_ids[coo.row], "key": keys[coo.col], "w": coo.data})

    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_creator, bench_blackout, bench_dense, bench_l, bench_i, bench_r")
        cur.execute(f"CREATE UNLOGGED TABLE bench_dense ({columns})")
        cur.execute("CREATE UNLOGGED TABLE bench_l (creator_id bigint, key int, w real)")
        cur.execute("CREATE UNLOGGED TABLE bench_i (creator_id bigint, key int, w real)")
        cur.execute("CREATE UNLOGGED TABLE bench_r (creator_id bigint, key text, w real)")
    copy("bench_dense", frame)
    del frame
    copy("bench_l", long(snap.labels_csc, cat.label_ids))
    copy("bench_i", long(snap.interests_csc, cat.interest_ids))
    copy("bench_r", long(snap.regions_csc, np.array(cat.region_codes, dtype=object)))
    with conn.cursor() as cur:
        agg = "array_agg(key ORDER BY key) AS keys, array_agg(w ORDER BY key) AS ws"
        cur.execute(
            f"""CREATE TABLE bench_creator AS
                SELECT d.*,
                       coalesce(l.keys, '{{}}')::int[] AS labels, coalesce(l.ws, '{{}}')::real[] AS label_w,
                       coalesce(i.keys, '{{}}')::int[] AS interests, coalesce(i.ws, '{{}}')::real[] AS interest_w,
                       coalesce(r.keys, '{{}}')::text[] AS regions, coalesce(r.ws, '{{}}')::real[] AS region_share
                FROM bench_dense d
                LEFT JOIN (SELECT creator_id, {agg} FROM bench_l GROUP BY creator_id) l ON l.creator_id = d.id
                LEFT JOIN (SELECT creator_id, {agg} FROM bench_i GROUP BY creator_id) i ON i.creator_id = d.id
                LEFT JOIN (SELECT creator_id, {agg} FROM bench_r GROUP BY creator_id) r ON r.creator_id = d.id
                ORDER BY d.id"""
        )
        cur.execute("DROP TABLE bench_dense, bench_l, bench_i, bench_r")
        cur.execute("ALTER TABLE bench_creator ADD PRIMARY KEY (id)")
        cur.execute("CREATE INDEX bench_creator_labels ON bench_creator USING gin (labels)")
        cur.execute(
            "CREATE TABLE bench_blackout (creator_id bigint NOT NULL, starts_on date NOT NULL, ends_on date NOT NULL)"
        )
    blackouts = pd.DataFrame(
        {
            "creator_id": snap.creator_ids[snap.blackout_rows],
            "starts_on": [date.fromordinal(int(d)) for d in snap.blackout_start],
            "ends_on": [date.fromordinal(int(d)) for d in snap.blackout_end],
        }
    )
    copy("bench_blackout", blackouts)
    with conn.cursor() as cur:
        cur.execute("CREATE INDEX bench_blackout_creator ON bench_blackout (creator_id)")
        cur.execute("VACUUM ANALYZE bench_creator")
        cur.execute("VACUUM ANALYZE bench_blackout")


def _array_terms(values: str, keys: str, pairs, quote: bool = False) -> str:
    terms = []
    for key, weight in pairs:
        literal = f"'{key}'" if quote else str(int(key))
        terms.append(f"coalesce(c.{values}[array_position(c.{keys}, {literal})], 0) * {float(weight)!r}::float8")
    return " + ".join(terms) if terms else "0.0::float8"


def sql_query(snap, q: OrderQuery) -> str:
    """One query: eligibility + the same score as scoring.rank, ORDER BY score DESC, id LIMIT 200.

    Every value is a number or a region code from our own generator, inlined so the plan is the
    one for these constants (what an ORM query with .annotate(...) would send).
    """
    cat = snap.catalogue
    w = WEIGHTS[q.goal]
    cols, qv, icols, qi = _query_vectors(snap, q)
    qnorm = float(np.sqrt(np.dot(qv, qv)))
    qinorm = float(np.sqrt(np.dot(qi, qi)))
    label_terms = _array_terms("label_w", "labels", zip(cat.label_ids[cols], qv, strict=True))
    # Coverage: the sum of the creator's own weights on the order's labels, each times the order's weight
    # (label_w holds weight × IDF, qv order weight × IDF).
    cover_terms = _array_terms(
        "label_w", "labels", zip(cat.label_ids[cols], qv / snap.label_idf[cols] ** 2, strict=True)
    )
    interest_terms = _array_terms("interest_w", "interests", zip(cat.interest_ids[icols], qi, strict=True))
    region = "LEAST({}, 1.0)".format(
        _array_terms("region_share", "regions", ((cat.region_codes[c], 1.0) for c in q.regions), quote=True)
    )
    parts = []
    if q.ages:
        parts.append(" + ".join(f"c.age_{AGE_BUCKETS.index(a)}" for a in q.ages))
    if q.genders:
        parts.append(" + ".join(f"c.gender_{g}" for g in q.genders))
    if q.regions:
        parts.append(region)
    audience = "(({}) / {}.0)".format(" + ".join(f"({p})" for p in parts), len(parts)) if parts else "0.5"
    where = [f"c.active AND c.price_{q.format} > 0 AND c.price_{q.format} <= {scoring.max_price(q)}"]
    if q.regions and q.min_region_share > 0:
        where.append(f"{region} >= {q.min_region_share!r} - 1e-6")
    if q.excluded_rows is not None and len(q.excluded_rows):
        ids = ",".join(str(int(i)) for i in snap.creator_ids[q.excluded_rows])
        where.append(f"NOT (c.id = ANY(ARRAY[{ids}]::bigint[]))")
    if q.window is not None:
        first, last = (date.fromordinal(d).isoformat() for d in q.window)
        where.append(
            f"c.id NOT IN (SELECT creator_id FROM bench_blackout WHERE starts_on <= '{last}' AND ends_on >= '{first}')"
        )
    return f"""
        SELECT id, score FROM (
            SELECT c.id,
                   c.static_{q.goal}
                   + {w["value"]!r}::float8 * GREATEST(1.0 - c.price_{q.format}::float8 / {max(q.budget, 1)}, 0.0)
                   + {w["content"]!r}::float8 * CASE WHEN s.coverage > 0
                       THEN {scoring.LABEL_FLOOR!r} + {scoring.LABEL_SPAN!r}
                            * LEAST({scoring.COVER_SHARE!r} * s.coverage + {scoring.FOCUS_SHARE!r} * s.label_sim, 1.0)
                       ELSE {scoring.INTEREST_BACKOFF!r} * s.interest_sim END
                   + {w["audience"]!r}::float8 * {audience} AS score
            FROM bench_creator c
            CROSS JOIN LATERAL (SELECT
                CASE WHEN c.label_norm > 0 AND {qnorm!r} > 0
                     THEN LEAST(({label_terms}) / (c.label_norm * {qnorm!r}::float8), 1.0) ELSE 0.0 END AS label_sim,
                CASE WHEN c.interest_norm > 0 AND {qinorm!r} > 0
                     THEN LEAST(({interest_terms}) / (c.interest_norm * {qinorm!r}::float8), 1.0) ELSE 0.0 END
                     AS interest_sim,
                ({cover_terms}) AS coverage) s
            WHERE {" AND ".join(where)}
        ) ranked
        ORDER BY score DESC, id
        LIMIT {TOP_K}"""


def compare(snap, ranking, rows) -> tuple[int, float]:
    """Mismatches between the numpy and SQL top-k: ids in one list only, plus shared ids whose
    scores differ by more than 1e-4; and the largest score difference over shared ids."""
    mine = dict(zip(snap.creator_ids[ranking.rows].tolist(), ranking.scores.tolist(), strict=True))
    theirs = {int(i): float(s) for i, s in rows}
    only = len(set(mine) - set(theirs))
    shared = set(mine) & set(theirs)
    diffs = [abs(mine[i] - theirs[i]) for i in shared]
    return only + sum(d > 1e-4 for d in diffs), max(diffs, default=0.0)


# ----------------------------------------------------------------- summary


def _summary(figures: list[dict], sizes: list[int]) -> None:
    if not figures:
        return
    value = {(f["name"], f["n"]): f["value"] for f in figures}
    units = {f["name"]: f["unit"] for f in figures}
    target_of = {name: (text, at, test) for name, text, at, test in TARGETS}

    def label(n: int) -> str:
        return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)

    header = f"{'figure':<26}" + "".join(f"{label(n):>11}" for n in sizes) + f"  {'unit':<8} target"
    lines = ["", "Matching benchmark summary", header, "-" * len(header)]
    for name in SUMMARY_ROWS:
        if not any((name, n) in value for n in sizes):
            continue
        cells = "".join(f"{_fmt(value.get((name, n))):>11}" for n in sizes)
        target = ""
        if name in target_of:
            text, at, test = target_of[name]
            got = value.get((name, at))
            target = f"{text}: " + ("not run" if got is None else "met" if test(got) else "MISSED")
        lines.append(f"{name:<26}{cells}  {units.get(name, ''):<8} {target}")
    print("\n".join(lines), file=sys.stderr, flush=True)


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.2f}"


if __name__ == "__main__":
    main()
