"""Benchmark `manage.py rank_order` as scripts use it: one process per order vs `--orders-file`.

    .venv/bin/python bench/rank_order_start.py [--creators 20000] [--orders 10] [--runs 5]

Loads the demo (`load_demo --creators N`, which also trains the re-ranker) into a scratch database
``starmap_bench_command`` (dropped at the end), rebuilds the snapshot once, then times:

* ``python -c "django.setup()"``: the floor any management command pays;
* ``rank_order ID`` in a fresh process, ``--runs`` times (wall and CPU of the child);
* ``rank_order --orders-file F`` with ``--orders`` orders in one process (total and per order);
* ranking one order inside an already warm process (what the worker pays).

Prints one JSON line per figure; times are medians. The machine's load average is printed beside
them, since wall times on a shared machine move with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import connect, database_url, drop_database, emit, loadavg, recreate_database, say, step, with_db  # noqa: E402

BENCH_DB = "starmap_bench_command"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creators", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    base_url = database_url()
    admin = connect(base_url, "postgres")
    recreate_database(admin, BENCH_DB)
    os.environ["DATABASE_URL"] = with_db(base_url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["MATCHING_SNAPSHOT_DIR"] = str(Path(tmp) / "snapshots")
            _run(args, Path(tmp))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin, BENCH_DB)
        admin.close()


def _child(argv: list[str]) -> tuple[float, float]:
    """Run a child process; its wall time and CPU time (user + system) in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _run(args, tmp: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from matching import engine
    from orders.models import Order

    with step(f"load the demo with {args.creators:,} creators"):
        call_command("migrate", verbosity=0)
        call_command("load_taxonomy", verbosity=0)
        call_command("load_demo", creators=args.creators, no_progress=True, verbosity=0)
    with step("rebuild the snapshot"):
        engine.rebuild()
    ids = list(Order.objects.filter(status=Order.Status.PUBLISHED).order_by("id").values_list("id", flat=True))
    ids = (ids * (args.orders // max(len(ids), 1) + 1))[: args.orders]
    python, manage = sys.executable, str(ROOT / "manage.py")
    # Compile or load the numba cache once, so every timed process finds it as a deployed one does.
    _child([python, manage, "rank_order", str(ids[0]), "--top", "20", "--json"])

    from matching.models import RankingRun

    def run_ms_since(first_id: int) -> list[int]:
        """How long each ranking took inside the commands (RankingRun.duration_ms), in order."""
        return list(RankingRun.objects.filter(pk__gt=first_id).order_by("pk").values_list("duration_ms", flat=True))

    def last_run() -> int:
        return RankingRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    setup = [_child([python, "-c", "import django; django.setup()"]) for _ in range(args.runs)]
    mark = last_run()
    single = [
        _child([python, manage, "rank_order", str(ids[i % len(ids)]), "--top", "20", "--json"])
        for i in range(args.runs)
    ]
    single_ms = run_ms_since(mark)
    mark = last_run()
    orders_file = tmp / "orders.txt"
    orders_file.write_text("\n".join(map(str, ids)) + "\n")
    batch = [
        _child([python, manage, "rank_order", "--orders-file", str(orders_file), "--top", "20", "--json"])
        for _ in range(max(args.runs // 2, 1))
    ]
    batch_ms = run_ms_since(mark)
    in_process = []
    for order_id in ids:
        started = time.perf_counter()
        call_command("rank_order", str(order_id), "--top", "20", "--json", stdout=open(os.devnull, "w"))  # noqa: SIM115
        in_process.append(time.perf_counter() - started)

    n = args.creators
    say(f"load average {loadavg():.1f}")
    for name, samples in (("django_setup", setup), ("rank_order_one_process_per_order", single)):
        emit(f"{name}_wall", n, float(np.median([w for w, _ in samples])), "s")
        emit(f"{name}_cpu", n, float(np.median([c for _, c in samples])), "s")
    emit("rank_order_orders_file_wall", args.orders, float(np.median([w for w, _ in batch])), "s")
    emit("rank_order_orders_file_per_order", args.orders, float(np.median([w for w, _ in batch])) / args.orders, "s")
    emit("rank_order_orders_file_cpu", args.orders, float(np.median([c for _, c in batch])), "s")
    emit(
        "rank_order_orders_file_cpu_per_order", args.orders, float(np.median([c for _, c in batch])) / args.orders, "s"
    )
    emit("rank_order_in_warm_process", n, float(np.median(in_process[1:] or in_process)), "s")
    # Inside the command: the first order of a process also loads the snapshot and the kernels.
    emit("ranking_in_one_process_per_order_ms", n, float(np.median(single_ms)), "ms")
    emit("ranking_in_orders_file_first_ms", n, float(np.median(batch_ms[:: args.orders])), "ms")
    emit(
        "ranking_in_orders_file_rest_ms",
        n,
        float(np.median([m for i, m in enumerate(batch_ms) if i % args.orders])),
        "ms",
    )
    emit("load_average", n, loadavg(), "")


if __name__ == "__main__":
    main()
