import re

import joblib
import numpy as np
import pytest
from django.core.management import call_command

from marketplace.dev.demo.history import generate_history
from matching import engine, features, learn, selectors, services, training
from matching.models import MatcherModel
from orders.models import Collaboration
from orders.services.track_record import refresh_creator_history
from tests.factories import BrandFactory, OrderFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(taxonomy):
    make_creators(600, seed=4, interests=3)
    BrandFactory.create_batch(3)
    snap = engine.current()
    generate_history(snap, orders=90, seed=5)
    engine.reset()
    return engine.current()


@pytest.fixture
def planted(taxonomy):
    """A longer history for the tests that need the planted signal found beyond the interval: with 90
    orders the learned model's lead over the hand score (which credits taxonomy neighbours since issue
    #11) is too small to clear the gate on every seed. Since a conversion brief's performance leans on the
    conversion record (which carries some of the planted craft), 150 orders left the interval's low end
    at −0.007 and 300 gave +0.0154 [+0.0069, +0.0249]; since a conversion brief's offers are graded by
    their sales, which carry little of the craft (conversions ∝ e^(0.3 q)), a third of the orders show
    less of it, and 300 no longer cleared the stricter gate: 450 do."""
    make_creators(600, seed=4, interests=3)
    BrandFactory.create_batch(3)
    generate_history(engine.current(), orders=450, seed=5)
    engine.reset()
    return engine.current()


def test_generated_history_has_graded_outcomes(history):
    assert Collaboration.objects.filter(accepted=True, completed_on_time=True).exists()
    assert Collaboration.objects.filter(accepted=False).exists()
    assert Collaboration.objects.filter(brand_rating__isnull=False).values("brand_rating").distinct().count() >= 3


def test_trained_model_beats_the_hand_score_on_a_planted_signal_and_becomes_active(planted):
    record, report = services.matcher_model_train(snap=planted, seed=0, activate=True)

    learned, hand = report.metrics["learned"]["ndcg10"], report.metrics["hand"]["ndcg10"]
    assert learned["mean"] > hand["mean"]
    assert report.gain["low"] > 0  # the paired bootstrap interval of learned − hand lies above zero
    assert record.beats_hand and record.is_active
    assert MatcherModel.objects.filter(is_active=True).count() == 1


def test_a_model_that_passes_the_gate_ranks_only_when_the_operator_activates_it(planted, capsys):
    call_command("train_matcher", "--no-progress")

    saved = MatcherModel.objects.get()
    assert saved.beats_hand and not saved.is_active and services.active_model() is None
    assert "saved, NOT used; `train_matcher --activate` ranks with it" in capsys.readouterr().out

    call_command("train_matcher", "--no-progress", "--activate")

    active = MatcherModel.objects.get(is_active=True)
    assert active.pk != saved.pk and services.active_model() is not None
    assert capsys.readouterr().out.rstrip().endswith(": ACTIVE")


def test_a_model_that_wins_on_average_but_not_beyond_the_interval_is_not_used(history, monkeypatch):
    real = training.evaluate_over_time

    def uncertain(model, holdout, seed=0, confidence=0.95):
        metrics, paired = real(model, holdout, seed=seed)
        return metrics, {**paired, "overall": {"mean": 0.01, "low": -0.02, "high": 0.04}}

    monkeypatch.setattr(training, "evaluate_over_time", uncertain)

    record, _ = services.matcher_model_train(snap=history, seed=0, activate=True)

    assert not record.beats_hand and not record.is_active
    assert services.active_model() is None


