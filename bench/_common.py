"""Small helpers shared by the benchmarks in bench/: JSON figures, database URLs, memory and timing."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def emit(name: str, n: int, value, unit: str, sink: list | None = None) -> None:
    """Print one figure as a JSON line on stdout (and keep it for the summary)."""
    if isinstance(value, float | np.floating):
        value = float(value)
        value = round(value, 3) if abs(value) >= 1 or value == 0 else float(f"{value:.3g}")
    elif isinstance(value, np.integer):
        value = int(value)
    record = {"name": name, "n": n, "value": value, "unit": unit}
    print(json.dumps(record), flush=True)
    if sink is not None:
        sink.append(record)


def say(message: str) -> None:
    """Progress on stderr, so stdout stays one JSON object per line."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def step(label: str):
    say(f"{label} ...")
    started = time.perf_counter()
    yield
    say(f"{label}: {time.perf_counter() - started:.2f} s")


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


# ------------------------------------------------------------------ databases


def database_url() -> str:
    """DATABASE_URL, or the embedded PostgreSQL's (started if it is not running)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    from marketplace.dev import devservers

    devservers.ensure_started()
    return devservers.embedded_database_url()


def with_db(url: str, name: str) -> str:
    """The same server URL with another database name (or Redis db number)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def connect(url: str, dbname: str | None = None):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=dbname or parts.path.lstrip("/"),
    )
    conn.autocommit = True
    return conn


def recreate_database(admin, name: str) -> None:
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin, name: str) -> None:
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------- memory


def _status_kib(field: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_mib(pid: int | str = "self") -> float:
    return _status_kib("VmRSS", pid) / 1024


def peak_rss_mib(pid: int | str = "self") -> float:
    """VmHWM: the peak resident set since start (or since reset_peak_rss)."""
    return _status_kib("VmHWM", pid) / 1024


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux clear_refs); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])
