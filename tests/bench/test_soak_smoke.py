"""bench/soak.py for a minute, with both faults: a worker killed at 30 % and PostgreSQL restarted at 60 %.

The script starts a whole stack of its own (marketplace.dev.stack), so it runs as a subprocess: Locust
patches the standard library with gevent, which this test process must not inherit. What it asserts is
what the soak promises: deals complete, none is lost, the ledger agrees to the cent, and no request got
a 5xx outside the PostgreSQL gap.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.dev.stack import INHERITED_NOT

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_a_minute_of_soak_with_faults_loses_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT}
    done = subprocess.run(
        [sys.executable, "bench/soak.py", "--smoke", "--root", str(tmp_path / "stack")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        figures[record["name"]] = record["value"]
    why = f"{figures}\n{done.stderr[-3000:]}"
    assert figures["worker_killed_at"] > 0 and figures["postgres_gap"] > 0, why  # both faults happened
    assert figures["deals_completed"] > 0, why
    assert figures["lost_deals"] == 0, why
    assert figures["ledger_differences"] == 0, why
    assert figures["http_5xx_outside_gap"] == 0, why
    assert any(name.startswith("p99 GET /wallet/") for name in figures), why  # per-endpoint latencies
