import pytest
from django.core.management import call_command

from marketplace.history import generate_history
from marketplace.models import Collaboration
from matching import engine, services, training
from matching.models import MatcherModel
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


def test_generated_history_has_graded_outcomes(history):
    assert Collaboration.objects.filter(accepted=True, completed_on_time=True).exists()
    assert Collaboration.objects.filter(accepted=False).exists()
    assert Collaboration.objects.filter(brand_rating__isnull=False).values("brand_rating").distinct().count() >= 3


def test_trained_model_beats_the_hand_score_on_a_planted_signal_and_becomes_active(history):
    record, report = training.train_and_register(history, seed=0)

    assert report.metrics["learned"]["ndcg10"] > report.metrics["hand"]["ndcg10"]
    assert report.metrics["hand"]["ndcg10"] > report.metrics["popularity"]["ndcg10"]
    assert record.beats_hand and record.is_active
    assert MatcherModel.objects.filter(is_active=True).count() == 1


def test_the_active_model_ranks_and_its_version_is_stored_with_the_run(history):
    record, _ = training.train_and_register(history, seed=0)
    order = OrderFactory(price_per_creator=10**9, status="published")

    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.model_version == record.version
    scores = list(run.results.order_by("rank").values_list("score", flat=True))
    assert scores == sorted(scores, reverse=True)


def test_a_model_that_loses_is_saved_but_not_used(history, monkeypatch):
    monkeypatch.setattr(training.Report, "learned_beats_hand", property(lambda self: False))

    record, _ = training.train_and_register(history, seed=0)

    assert not record.is_active
    assert services.active_model() is None


def test_evaluate_matcher_prints_all_four_methods(history, capsys):
    call_command("train_matcher", "--no-progress")

    call_command("evaluate_matcher")

    out = capsys.readouterr().out
    for method in ("learned", "hand", "content", "popularity"):
        assert method in out
    assert "NDCG@10" in out and "recall@50" in out
