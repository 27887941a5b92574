"""bench/quality.py's arithmetic: paired differences per order, pooled over seeds (the benchmark itself
is not a test; what it prints must still add up)."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("bench_quality", ROOT / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _run(quality, seed, hand, heuristic):
    per = {m: {"ndcg": list(heuristic), "recall": [0.5] * len(hand)} for m in quality.METHODS}
    per["hand"]["ndcg"] = list(hand)
    per["learned"]["ndcg"] = list(hand)
    per["system"]["ndcg"] = list(hand)
    return {"world": "budget", "seed": seed, "orders": len(hand), "per_order": per, "metrics": quality.metrics(per)}


def test_summary_pools_every_seeds_orders_and_counts_the_seeds_a_difference_won(quality):
    # Seed 11: the hand score loses by 0.1 on every order; seed 12: it wins by 0.3 on every order.
    runs = [
        _run(quality, 11, [0.4, 0.5, 0.6, 0.4], [0.5, 0.6, 0.7, 0.5]),
        _run(quality, 12, [0.9, 0.8, 0.9, 0.8], [0.6, 0.5, 0.6, 0.5]),
    ]
    budget = quality.summary(runs)["budget"]
    assert budget["orders"] == 8
    assert budget["seeds"] == [11, 12]
    difference = budget["metrics"]["hand − heuristic"]["ndcg10"]
    assert difference["mean"] == pytest.approx(0.1)
    assert budget["seeds_won"]["hand − heuristic"] == 1
    assert runs[0]["metrics"]["hand − heuristic"]["ndcg10"]["mean"] == pytest.approx(-0.1)
    table = quality.summary_table(runs)
    assert "world budget (seeds 11, 12; 8 orders)" in table
    assert "ahead in 1 of 2 seeds" in table
