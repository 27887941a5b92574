"""Benchmark "creators like these" on real partnerships: the lookalike development set.

    .venv/bin/python bench/lookalike.py --data DIR [--creators FILE] [--folds 5] [--seed 0]

``DIR`` holds ``partner_groups.csv`` (brand account, creator) and ``posts.csv.gz`` (the creators'
non-evidence posts); ``--creators`` is the influencer list of the pool (tab-separated: Username,
Category, #Followers, …; default ``DIR/../kim-instagram-influencers/influencers.txt``). The data
is research-use data about real people and is not in the repository: README.md ("Match quality")
says where the team keeps it. Nothing of it is written anywhere but a scratch database, which is
dropped at the end.

The task (the set's README): for every brand and every creator in its group, hold that creator
out, give the others as seeds, and find the held-out creator's rank among all creators (seeds
excluded). Everything goes through the project: the pool is written as an `import_creators` CSV
(Instagram handles as platform handles, captions as `content_sample`, the category as an IAB
label, views unknown) and imported with `--verified`; bookings are imported with `import_history`
(brand and creator only, the other columns left to their defaults); the ranking is
`matching.selectors.search_lookalike`, the code behind the command, the API and the page.

Who-booked-whom may only come from other brands: the brands are split into ``--folds`` folds, and
the cases of one fold are ranked with the bookings of the other folds imported as history; with
``--extra-history OTHER_DIR`` another half's bookings are added to every fold's history (the held-out
half ranked with the development half's bookings beside its own other folds). Prints
recall@50, recall@500 and MRR (reciprocal rank, 0 beyond 500) for the system with and without
history and for the baselines, per fold and with a 95 % bootstrap interval over brands.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import connect, database_url, drop_database, emit, recreate_database, say, step, with_db  # noqa: E402

BENCH_DB = "starmap_bench_lookalike"
TOP = 500
# The influencer list's categories as IAB Content Taxonomy 3.1 nodes (a coarse, obvious mapping;
# "other" has no label).
CATEGORY_LABELS = {
    "fashion": "552",  # Style & Fashion
    "fasion": "552",
    "fashion 0.5": "552",
    "beauty": "553",  # Style & Fashion > Beauty
    "travel": "653",  # Travel
    "family": "186",  # Family and Relationships
    "food": "210",  # Food & Drink
    "interior": "283",  # Home & Garden > Interior Decorating
    "fitness": "225",  # Healthy Living > Fitness and Exercise
    "pet": "422",  # Pets
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the development set's folder")
    parser.add_argument("--creators", type=Path, help="the pool's influencer list")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the brand folds and the bootstrap")
    parser.add_argument(
        "--extra-history",
        type=Path,
        help="another half's folder whose partner_groups.csv is added to every fold's history "
        "(e.g. the development half when ranking the held-out half)",
    )
    args = parser.parse_args()
    creators_file = args.creators or args.data.parent / "kim-instagram-influencers" / "influencers.txt"
    for path in (args.data / "partner_groups.csv", args.data / "posts.csv.gz", creators_file):
        if not path.is_file():
            parser.error(f"{path} does not exist")

    base_url = database_url()
    admin = connect(base_url, "postgres")
    recreate_database(admin, BENCH_DB)
    os.environ["DATABASE_URL"] = with_db(base_url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["MATCHING_SNAPSHOT_DIR"] = str(Path(tmp) / "snapshots")
            _run(args, creators_file, Path(tmp))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin, BENCH_DB)
        admin.close()


# ------------------------------------------------------------------ the data


def _read(args, creators_file: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    groups = pd.read_csv(args.data / "partner_groups.csv", dtype=str)
    posts = pd.read_csv(args.data / "posts.csv.gz", dtype={"username": str, "caption": str})
    pool = pd.read_csv(creators_file, sep="\t", skiprows=[1], dtype={"Username": str})
    pool.columns = [c.strip().lstrip("#").lower() for c in pool.columns]
    return groups, posts, pool


def _creators_csv(path: Path, pool: pd.DataFrame, posts: pd.DataFrame) -> None:
    """The pool in the import_creators format: views unknown (image posts), engagement from the posts."""
    posts = posts.assign(caption=posts["caption"].fillna("").str.strip())
    text = posts[posts["caption"] != ""].groupby("username")["caption"].agg(" | ".join)
    per_post = (posts["likes"] + posts["comments"]) / posts["username"].map(pool.set_index("username")["followers"])
    engagement = per_post.groupby(posts["username"]).median().clip(0, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["platform", "platform_handle", "display_name", "followers", "engagement_rate", "labels", "content_sample"]
        )
        for row in pool.itertuples(index=False):
            rate = engagement.get(row.username)
            writer.writerow(
                [
                    "instagram",
                    row.username,
                    row.username,
                    int(row.followers),
                    "" if rate is None or not np.isfinite(rate) else f"{rate:.5f}",
                    CATEGORY_LABELS.get(str(row.category).strip(), ""),
                    text.get(row.username, ""),
                ]
            )


def _history_csv(path: Path, groups: pd.DataFrame) -> None:
    """Who booked whom, and nothing else: brand, dates, prices and categories take their defaults."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["order_ref", "brand", "goal", "format", "creator", "creator_platform", "accepted", "price_per_creator"]
        )
        for row in groups.itertuples(index=False):
            writer.writerow(
                [
                    row.partner_account,
                    row.partner_account,
                    "awareness",
                    "image_post",
                    row.username,
                    "instagram",
                    "yes",
                    "100",
                ]
            )