def test_a_model_that_wins_pooled_but_loses_on_the_latest_held_out_orders_is_not_used(history, monkeypatch, capsys):
    real = training.evaluate_over_time
    seen = {}

    def fading(model, holdout, seed=0, confidence=0.95):
        metrics, _paired = real(model, holdout, seed=seed)
        seen["when"] = [g.when for g in holdout]
        return metrics, {
            "overall": {"mean": 0.04, "low": 0.01, "high": 0.07},
            "earlier": {"mean": 0.09, "low": 0.04, "high": 0.14},
            "later": {"mean": -0.01, "low": -0.05, "high": 0.03},
            "pool": {"mean": 0.01, "low": -0.01, "high": 0.03},
        }

    monkeypatch.setattr(training, "evaluate_over_time", fading)

    call_command("train_matcher", "--no-progress", "--activate")

    record = MatcherModel.objects.get()
    assert not record.beats_hand and not record.is_active
    assert record.metrics["gate"]["later"]["mean"] == -0.01 and record.metrics["gate"]["passed"] is False
    out = capsys.readouterr().out
    assert "later half of the held-out orders -0.0100 [-0.0500, +0.0300]" in out and "NOT used" in out
    # Every held-out order is later than every training order (a time split, not a random one).
    groups = features.training_history(history).groups
    train, holdout = training.split(groups)
    assert max(g.when for g in train) <= min(seen["when"]) == min(g.when for g in holdout)


def _by_weight(real, pool_at):
    """evaluate_over_time with a clear gain among the offered creators at every weight, in both halves, and
    the pool measure ``pool_at(weight)``: what bench/quality.py's worlds showed (the pool loss grows with it)."""

    def evaluate(model, holdout, seed=0, confidence=0.95):
        assert confidence == training.GATE_CONFIDENCE  # every weight is judged at the corrected level
        metrics, _paired = real(model, holdout, seed=seed)
        win = {"mean": 0.02, "low": 0.01, "high": 0.03}
        return metrics, {"overall": win, "earlier": win, "later": win, "pool": pool_at(model.weight)}

    return evaluate


def test_a_model_that_wins_among_offered_creators_but_loses_on_the_pool_is_not_used_and_leaves_the_hand_score(
    history, monkeypatch, capsys
):
    """The failure bench/quality.py found on every world: ahead among the ten creators each held-out order
    offered, behind once the creators it did not offer are in the list. The gate refuses it at every blend
    weight, and the model is saved with weight 0: forced on, it ranks exactly as the hand score."""
    loses = {"mean": -0.01, "low": -0.02, "high": 0.0}
    monkeypatch.setattr(training, "evaluate_over_time", _by_weight(training.evaluate_over_time, lambda w: loses))

    call_command("train_matcher", "--no-progress", "--activate")

    record = MatcherModel.objects.get()
    assert not record.beats_hand and not record.is_active and services.active_model() is None
    gate = record.metrics["gate"]
    assert gate["passed"] is False and gate["weight"] == 0 and gate["pool"]["mean"] == -0.01
    assert set(gate["tried"]) == {str(w) for w in learn.BLEND_WEIGHTS}
    assert not any(t["passed"] for t in gate["tried"].values())
    assert "pool measure -0.0100 [-0.0200, +0.0000]" in capsys.readouterr().out
    model = joblib.load(record.path)
    assert model.weight == 0
    group = features.training_history(history).groups[-1]
    np.testing.assert_array_equal(learn.predict(model, group.x), group.x[:, learn.FEATURE_NAMES.index("hand_score")])


def test_the_gate_keeps_the_largest_blend_weight_that_does_not_lose_on_the_pool(history, monkeypatch):
    def pool_at(weight):
        mean = 0.002 if weight <= 0.1 else -0.005
        return {"mean": mean, "low": mean - 0.01, "high": mean + 0.01}

    monkeypatch.setattr(training, "evaluate_over_time", _by_weight(training.evaluate_over_time, pool_at))

    record, report = services.matcher_model_train(snap=history, seed=0, activate=True)

    assert report.weight == 0.1 and record.metrics["gate"]["weight"] == 0.1
    assert [t["passed"] for t in report.tried.values()] == [False, False, True]  # 0.5, 0.25, 0.1: stopped there
    assert record.beats_hand and record.is_active
    assert joblib.load(record.path).weight == 0.1


