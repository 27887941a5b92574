"""Every reason names the metric its number comes from, and the number is the snapshot's (issue #10 item 17)."""

import numpy as np
import pytest

from matching import explain, learn, scoring, selectors, snapshot, synthetic
from matching.scoring import OrderQuery
from matching.snapshot import METRIC_NAMES, PERFORMANCE_PARTS, conversion_standing, track_prior

NAMES = {"labels": {}, "interests": {}}
METRIC_WORDS = {
    "views": "views per video",
    "engagement_rate": "Engagement rate",
    "hit_video_share": "Hit videos",
    "completion_rate": "Completion rate",
    "conversion": "conversion",
}


@pytest.fixture(scope="module")
def snap():
    return snapshot.build(synthetic.frames(20_000, seed=5), synthetic.catalogue(), version="e", watermark="")


def _ranked(snap, goal):
    regions = tuple(int(c) for c in snap.catalogue.region_columns(["CN"]))
    q = OrderQuery(
        goal=goal, format="short_21_60", budget=3_000_000, tolerance_bps=1000, labels=((4, 1.0), (41, 0.6)),
        ages=("18-23",), genders=("female",), regions=regions,
    )  # fmt: skip
    ranking = scoring.rank(snap, q, 200)
    return q, ranking, explain.reasons_for(snap, q, ranking.rows, ranking.components)


def metric(snap, name, row):
    return float(snap.metrics[METRIC_NAMES.index(name), row])


@pytest.mark.parametrize("goal", scoring.GOALS)
def test_each_reason_number_is_the_snapshots_number_for_the_metric_it_names(snap, goal):
    q, ranking, reasons = _ranked(snap, goal)
    prior = track_prior(snap.reference)
    with_history = 0

    for i, row in enumerate(ranking.rows):
        by_code = {r["code"]: r for r in reasons[i]}
        # The performance reasons are exactly the goal's own metrics, each with its own percentile.
        performance = [r for r in reasons[i] if r["code"] in METRIC_WORDS]
        assert sorted(r["code"] for r in performance) == sorted(
            "views" if m == "median_views" else m for m, _ in PERFORMANCE_PARTS[goal]
        )
        for r in performance:
            # "More than X % of creators": the share strictly below, rounded down, never 100.
            if r["code"] == "views":
                assert r["views"] == snap.median_views[row]
                table, value = snap.reference["log_views"], np.log1p(r["views"])
            elif r["code"] == "conversion":
                assert r["rate"] == round(metric(snap, "conversion", row) * 100, 2)
                assert r["deals"] == round(metric(snap, "conversion_deals", row))
                table = None
                share = conversion_standing(metric(snap, "conversion", row), prior)
            else:
                assert r["rate"] == round(metric(snap, r["code"], row) * 100, 1)
                table, value = snap.reference[r["code"]], metric(snap, r["code"], row)
            if table is not None:
                share = np.count_nonzero(table < value) / len(table)
            assert r["percentile"] == min(99, int(float(share) * 100))
        w = scoring.WEIGHTS[goal]
        assert sum(r["points"] for r in performance) == pytest.approx(
            w["performance"] * ranking.components["performance"][i] * 100, abs=0.1 * len(performance)
        )
        price = int(snap.price[1, row])
        assert by_code["budget_left"]["price"] == price
        assert by_code["budget_left"]["left"] == round((1 - price / q.budget) * 100)
        assert by_code["regions"]["share"] == round(float(scoring.region_share(snap, q, row, row + 1)[0]) * 100)
        assert by_code["ages"]["share"] == round(float(snap.age[0, row]) * 100)
        if "reliability" in by_code:
            with_history += 1
            r = by_code["reliability"]
            assert r["orders"] == round(metric(snap, "deals", row))
            if r["orders"]:
                assert r["on_time_counted"] == round(metric(snap, "on_time", row) * 100)
                assert 0 <= r["on_time"] <= r["orders"]
        # Ordered by what each added, and together they are the match score.
        points = [r["points"] for r in reasons[i]]
        assert points == sorted(points, reverse=True)
        assert sum(points) == pytest.approx(float(ranking.scores[i]) * 100, abs=0.06 * len(points))
    assert with_history > 0


@pytest.mark.parametrize("goal", scoring.GOALS)
def test_each_reason_text_names_its_metric(snap, goal):
    _, _, reasons = _ranked(snap, goal)

    for row in reasons[:50]:
        for r in row:
            text = selectors.reason_text(r, NAMES, "CNY")
            if r["code"] in METRIC_WORDS and (r["code"] != "conversion" or r["deals"]):
                assert METRIC_WORDS[r["code"]] in text, text
                assert f"{r['percentile']} %" in text, text


