"""Benchmark ranking shards (issue 14, "Scaling past one machine"): a shard worker's resident memory after
loading its shard, and the ranking time per order, at 1, 2 and 4 shards, compared in one run.

    .venv/bin/python bench/shards.py [--creators 2000000] [--shards 1 2 4] [--orders 15] [--seed 7]

Prints one JSON object per line on stdout, ``{"name": ..., "n": N, "value": ..., "unit": ...}`` (as
bench/rank.py does); progress goes to stderr. No database: the synthetic creators of matching.synthetic are
built into a snapshot in this process (snapshot.build, as the nightly rebuild does from PostgreSQL's frames)
and saved once per shard count with each shard's part (snapshot.save(shards=N), as engine.rebuild saves it).
Then, for each shard count, each shard runs in a fresh process set up like a worker (Django loaded), one after
the other so they do not share the two cores: it loads only its part (snapshot.load_shard), and ranks every
order as a shard task does (scoring.rank for the shard's top 200, then their reasons, prices and expected
views). Figures per shard count:

- ``shard_rss_mib`` (the largest shard's process RSS after load and warm-up), ``shard_rss_mean_mib``,
  ``shard_peak_rss_mib``, ``shard_base_rss_mib`` (Django and numba before the load), ``shard_snapshot_mib``;
- ``rank_ms_p50`` / ``rank_ms_p90``: per order, the slowest shard's time (the shards run at once on separate
  machines, so the run waits for the slowest), plus the merge; ``rank_cpu_ms_p50``: all shards' time added;
  ``rank_kernel_ms_p50`` and ``rank_reasons_ms_p50``: the slowest shard's scoring pass and its reasons for
  its top 200 (a fixed cost per shard, whatever its size);
- ``merge_ms_p50``: the merge of the shards' top lists (in the run it happens in the last shard's task);
- ``equal_to_unsharded``: 1 when every order's merged list (creators, order, scores, reasons) equals the
  1-shard list; and ratios to 1 shard (the machine is shared: compare ratios, not absolute figures).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import emit, loadavg, peak_rss_mib, percentile, rss_mib, say, step  # noqa: E402

TOP_K = 200  # matching.services.TOP_K (not imported here: the parent does not set Django up)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creators", type=int, default=2_000_000)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--orders", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)  # internal: root shard shards orders out
    args = parser.parse_args()
    if args.child:
        root, shard, shards, orders, out = args.child
        _child(Path(root), int(shard), int(shards), Path(orders), Path(out))
        return
    if 1 not in args.shards:
        parser.error("--shards must include 1: every figure is compared to the unsharded one")
    work = Path(tempfile.mkdtemp(prefix="bench-shards-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    from bench.rank import make_orders
    from matching import snapshot, synthetic

    n = args.creators
    emit("loadavg_1m", n, loadavg(), "")
    with step(f"synthetic snapshot of {n:,} creators"):
        snap = snapshot.build(synthetic.frames(n, seed=args.seed), synthetic.catalogue(), version="bench", watermark="")
    orders = make_orders(snap, args.orders, args.seed)
    # Orders name excluded creators by id (the shards find their own rows), as features.order_query does.
    orders = [dataclasses.replace(q, excluded_rows=snap.creator_ids[q.excluded_rows]) for q in orders]
    (work / "orders.pkl").write_bytes(pickle.dumps(orders))
    emit("snapshot_mib", n, snap.nbytes() / 2**20, "MiB")
    roots = {}
    for shards in sorted(set(args.shards)):
        roots[shards] = work / f"s{shards}"
        roots[shards].mkdir()
        with step(f"save with {shards} shard(s)"):
            snapshot.save(snap, roots[shards], shards=shards)
    del snap
    gc.collect()

    figures: dict[int, dict] = {}
    lists: dict[int, list] = {}
    for shards in sorted(set(args.shards)):
        parts = []
        for shard in range(shards):
            out = work / f"part-{shards}-{shard}.pkl"
            with step(f"shard {shard} of {shards}: load and rank {len(orders)} orders in a fresh process"):
                proc = subprocess.run(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "--child",
                        str(roots[shards]),
                        str(shard),
                        str(shards),
                        str(work / "orders.pkl"),
                        str(out),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=ROOT,
                )
            if proc.returncode != 0:
                raise RuntimeError(f"shard process exited {proc.returncode}:\n{proc.stderr[-3000:]}")
            parts.append(pickle.loads(out.read_bytes()))  # noqa: S301 - this run's own temp file
        shutil.rmtree(roots[shards], ignore_errors=True)
        merged, merge_ms = [], []
        for i in range(len(orders)):
            started = time.perf_counter()
            merged.append(merge([p["orders"][i] for p in parts]))
            merge_ms.append((time.perf_counter() - started) * 1000)
        slowest = [max(p["orders"][i]["ms"] for p in parts) + merge_ms[i] for i in range(len(orders))]
        total = [sum(p["orders"][i]["ms"] for p in parts) for i in range(len(orders))]
        kernel = [max(p["orders"][i]["kernel_ms"] for p in parts) for i in range(len(orders))]
        reasons = [max(p["orders"][i]["reasons_ms"] for p in parts) for i in range(len(orders))]
        figures[shards] = f = {
            "shard_rss_mib": max(p["rss_mib"] for p in parts),
            "shard_rss_mean_mib": float(np.mean([p["rss_mib"] for p in parts])),
            "shard_peak_rss_mib": max(p["peak_mib"] for p in parts),
            "shard_base_rss_mib": max(p["base_mib"] for p in parts),
            "shard_snapshot_mib": max(p["snapshot_mib"] for p in parts),
            "shard_creators": max(p["creators"] for p in parts),
            "shard_load_s": max(p["load_s"] for p in parts),
            "rank_ms_p50": percentile(slowest, 50),
            "rank_ms_p90": percentile(slowest, 90),
            "rank_cpu_ms_p50": percentile(total, 50),
            "rank_kernel_ms_p50": percentile(kernel, 50),
            "rank_reasons_ms_p50": percentile(reasons, 50),
            "merge_ms_p50": percentile(merge_ms, 50),
        }
        lists[shards] = merged
        for name, value in f.items():
            unit = "MiB" if name.endswith("_mib") else "ms" if "_ms" in name else "s" if name.endswith("_s") else ""
            emit(f"{name}_{shards}", n, value, unit)
        emit(f"equal_to_unsharded_{shards}", n, int(merged == lists[1]) if 1 in lists else 1, "")
    for shards, f in figures.items():
        if shards == 1:
            continue
        one = figures[1]
        emit(f"ratio_shard_rss_{shards}_to_1", n, f["shard_rss_mib"] / one["shard_rss_mib"], "")
        emit(
            f"ratio_shard_snapshot_rss_{shards}_to_1",
            n,
            (f["shard_rss_mib"] - f["shard_base_rss_mib"]) / (one["shard_rss_mib"] - one["shard_base_rss_mib"]),
            "",
        )
        emit(f"ratio_rank_ms_p50_{shards}_to_1", n, f["rank_ms_p50"] / one["rank_ms_p50"], "")
        emit(f"ratio_rank_cpu_ms_p50_{shards}_to_1", n, f["rank_cpu_ms_p50"] / one["rank_cpu_ms_p50"], "")
        emit(f"ratio_rank_kernel_ms_p50_{shards}_to_1", n, f["rank_kernel_ms_p50"] / one["rank_kernel_ms_p50"], "")
    emit("loadavg_1m_end", n, loadavg(), "")


def merge(parts: list[dict]) -> list[tuple]:
    """The shards' top lists merged as services.ranking_finish merges them (hand score; ties by creator id)."""
    ids = np.concatenate([p["ids"] for p in parts])
    scores = np.concatenate([p["scores"] for p in parts])
    reasons = [r for p in parts for r in p["reasons"]]
    top = np.lexsort((ids, -scores))[:TOP_K]
    return [(int(ids[i]), float(scores[i]), reasons[i]) for i in top]


