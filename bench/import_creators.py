"""Benchmark `import_creators`: a seeded synthetic CSV of N rows into a fresh, migrated database.

    .venv/bin/python bench/import_creators.py [--rows 100000] [--seed 7]

Creates ``starmap_bench_import`` on the same server as the default database (the embedded one
unless DATABASE_URL is set), drops it afterwards, and prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import connect, database_url, drop_database, recreate_database, with_db  # noqa: E402 - the path above makes the project importable

BENCH_DB = "starmap_bench_import"
LABELS = 700
WORDS = ("skincare", "routine", "review", "budget", "travel", "vlog", "recipe", "street", "food", "gaming", "haul")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    base_url = database_url()
    admin = connect(base_url, "postgres")
    recreate_database(admin, BENCH_DB)
    os.environ["DATABASE_URL"] = with_db(base_url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    try:
        _run(args.rows, args.seed)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin, BENCH_DB)


def _run(rows: int, seed: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from creators.importing import creators_import, creators_validate
    from creators.models import Creator

    call_command("migrate", verbosity=0)
    label_ids = _make_labels()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "creators.csv"
        _write_csv(path, rows=rows, label_ids=label_ids, rng=random.Random(seed))
        data = path.read_bytes()
        # Warm up on the first rows (imports, caches): timed cold, validation alone took longer than the
        # whole import after it, and the write time derived from them came out negative at small sizes.
        creators_validate(data=b"\n".join(data.split(b"\n", 21)[:21]))
        started = time.perf_counter()
        creators_validate(data=data)
        validate = time.perf_counter() - started
        started, cpu_started = time.perf_counter(), time.process_time()
        result = creators_import(data=data, source=path.name)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert result.rows == rows == Creator.objects.count()
    for name, value, unit in (
        ("import_rows_per_s", round(rows / total), "rows/s"),
        ("import_seconds", round(total, 2), "s"),
        ("import_validate_seconds", round(validate, 2), "s"),
        ("import_write_seconds", round(total - validate, 2), "s"),
        # Python-side CPU of the import: a steadier figure than wall time on a shared machine.
        ("import_client_cpu_seconds", round(cpu, 2), "s"),
    ):
        print(json.dumps({"name": name, "n": rows, "value": value, "unit": unit}), flush=True)


def _make_labels() -> list[str]:
    from marketplace.core.models import Interest, Label

    interests = Interest.objects.bulk_create(Interest(iab_id=f"B{i}", name=f"Bench interest {i}") for i in range(30))
    Label.objects.bulk_create(
        Label(
            iab_id=str(1000 + i),
            name=f"Bench label {i}",
            path=f"Bench interest {i % 30} > Bench label {i}",
            tier=2,
            interest=interests[i % 30],
        )
        for i in range(LABELS)
    )
    return [str(1000 + i) for i in range(LABELS)]


def _write_csv(path: Path, *, rows: int, label_ids: list[str], rng: random.Random) -> None:
    from creators.importing.rows import COLUMNS, PRICE_COLUMNS
    from marketplace.core.audience import AGE_BUCKETS, GENDERS

    regions = ["CN", "CN-GD", "CN-SH", "CN-BJ", "CN-ZJ", "US", "JP", "KR", "SG"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for i in range(rows):
            followers = int(rng.lognormvariate(11, 1.5))
            labels = rng.sample(label_ids, rng.randint(1, 5))
            writer.writerow(
                {
                    "handle": f"bench-{i:07d}",
                    "display_name": f"Bench Creator {i}",
                    "platform": rng.choice(("douyin", "kuaishou", "xiaohongshu", "bilibili")),
                    "country": rng.choice(regions),
                    "bio": " ".join(rng.choices(WORDS, k=12)),
                    "content_sample": " | ".join(" ".join(rng.choices(WORDS, k=4)) for _ in range(5)),
                    "followers": followers,
                    "median_views_30d": int(followers * rng.uniform(0.05, 0.5)),
                    "median_views_90d": int(followers * rng.uniform(0.05, 0.5)),
                    "engagement_rate": f"{rng.uniform(0, 0.2):.4f}",
                    "completion_rate": f"{rng.uniform(0.1, 0.8):.4f}",
                    "hit_video_share": f"{rng.uniform(0, 0.3):.4f}",
                    "follower_growth_30d": f"{rng.uniform(-0.05, 0.2):.4f}",
                    "fulfilment_rate": f"{rng.uniform(0.7, 1):.3f}" if rng.random() < 0.5 else "",
                    "avg_rating": f"{rng.uniform(3, 5):.2f}" if rng.random() < 0.5 else "",
                    "labels": ";".join(f"{label}:{rng.uniform(0.1, 1):.2f}" for label in labels),
                    "audience_age": _shares(AGE_BUCKETS, rng),
                    "audience_gender": _shares(GENDERS, rng),
                    "audience_region": _shares(rng.sample(regions, 3), rng),
                    **{
                        column: f"{rng.randint(100, 50_000)}.{rng.randint(0, 99):02d}" if rng.random() < 0.6 else ""
                        for column in PRICE_COLUMNS
                    },
                    "max_concurrent": rng.randint(1, 6),
                    "verification": rng.choice(("unverified", "verified")),
                    "is_active": "true",
                }
            )


def _shares(keys, rng: random.Random) -> str:
    weights = [rng.random() + 0.01 for _ in keys]
    total = sum(weights)
    return ";".join(f"{key}:{w / total:.3f}" for key, w in zip(keys, weights, strict=True))


if __name__ == "__main__":
    main()