def test_the_price_reason_says_what_it_leaves_of_the_budget_and_old_stored_reasons_still_read(snap):
    _, _ranking, reasons = _ranked(snap, "awareness")
    reason = next(r for r in reasons[0] if r["code"] == "budget_left")

    text = selectors.reason_text(reason, NAMES, "CNY")

    assert f"leaves {reason['left']} % of your budget per creator" in text
    assert "all of your budget" in selectors.reason_text({**reason, "left": 0}, NAMES, "CNY")
    old = {"code": "value", "cpm": 1234, "cheaper_than": 60, "points": 5.0}
    assert "cheaper than 60 % of peers" in selectors.reason_text(old, NAMES, "CNY")


@pytest.mark.parametrize("goal", scoring.GOALS)
def test_a_creator_reads_every_reason_in_their_own_words_never_the_brands(snap, goal):
    """An order recommended to a creator: "your labels", "your target regions", "your budget" are the brand's."""
    _, _, reasons = _ranked(snap, goal)
    brand_words = ("your labels", "your target regions", "your age groups", "your gender target", "your budget")

    for row in reasons[:50]:
        for r in row:
            text = selectors.reason_text(r, NAMES, "CNY", reader="creator")
            assert not any(words in text for words in brand_words), text
            if r["code"] == "regions":
                assert f"{r['share']} % of your audience in the brand's target regions" in text


def test_the_misleading_old_performance_reason_is_not_made_any_more(snap):
    for goal in scoring.GOALS:
        _, _, reasons = _ranked(snap, goal)
        assert not any(r["code"] == "performance" for row in reasons for r in row)


def test_more_than_is_the_share_strictly_below_and_never_everyone():
    table = np.array([0.0, 0.0, 0.0, 0.5, 1.0])

    assert explain.more_than(explain.share_below(0.0, table)) == 0  # tied at the bottom: above nobody
    assert explain.more_than(explain.share_below(1.0, table)) == 80
    assert explain.more_than(explain.share_below(2.0, table)) == 99  # above every other: not "100 %"
    assert explain.more_than(explain.share_below(2.0, np.empty(0))) == 0


class _LiftsTheWeak:
    """A model that lifts creators for weak reach (trees can): its opinion falls as performance rises."""

    def predict(self, x):
        return -x[:, learn.FEATURE_NAMES.index("performance")]


def test_a_move_is_put_down_only_to_what_is_true_of_the_creator():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.2, 0.8, size=(40, len(learn.FEATURE_NAMES))).astype(np.float32)
    perf = learn.FEATURE_NAMES.index("performance")
    x[0, perf], x[1, perf] = 0.01, 0.99  # weakest reach, moved up; strongest, moved down
    reranker = learn.Reranker(model=_LiftsTheWeak(), scale=1.0)

    weak_up, strong_down = learn.causes(reranker, x[:2], np.array([True, False]), reference=x)

    # Only reach moved them, and "strong reach" / "weaker reach" would be false: no cause is named.
    assert weak_up is None and strong_down is None
    text = selectors.reason_text({"code": "model_moved", "direction": "up", "from": 7, "because": None}, {}, "CNY")
    assert text == "Moved up by the learned model (hand score rank 7)"


def test_a_true_cause_is_still_named():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.2, 0.8, size=(40, len(learn.FEATURE_NAMES))).astype(np.float32)
    perf = learn.FEATURE_NAMES.index("performance")
    x[0, perf] = 0.99

    class LiftsTheStrong:
        def predict(self, rows):
            return rows[:, perf]

    (cause,) = learn.causes(learn.Reranker(model=LiftsTheStrong(), scale=1.0), x[:1], np.array([True]), reference=x)

    assert cause == "reach"


def test_the_exploration_reason_says_how_many_orders_and_calls_only_a_creator_without_any_new(snap):
    _, ranking, reasons = _ranked(snap, "awareness")
    seen = {"new": 0, "few": 0}

    for i, row in enumerate(ranking.rows):
        orders = round(max(metric(snap, "deals", row), metric(snap, "ratings", row)))
        boost = [r for r in reasons[i] if r["code"] == "new_creator"]
        # The boost is there exactly while the creator has fewer orders than the rule's limit ...
        assert bool(boost) == (orders < snapshot.EXPLORATION_ORDERS), (orders, boost)
        if not boost:
            continue
        text = selectors.reason_text(boost[0], NAMES, "CNY")
        # ... and its words say which: new (no order yet), or how many orders so far.
        if orders == 0:
            seen["new"] += 1
            assert text.startswith("New creator"), text
        else:
            seen["few"] += 1
            assert "New creator" not in text and f"{orders} order" in text, text
        assert boost[0]["orders"] == orders

    assert seen["new"] and seen["few"], seen
