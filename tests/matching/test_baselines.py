"""The baselines every evaluation prints beside the matcher: pure numpy on a synthetic snapshot."""

import numpy as np
import pytest

from matching import baselines, snapshot, synthetic
from matching.scoring import OrderQuery
from matching.snapshot import METRIC_NAMES


@pytest.fixture(scope="module")
def snap():
    return snapshot.build(synthetic.frames(2_000, seed=3), synthetic.catalogue(), version="t", watermark="")


def _query(snap):
    return OrderQuery(
        goal="awareness",
        format="short_21_60",
        budget=3_000_000,
        labels=((4, 1.0),),
        ages=("18-23",),
        regions=tuple(int(c) for c in snap.catalogue.region_columns(["CN"])),
    )


def test_heuristic_history_is_the_heuristic_plus_the_smoothed_on_time_rate_and_rating(snap):
    q = _query(snap)
    rows = np.arange(50)
    metrics = snap.metrics[:, rows].copy()
    on_time, rating = METRIC_NAMES.index("on_time"), METRIC_NAMES.index("rating")
    metrics[on_time], metrics[rating] = np.linspace(0.5, 1.0, 50), np.linspace(3.0, 5.0, 50)

    record = baselines.heuristic_history(snap, q, rows, metrics) - baselines.heuristic(snap, q, rows)

    np.testing.assert_allclose(record, 2.0 * metrics[on_time] + 0.5 * metrics[rating], rtol=1e-6)
    # Always on time and rated 5 is two points ahead of half on time and rated 3: two thirds of a tag match.
    assert record[-1] - record[0] == pytest.approx(2.0)


def test_heuristic_history_reads_the_track_record_it_is_given_not_today_s(snap):
    """Training passes each past order's point-in-time record; the baseline must rank by it."""
    q = _query(snap)
    rows = np.array([3, 3])  # one creator twice: only the record differs
    metrics = snap.metrics[:, rows].copy()
    metrics[METRIC_NAMES.index("on_time")] = [0.9, 0.6]

    first, second = baselines.heuristic_history(snap, q, rows, metrics)

    assert first - second == pytest.approx(2.0 * 0.3)
    assert set(baselines.scores(snap, q, rows, metrics)) == set(baselines.BASELINES)


def test_an_unknown_record_sits_at_the_mean_of_the_known_ones_not_at_zero(snap):
    q = _query(snap)
    rows = np.array([3, 3, 3])
    metrics = snap.metrics[:, rows].copy()
    metrics[METRIC_NAMES.index("on_time")] = [0.6, np.nan, 1.0]

    low, unknown, high = baselines.heuristic_history(snap, q, rows, metrics)

    assert low < unknown < high and unknown - low == pytest.approx(2.0 * 0.2)