def _child(root: Path, shard: int, shards: int, orders_file: Path, out: Path) -> None:
    """One shard worker: Django set up, only its shard loaded (and the kernels warmed), then every order."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    django.setup()
    from matching import explain, scoring, snapshot

    base = rss_mib()
    started = time.perf_counter()
    snap = snapshot.load_shard(root, shard, shards)
    scoring.warm(snap)
    load_s = time.perf_counter() - started
    gc.collect()
    after_load = rss_mib()
    results = []
    fmt_of = scoring.FORMATS.index
    for q in pickle.loads(orders_file.read_bytes()):  # noqa: S301 - the parent's own temp file
        rows = snap.rows_of(q.excluded_rows)
        q = dataclasses.replace(q, excluded_rows=np.sort(rows[rows >= 0]))
        started = time.perf_counter()
        ranking = scoring.rank(snap, q, TOP_K)
        ranked = time.perf_counter()
        reasons = explain.reasons_for(snap, q, ranking.rows, ranking.components)
        prices = snap.price[fmt_of(q.format), ranking.rows].tolist()
        done = time.perf_counter()
        results.append(
            {
                "ms": (done - started) * 1000,
                "kernel_ms": (ranked - started) * 1000,
                "reasons_ms": (done - ranked) * 1000,
                "ids": snap.creator_ids[ranking.rows],
                "scores": ranking.scores,
                "reasons": reasons,
                "prices": prices,
            }
        )
    report = {
        "orders": results,
        "rss_mib": after_load,
        "peak_mib": peak_rss_mib(),
        "base_mib": base,
        "load_s": load_s,
        "snapshot_mib": snap.nbytes() / 2**20,
        "creators": snap.n,
    }
    out.write_bytes(pickle.dumps(report))
    say(f"shard {shard}/{shards}: {snap.n:,} creators, RSS {base:.0f} -> {after_load:.0f} MiB, load {load_s:.2f} s")


if __name__ == "__main__":
    main()
