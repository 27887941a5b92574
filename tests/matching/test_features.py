"""The re-ranker's feature list: one definition (learn.FEATURE_NAMES over snapshot.METRIC_NAMES) that the
training and the ranking side both build from by name, and a saved model trained on another list refused."""

import logging

import joblib
import numpy as np
import pytest

from matching import learn, services, snapshot, synthetic
from matching.models import MatcherModel
from matching.scoring import COMPONENTS
from matching.snapshot import BASE_METRICS, HISTORY_METRICS, METRIC_NAMES


def distinct_inputs(rows: int = 3):
    """Inputs of learn.features where each named feature holds its own value: its position in FEATURE_NAMES."""
    at = {name: np.full(rows, float(i)) for i, name in enumerate(learn.FEATURE_NAMES)}
    metrics = np.stack([at[name] for name in METRIC_NAMES])
    return {c: at[c] for c in COMPONENTS}, at["hand_score"], metrics, at["price_to_budget"]


def test_each_feature_column_holds_the_input_of_its_name():
    x = learn.features(*distinct_inputs())

    assert x.shape == (3, len(learn.FEATURE_NAMES))
    for i, name in enumerate(learn.FEATURE_NAMES):
        assert (x[:, i] == i).all(), name


def test_metric_rows_that_do_not_match_the_snapshots_list_are_refused():
    components, hand, metrics, price = distinct_inputs()

    with pytest.raises(ValueError, match="METRIC_NAMES"):
        learn.features(components, hand, metrics[:-1], price)
    with pytest.raises(ValueError, match="missing"):
        snapshot.metric_rows({name: np.zeros(2) for name in HISTORY_METRICS[1:]}, HISTORY_METRICS)


def test_the_snapshots_metric_rows_are_the_metrics_they_are_named():
    frames = synthetic.frames(50, seed=3)
    snap = snapshot.build(frames, synthetic.catalogue(), version="m", watermark="")
    c = frames.creators.sort_values("id")

    def row(name):
        return snap.metrics[METRIC_NAMES.index(name)]

    assert snap.metrics.shape == (len(METRIC_NAMES), snap.n)
    assert (*BASE_METRICS, *HISTORY_METRICS) == METRIC_NAMES
    assert np.allclose(row("log_followers"), np.log1p(c["followers"].to_numpy(np.float64)))
    assert np.allclose(row("log_views"), np.log1p(c["median_views_30d"].to_numpy(np.float64)))
    for name in ("engagement_rate", "completion_rate", "hit_video_share", "follower_growth_30d"):
        assert np.allclose(row(name), c[name].to_numpy(np.float64), equal_nan=True), name


def test_every_feature_is_put_down_to_exactly_one_cause_and_every_named_feature_exists():
    grouped = [name for names in learn.CAUSES.values() for name in names]

    assert len(grouped) == len(set(grouped))
    assert set(grouped) | {"hand_score"} == set(learn.FEATURE_NAMES)
    assert set(learn.FEATURE_NAMES) >= learn.INCREASING
    assert set(learn.PROPENSITY_FEATURES) <= set(learn.FEATURE_NAMES)


def small_model():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(400, len(learn.FEATURE_NAMES))).astype(np.float32)
    y = x[:, learn.FEATURE_NAMES.index("content")] + rng.normal(0, 0.1, 400)
    order_ids = np.repeat(np.arange(40), 10)
    return learn.reranker(learn.train(x, y - y.mean()), x, order_ids), x


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda names: names[:-1], id="a feature removed"),
        pytest.param(lambda names: (*names[1:], names[0]), id="features reordered"),
        pytest.param(lambda names: (*names, "new_metric"), id="a feature added"),
    ],
)
def test_a_model_trained_on_another_feature_list_is_refused(monkeypatch, changed):
    model, x = small_model()
    assert model.feature_names == learn.FEATURE_NAMES
    assert learn.predict(model, x).shape == (len(x),)

    # The code now builds another list than the model was trained on.
    monkeypatch.setattr(learn, "FEATURE_NAMES", changed(learn.FEATURE_NAMES))

    with pytest.raises(learn.FeatureListChanged, match="another feature list"):
        learn.predict(model, x)
    with pytest.raises(learn.FeatureListChanged):
        learn.causes(model, x[:2], np.array([True, False]))


def test_a_model_saved_before_models_recorded_their_list_is_judged_by_its_width(monkeypatch):
    model, x = small_model()
    model.feature_names = None

    assert learn.predict(model, x).shape == (len(x),)
    width = len(learn.FEATURE_NAMES)
    monkeypatch.setattr(learn, "FEATURE_NAMES", learn.FEATURE_NAMES[:-1])
    with pytest.raises(learn.FeatureListChanged, match=f"takes {width} features, the ranker builds {width - 1}"):
        learn.predict(model, x)


def test_a_model_saved_before_its_blend_weight_was_chosen_reads_the_weight_it_ranked_with(tmp_path):
    """Models saved before training chose the blend weight carry none; they ranked with 0.5 and still do."""
    model, x = small_model()
    del model.__dict__["weight"]  # as unpickled from a model saved before the field existed
    joblib.dump(model, tmp_path / "old.joblib")
    old = joblib.load(tmp_path / "old.joblib")

    assert "weight" not in old.__dict__ and old.weight == 0.5
    np.testing.assert_array_equal(learn.predict(old, x), learn.predict(model.with_weight(0.5), x))


def test_a_blend_weight_of_zero_leaves_the_hand_score_as_it_is():
    model, x = small_model()
    hand = x[:, learn.FEATURE_NAMES.index("hand_score")]

    np.testing.assert_array_equal(learn.predict(model.with_weight(0), x), hand)
    assert not np.array_equal(learn.predict(model.with_weight(0.05), x), hand)


@pytest.mark.django_db
def test_the_ranker_refuses_an_active_model_trained_on_another_feature_list(tmp_path, caplog):
    model, _ = small_model()
    stale, _ = small_model()
    stale.feature_names = (*learn.FEATURE_NAMES[1:], learn.FEATURE_NAMES[0])
    joblib.dump(model, tmp_path / "current.joblib")
    joblib.dump(stale, tmp_path / "stale.joblib")
    record = MatcherModel.objects.create(
        version="gbr-current", path=str(tmp_path / "current.joblib"), trained_on=400, beats_hand=True, is_active=True
    )
    services._models.clear()
    assert services.active_model()[0] == "gbr-current"

    record.is_active = False
    record.save(update_fields=["is_active"])
    MatcherModel.objects.create(
        version="gbr-stale", path=str(tmp_path / "stale.joblib"), trained_on=400, beats_hand=True, is_active=True
    )
    with caplog.at_level(logging.WARNING, logger="matching.services"):
        assert services.active_model() is None
        assert services.active_model() is None  # refused once, remembered

    assert [r.getMessage() for r in caplog.records] == [
        "matcher model gbr-stale not used, the hand score ranks: the model was trained on another feature list;"
        " same names in another order"
    ]
