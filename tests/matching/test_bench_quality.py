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


def _run(quality, seed, hand, heuristic, goals=None, without_conversions=None):
    methods = (*quality.METHODS, quality.WITHOUT_CONVERSIONS)
    per = {m: {"ndcg": list(heuristic), "recall": [0.5] * len(hand)} for m in methods}
    per["hand"]["ndcg"] = list(hand)
    per["learned"]["ndcg"] = list(hand)
    per["system"]["ndcg"] = list(hand)
    per[quality.WITHOUT_CONVERSIONS]["ndcg"] = list(without_conversions or hand)
    goals = goals or ["awareness"] * len(hand)
    return {
        "world": "budget",
        "seed": seed,
        "orders": len(hand),
        "goals": goals,
        "per_order": per,
        "metrics": quality.metrics(per, goals),
    }


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


def test_the_conversion_effect_is_the_hand_scores_gain_from_past_conversions_on_conversion_briefs_only(quality):
    # Orders 0 and 2 are conversion briefs: the hand score gains 0.2 and 0.1 there from knowing past
    # conversions; order 1 (awareness) moved by 0.5 but does not read conversions and must not count.
    run = _run(
        quality,
        11,
        hand=[0.6, 0.9, 0.5],
        heuristic=[0.5, 0.5, 0.5],
        goals=["conversion", "awareness", "conversion"],
        without_conversions=[0.4, 0.4, 0.4],
    )
    effect = run["metrics"][quality.CONVERSION_EFFECT]
    assert effect["orders"] == 2
    assert effect["ndcg10"]["mean"] == pytest.approx(0.15)
    pooled = quality.summary([run])["budget"]
    assert pooled["metrics"][quality.CONVERSION_EFFECT]["ndcg10"]["mean"] == pytest.approx(0.15)
    assert pooled["seeds_won"][quality.CONVERSION_EFFECT] == 1
    assert "ahead in 1 of 1 seeds (2 orders)" in quality.summary_table([run])
    assert quality.CONVERSION_EFFECT in quality.table(
        {
            **run,
            "trained": {"version": "v", "active": False, "gain": {}},
            "story": "",
            "creators": 1,
            "deals": 1,
            "seconds": 1.0,
        }
    )


def test_a_world_with_no_conversion_brief_reports_no_conversion_effect(quality):
    run = _run(quality, 11, hand=[0.6, 0.9], heuristic=[0.5, 0.5], goals=["awareness", "seeding"])
    assert quality.CONVERSION_EFFECT not in run["metrics"]
    assert quality.summary([run])["budget"]["seeds_won"][quality.CONVERSION_EFFECT] == 0