def test_without_the_pool_check_the_same_model_would_have_ranked():
    """What the pool check adds: the same figures without it pass."""
    win = {"mean": 0.02, "low": 0.01, "high": 0.03}
    paired = {"overall": win, "earlier": win, "later": win}
    assert training.passes({**paired, "pool": {"mean": 0.0, "low": -0.01, "high": 0.01}})
    assert not training.passes({**paired, "pool": {"mean": -0.001, "low": -0.01, "high": 0.01}})
    assert not training.passes(paired)  # no pool measure, no pass


def test_each_half_must_clear_zero_by_its_interval_not_only_by_its_mean():
    """Ahead on average in both halves is not enough: a half whose interval reaches below zero fails, as
    a model trained on outcomes drawn at random passed by its means alone (training.passes)."""
    win = {"mean": 0.02, "low": 0.01, "high": 0.03}
    pool = {"mean": 0.0, "low": -0.01, "high": 0.01}
    assert training.passes({"overall": win, "earlier": win, "later": win, "pool": pool})
    unsure = {"mean": 0.02, "low": -0.001, "high": 0.05}
    assert not training.passes({"overall": win, "earlier": unsure, "later": win, "pool": pool})
    assert not training.passes({"overall": win, "earlier": win, "later": unsure, "pool": pool})
    assert pytest.approx(1 - 0.05 / len(learn.BLEND_WEIGHTS)) == training.GATE_CONFIDENCE


def _groups(snap):
    found = features.training_history(snap, seed=3)
    return {g.order_id: g for g in getattr(found, "groups", found)}


def test_features_of_a_held_out_order_do_not_move_when_its_own_outcomes_change(history):
    before = _groups(history)
    _, holdout = training.split(list(before.values()))
    target = holdout[0]
    later = [g.order_id for g in holdout[1:]]

    # Every outcome of the held-out order is turned around; the creators' records are recomputed.
    for c in Collaboration.objects.filter(order_id=target.order_id):
        done = not c.accepted
        c.accepted = done
        c.completed_on_time = True if done else None
        c.brand_rating = 5 if done else None
        c.views = 10**7 if done else None
        c.save()
    refresh_creator_history()
    engine.reset()
    after = _groups(engine.rebuild())

    assert np.array_equal(after[target.order_id].x, target.x)
    assert np.array_equal(after[target.order_id].scores["hand"], target.scores["hand"])
    # So does the baseline that reads the track record: it is judged on what was known then, like the matcher.
    assert np.array_equal(after[target.order_id].scores["heuristic_history"], target.scores["heuristic_history"])
    # The change is real: orders offered later see it in their creators' track records.
    assert any(not np.array_equal(after[o].x, before[o].x) for o in later)
    assert any(
        not np.array_equal(after[o].scores["heuristic_history"], before[o].scores["heuristic_history"]) for o in later
    )


def test_the_active_model_ranks_and_its_version_is_stored_with_the_run(planted):
    record, _ = services.matcher_model_train(snap=planted, seed=0, activate=True)
    order = OrderFactory(price_per_creator=10**9, status="published")

    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.model_version == record.version
    scores = list(run.results.order_by("rank").values_list("score", flat=True))
    assert scores == sorted(scores, reverse=True)
    # Where the model re-ordered the hand score, the brand is told in one line, first.
    moved = [r for r in run.results.order_by("rank") if r.reasons[0]["code"] == "model_moved"]
    assert moved
    hand_ranks = {r.creator_id: i for i, r in enumerate(run.results.order_by("-hand_score", "creator_id"), start=1)}
    for result in moved:
        reason = result.reasons[0]
        # Ranked by the hand score among all the model re-ordered, some of whom fell out of the stored list.
        assert reason["from"] >= hand_ranks[result.creator_id] and reason["from"] != result.rank
        assert reason["direction"] == ("up" if result.rank < reason["from"] else "down")
        text = selectors.reason_text(reason, {}, "CNY")
        said = f"Moved {reason['direction']} by the learned model (hand score rank {reason['from']})"
        # A cause is named only where it is true of the creator (test_explain); otherwise the move alone.
        assert text == said if reason["because"] is None else text.startswith(said + ": ")