# ------------------------------------------------------------------- running


def _run(args, creators_file: Path, tmp: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from creators.models import Creator

    groups, posts, pool = _read(args, creators_file)
    extra = pd.read_csv(args.extra_history / "partner_groups.csv", dtype=str) if args.extra_history else groups.iloc[:0]
    if set(extra.get("partner_account", [])) & set(groups["partner_account"]):
        raise SystemExit("--extra-history shares brands with --data: a brand would see its own bookings")
    say(f"{len(groups)} cases in {groups['partner_account'].nunique()} brands; pool of {len(pool):,} creators")
    with step("migrate and load the taxonomy"):
        call_command("migrate", verbosity=0)
        call_command("load_taxonomy", verbosity=0)
    with step("import_creators"):
        _creators_csv(tmp / "creators.csv", pool, posts)
        started = time.perf_counter()
        call_command("import_creators", str(tmp / "creators.csv"), "--verified", "--no-progress", stdout=sys.stderr)
        emit("import_creators", len(pool), time.perf_counter() - started, "s")
    ids = dict(Creator.objects.values_list("platform_handle", "id"))
    groups = groups.assign(creator_id=groups["username"].map(ids))
    brands = np.array(sorted(groups["partner_account"].unique()))
    np.random.default_rng(args.seed).shuffle(brands)
    fold_of = {brand: i % args.folds for i, brand in enumerate(brands)}
    groups["fold"] = groups["partner_account"].map(fold_of)

    with step("the posts index (TF-IDF of what creators wrote) and the snapshot"):
        from matching import engine

        engine.current()
        started = time.perf_counter()
        index = engine.post_index()
        emit("post_index_build", len(pool), time.perf_counter() - started, "s")
        matrix = index.matrix_csc
        size = matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
        emit("post_index_size", len(pool), 2 * size / 2**20, "MiB")  # by column and by row
        emit("post_index_terms", len(pool), matrix.shape[1], "terms")
    ranks: dict[str, list] = {}
    cases: list[tuple[str, int]] = []
    with step("ranking without history"):
        _history(groups.iloc[:0], tmp)
        snap_methods = _rank_all(groups, ranks, cases)
    for fold in range(args.folds):
        with step(f"fold {fold + 1}/{args.folds}: history of the other folds"):
            _history(pd.concat([groups[groups["fold"] != fold], extra]), tmp)
            _rank_fold(groups[groups["fold"] == fold], ranks)
    _report(ranks, cases, groups, fold_of, args, snap_methods)


def _history(groups: pd.DataFrame, tmp: Path) -> None:
    from django.core.management import call_command

    from orders.models import Collaboration, Order

    Collaboration.objects.all().delete()
    Order.objects.all().delete()
    if len(groups):
        _history_csv(tmp / "history.csv", groups)
        call_command("import_history", str(tmp / "history.csv"), "--no-progress", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _seeds(members: pd.DataFrame, held_out: int) -> list[int]:
    return [int(i) for i in members["creator_id"] if i != held_out]


def _rank_all(groups: pd.DataFrame, ranks: dict, cases: list) -> list[str]:
    """Every case with the system (no history imported) and the baselines, which read the snapshot."""
    from matching import engine, search, selectors

    snap = engine.current()
    category = snap.primary_interest
    log_followers = np.log10(np.maximum(snap.followers, 1)).astype(np.float64)
    timings = []
    for brand, members in groups.groupby("partner_account", sort=True):
        for held_out in members["creator_id"]:
            seeds = _seeds(members, held_out)
            cases.append((brand, int(held_out)))
            if len(cases) % 100 == 0:
                say(f"{len(cases)} cases ranked")
            started = time.perf_counter()
            found = selectors.search_lookalike(seeds, top=TOP)
            timings.append(time.perf_counter() - started)
            ranks.setdefault("Starmap: posts + profile (no history)", []).append(_rank_in(found, held_out))
            rows = snap.rows_of(seeds)
            target = int(snap.rows_of([held_out])[0])
            majority = np.bincount(category[rows] + 1).argmax() - 1
            same = (category == majority).astype(np.float64)
            middle = float(np.median(log_followers[rows]))
            baselines = {
                "random": None,
                "same category + popularity": same * 100 + log_followers,
                "same category + closest follower count": same * 100 - np.abs(log_followers - middle),
                "profile only (Starmap before)": _profile_scores(search, snap, rows),
            }
            for name, score in baselines.items():
                ranks.setdefault(name, []).append(_rank_of_score(score, rows, target, snap.active))
    emit("search_lookalike_median", len(timings), float(np.median(timings)) * 1000, "ms")
    return list(ranks)


def _profile_scores(search, snap, rows: np.ndarray) -> np.ndarray:
    found = search.lookalike(snap, rows, snap.n)
    score = np.full(snap.n, -np.inf)
    score[found.rows] = found.scores
    return score


def _rank_fold(groups: pd.DataFrame, ranks: dict) -> None:
    from matching import selectors

    for _brand, members in groups.groupby("partner_account", sort=True):
        for held_out in members["creator_id"]:
            found = selectors.search_lookalike(_seeds(members, held_out), top=TOP)
            ranks.setdefault("_full", {})[(_brand, int(held_out))] = _rank_in(found, held_out)


def _rank_in(found: list[dict], creator_id: int) -> float:
    for i, result in enumerate(found, start=1):
        if result["creator"].pk == creator_id:
            return float(i)
    return float("inf")


def _rank_of_score(score, seed_rows: np.ndarray, target: int, active: np.ndarray) -> float:
    """The held-out creator's rank among active non-seeds (ties count half), or its expectation for random."""
    candidates = active.copy()
    candidates[seed_rows] = False
    if score is None:
        return float("nan")  # random: reported analytically
    s = score[candidates]
    mine = score[target]
    return float((s > mine).sum() + 1 + ((s == mine).sum() - 1) / 2)


# ------------------------------------------------------------------- report


def _metrics(r: np.ndarray) -> dict[str, float]:
    return {
        "recall@50": float(np.mean(r <= 50)),
        "recall@500": float(np.mean(r <= TOP)),
        "MRR": float(np.mean(np.where(r <= TOP, 1 / r, 0.0))),
    }


def _report(ranks: dict, cases: list, groups: pd.DataFrame, fold_of: dict, args, methods: list[str]) -> None:
    full = ranks.pop("_full")
    table = {"Starmap: posts + profile + who else the brands booked": np.array([full[c] for c in cases])}
    for name in methods:
        table[name] = np.array(ranks[name])
    brand_of_case = np.array([brand for brand, _ in cases])
    fold_of_case = np.array([fold_of[brand] for brand in brand_of_case])
    n_active = _active_count()
    rng = np.random.default_rng(args.seed)
    brands = np.unique(brand_of_case)
    samples = [rng.choice(brands, size=len(brands)) for _ in range(1000)]
    index = {b: np.flatnonzero(brand_of_case == b) for b in brands}
    lines = [
        f"\n{len(cases)} cases, {len(brands)} brands, {n_active:,} creators ranked; {args.folds}-fold over brands\n"
    ]
    header = f"{'method':<58}{'recall@50':>10}{'recall@500':>11}{'95% CI (brands)':>18}{'MRR':>8}   recall@500 per fold"
    lines.append(header)
    for name, r in table.items():
        if name == "random":
            seeds = groups.groupby("partner_account").size().reindex(brand_of_case).to_numpy() - 1
            candidates = n_active - seeds
            m = {"recall@50": float(np.mean(50 / candidates)), "recall@500": float(np.mean(TOP / candidates))}
            m["MRR"] = float(np.mean([np.sum(1 / np.arange(1, TOP + 1)) / c for c in candidates]))
            lines.append(
                f"{name + ' (expected)':<58}{m['recall@50']:>10.3f}{m['recall@500']:>11.3f}{'':>18}{m['MRR']:>8.4f}"
            )
            for key, value in m.items():
                emit(f"{name} {key}", len(cases), value, "")
            continue
        m = _metrics(r)
        boot = [np.mean(np.concatenate([r[index[b]] for b in sample]) <= TOP) for sample in samples]
        lo, hi = np.percentile(boot, [2.5, 97.5])
        folds = " ".join(f"{np.mean(r[fold_of_case == f] <= TOP):.3f}" for f in range(args.folds))
        interval = f"{lo:.3f}–{hi:.3f}"
        lines.append(
            f"{name:<58}{m['recall@50']:>10.3f}{m['recall@500']:>11.3f}{interval:>18}{m['MRR']:>8.4f}   {folds}"
        )
        for key, value in m.items():
            emit(f"{name} {key}", len(cases), value, "")
    print("\n".join(lines), flush=True)


def _active_count() -> int:
    from creators.models import Creator

    return Creator.objects.filter(is_active=True, verification="verified").count()


if __name__ == "__main__":
    main()
