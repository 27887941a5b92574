"""Benchmark `manage.py rank_order` as scripts use it: the start of a fresh process against ranking in a warm one.

    .venv/bin/python bench/rank_order_start.py [--creators 20000] [--orders 10] [--runs 7]
    .venv/bin/python bench/rank_order_start.py --database NAME   # an existing database, kept as it is

Loads the demo (`load_demo --creators N`) into a scratch database (dropped at the end), or uses
``--database`` as it is (a loaded demo or an imported world: nothing is dropped; its snapshot is
rebuilt into a temporary directory). Then, in one run, so that the machine's load is the same for all:

* ``python -c "django.setup()"``: the floor any management command pays, ``--runs`` times;
* ``rank_order ID`` in a fresh process, ``--runs`` times (wall and CPU of the child), with no creator
  edited since the snapshot (``fresh``), and with one creator edited just before each call
  (``fresh_after_edit``: the process patches the edit into the snapshot it loads, as a live system does);
* ``rank_order --orders-file F`` with ``--orders`` orders in one process (per order);
* ranking one order inside an already warm process, through the same command (``call_command``): the
  in-process baseline, what a worker or a long-lived script pays.

Prints one JSON line per figure (times are medians), then the ratios: a fresh call against the warm
baseline and against the setup floor, and the command's start (fresh call − warm call) against the
1.5 s bar of issue #11. The load average is printed beside them: wall times on a shared machine move
with it; CPU times are the steadier figures.
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

START_BAR_S = 1.5  # issue #11: "a command used from scripts starts in ≤ 1.5 s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creators", type=int, default=20_000, help="demo size when a scratch database is made")
    parser.add_argument("--orders", type=int, default=10, help="orders in the --orders-file run")
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure")
    parser.add_argument("--database", help="use this database as it is instead of loading the demo into a scratch one")
    args = parser.parse_args()

    base_url = database_url()
    admin = connect(base_url, "postgres")
    scratch = None if args.database else f"starmap_bench_command_{os.getpid()}"
    if scratch:
        recreate_database(admin, scratch)
    os.environ["DATABASE_URL"] = with_db(base_url, args.database or scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["MATCHING_SNAPSHOT_DIR"] = str(Path(tmp) / "snapshots")
            _run(args, Path(tmp), load_demo=scratch is not None)
    finally:
        from django.db import connections

        connections.close_all()
        if scratch:
            drop_database(admin, scratch)
        admin.close()


def _child(argv: list[str], before=None) -> tuple[float, float]:
    """Run a child process (``before()`` first, untimed); its wall time and CPU time (user + system) in seconds."""
    if before is not None:
        before()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)


def _run(args, tmp: Path, *, load_demo: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from creators.models import Creator
    from matching import engine
    from orders.models import Order

    if load_demo:
        with step(f"load the demo with {args.creators:,} creators"):
            call_command("migrate", verbosity=0)
            call_command("load_taxonomy", verbosity=0)
            call_command("load_demo", creators=args.creators, no_progress=True, verbosity=0)
    with step("rebuild the snapshot"):
        snap = engine.rebuild()
    ids = list(Order.objects.filter(status=Order.Status.PUBLISHED).order_by("id").values_list("id", flat=True))
    if not ids:
        raise SystemExit("no published order to rank")
    ids = (ids * (args.orders // len(ids) + 1))[: args.orders]
    python, manage = sys.executable, str(ROOT / "manage.py")
    one = [python, manage, "rank_order", str(ids[0]), "--top", "20", "--json"]
    _child(one)  # the first process after a rebuild may compile or read caches: not timed
    edited = Creator.objects.order_by("id").values_list("id", flat=True).first()

    def edit_one_creator() -> None:
        Creator.objects.filter(pk=edited).update(updated_at=timezone.now())

    def rank_in_warm_process(order_id: int) -> float:
        started = time.perf_counter()
        with open(os.devnull, "w") as sink:
            call_command("rank_order", str(order_id), "--top", "20", "--json", stdout=sink)
        return time.perf_counter() - started

    rank_in_warm_process(ids[0])  # warms this process: snapshot, imports
    figures: dict[str, list[tuple[float, float]]] = {"django_setup": [], "fresh": [], "fresh_after_edit": []}
    warm: list[float] = []
    # Interleaved, one of each per round, so a change in the machine's load falls on every figure alike.
    for i in range(args.runs):
        order = str(ids[i % len(ids)])
        figures["django_setup"].append(_child([python, "-c", "import django; django.setup()"]))
        figures["fresh"].append(_child([python, manage, "rank_order", order, "--top", "20", "--json"]))
        figures["fresh_after_edit"].append(
            _child([python, manage, "rank_order", order, "--top", "20", "--json"], before=edit_one_creator)
        )
        warm.append(rank_in_warm_process(ids[i % len(ids)]))
    orders_file = tmp / "orders.txt"
    orders_file.write_text("\n".join(map(str, ids)) + "\n")
    batch = [
        _child([python, manage, "rank_order", "--orders-file", str(orders_file), "--top", "20", "--json"])
        for _ in range(max(args.runs // 2, 1))
    ]

    n = snap.n
    med = {
        name: (float(np.median([w for w, _ in runs])), float(np.median([c for _, c in runs])))
        for name, runs in figures.items()
    }
    warm_s = float(np.median(warm))
    say(f"load average {loadavg():.1f}")
    for name, (wall, cpu) in med.items():
        emit(f"{name}_wall", n, wall, "s")
        emit(f"{name}_cpu", n, cpu, "s")
    emit("in_process_wall", n, warm_s, "s")
    batch_wall = float(np.median([w for w, _ in batch]))
    emit("orders_file_wall_per_order", args.orders, batch_wall / args.orders, "s")
    emit("orders_file_cpu_per_order", args.orders, float(np.median([c for _, c in batch])) / args.orders, "s")
    for name in ("fresh", "fresh_after_edit"):
        wall = med[name][0]
        emit(f"ratio_{name}_to_in_process", n, wall / warm_s, "x")
        emit(f"ratio_{name}_to_django_setup", n, wall / med["django_setup"][0], "x")
        emit(f"{name}_start_wall", n, wall - warm_s, "s")  # what the process start adds to the ranking
        emit(f"{name}_within_bar", n, wall <= START_BAR_S, "")  # the whole call, start and ranking
    emit("load_average", n, loadavg(), "")


if __name__ == "__main__":
    main()