def test_a_model_that_loses_is_saved_but_not_used(history, monkeypatch):
    monkeypatch.setattr(training.Report, "learned_beats_hand", property(lambda self: False))

    record, _ = services.matcher_model_train(snap=history, seed=0, activate=True)

    assert not record.is_active
    assert services.active_model() is None


def test_evaluate_matcher_prints_every_method_with_intervals_and_what_it_scored(history, capsys):
    call_command("train_matcher", "--no-progress")

    call_command("evaluate_matcher")

    out = capsys.readouterr().out
    for method in ("learned", "hand", "content", "heuristic_history", "heuristic", "tag_overlap", "popularity"):
        assert re.search(rf"^{method} +0\.\d{{4}} \[0\.\d{{3}}, [01]\.\d{{3}}\]", out, re.MULTILINE), method
    assert "NDCG@10" in out and "recall@50" in out
    holdout = len(training.split(features.training_history(engine.current()).groups)[1])
    assert re.search(rf"the {holdout} newest past orders; scored \d+ \(\d+ skipped: ", out)
    assert "learned − hand" in out


@pytest.mark.parametrize("seed", [5, 6])
def test_where_the_learned_features_carry_no_signal_train_matcher_leaves_the_model_off_and_says_why(
    taxonomy, capsys, seed
):
    """Outcomes drawn independently of every creator and order (views around each creator's own median):
    nothing the model reads predicts them, so no gate may switch it on; the command prints its figures."""
    make_creators(600, seed=4, interests=3)
    BrandFactory.create_batch(3)
    generate_history(engine.current(), orders=90, seed=seed)
    rng = np.random.default_rng(seed)
    for c in Collaboration.objects.select_related("creator"):
        c.accepted = bool(rng.random() < 0.7)
        c.completed_on_time = bool(rng.random() < 0.8) if c.accepted else None
        c.brand_rating = int(rng.integers(3, 6)) if c.accepted else None
        c.views = int(c.creator.median_views_30d * rng.lognormal(0, 0.5)) if c.accepted else None
        c.save()
    refresh_creator_history()
    engine.reset()

    call_command("train_matcher", "--no-progress", "--activate")

    record = MatcherModel.objects.get()
    assert not record.is_active and services.active_model() is None
    out = capsys.readouterr().out
    assert "NOT used" in out
    assert re.search(r"learned − hand NDCG@10 [+-]\d\.\d{4}, 98.75 % interval \[[+-]\d\.\d{4}, [+-]\d\.\d{4}\]", out)


def test_an_offer_on_a_conversion_brief_is_graded_by_its_sales_and_one_on_another_brief_by_its_reach():
    """Two offers delivered on time and rated 5: one reached more people than expected and sold little,
    the other reached fewer and sold well. What the order paid for decides which is the better outcome;
    where sales are unknown, a conversion brief falls back on the views."""
    outcome = {
        "accepted": [True, True, True],
        "completed_on_time": [True, True, True],
        "rating": [5, 5, 5],
        "views": [20_000, 5_000, 20_000],
        "expected_views": [10_000, 10_000, 10_000],
        "conversions": [20, 100, np.nan],  # 0.1 % and 2 % of the views; the third unknown
    }
    reach = learn.relevance(**outcome)
    sales = learn.relevance(**outcome, conversion_rate=0.01)

    np.testing.assert_array_equal(reach, [4, 3, 4])
    np.testing.assert_array_equal(sales, [3, 4, 4])
