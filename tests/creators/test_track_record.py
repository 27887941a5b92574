"""The track record is shrunk per statistic, toward its own prior, by its own count."""

import numpy as np

from creators import track_record

PRIOR = track_record.Prior.from_dict(
    {
        **track_record.DEFAULT_PRIOR,
        "on_time_mean": 0.8,
        "on_time_strength": 10.0,
        "rating_mean": 4.0,
        "rating_strength": 3.0,
        "rating_sd": 0.4,
    }
)


def test_one_five_star_order_does_not_beat_twenty_at_four_point_eight():
    one = track_record.one(PRIOR, ratings=1, rating_sum=5.0, rating_sq=25.0)
    twenty = track_record.one(PRIOR, ratings=20, rating_sum=96.0, rating_sq=20 * 4.8**2)

    assert twenty.rating[0] > one.rating[0]
    assert one.rating[0] == (5.0 + 4.0 * 3.0) / (1 + 3.0)  # normal–normal: (Σ + μ0·k) / (n + k)


def test_on_time_rate_is_beta_binomial_and_a_perfect_short_record_stays_below_a_long_good_one():
    two_of_two = track_record.one(PRIOR, on_time_n=2, on_time=2)
    nineteen_of_twenty = track_record.one(PRIOR, on_time_n=40, on_time=38)

    assert two_of_two.on_time[0] == (2 + 0.8 * 10) / (2 + 10)
    assert nineteen_of_twenty.on_time[0] > two_of_two.on_time[0]
    assert nineteen_of_twenty.reliability[0] > two_of_two.reliability[0] > 0.5


def test_each_statistic_shrinks_by_its_own_count():
    # Many on-time deliveries, a single rating: the on-time estimate moves far, the rating barely.
    est = track_record.one(PRIOR, on_time_n=50, on_time=50, ratings=1, rating_sum=1.0, rating_sq=1.0)

    assert est.on_time[0] > 0.95
    assert est.rating[0] > 3.2


def test_views_are_judged_against_the_creators_own_expected_views():
    events = {
        "creator_id": np.array([1, 2]),
        "order_id": np.array([10, 10]),
        "answered_at": np.array([0.0, 0.0]),
        "finished_at": np.array([1.0, 1.0]),
        "accepted": np.array([1.0, 1.0]),
        "on_time": np.array([1.0, 1.0]),
        "rating": np.array([np.nan, np.nan]),
        "views": np.array([2_000.0, 50_000.0]),  # the small creator doubled, the big one halved
        "expected_views": np.array([1_000.0, 100_000.0]),
        "conversions": np.array([np.nan, np.nan]),
    }

    stats = track_record.stats_from_events(events, np.array([1, 2]))
    est = track_record.estimate(stats, PRIOR)

    assert est.views[0] > 0 > est.views[1]


def test_no_history_is_the_prior_and_a_neutral_reliability():
    est = track_record.one(PRIOR)

    assert est.on_time[0] == PRIOR.on_time_mean and est.rating[0] == PRIOR.rating_mean
    assert est.reliability[0] == 0.5


def test_the_prior_strength_is_fitted_from_the_spread_between_creators():
    rng = np.random.default_rng(0)
    n = 3000
    trials = rng.integers(1, 15, n).astype(float)
    consistent = rng.binomial(trials.astype(int), 0.8).astype(float)  # every creator the same
    varied = rng.binomial(trials.astype(int), rng.beta(2, 0.5, n)).astype(float)  # creators differ a lot

    same = track_record.fit_prior({**track_record.empty(n), "on_time_n": trials, "on_time": consistent})
    differ = track_record.fit_prior({**track_record.empty(n), "on_time_n": trials, "on_time": varied})

    assert same.on_time_strength > 10 * differ.on_time_strength
    assert abs(differ.on_time_strength - 2.5) < 1.0  # Beta(2, 0.5): a + b = 2.5


def test_an_imported_aggregate_counts_as_its_orders_and_one_without_a_count_only_without_history():
    stats = track_record.empty(3)
    stats["on_time_n"][2], stats["on_time"][2] = 4, 4  # creator 3 has four deals on record

    track_record.add_imported(
        stats,
        fulfilment=np.array([0.5, 0.5, 0.5]),
        fulfilment_orders=np.array([10, np.nan, np.nan]),
        rating=np.full(3, np.nan),
        rating_count=np.full(3, np.nan),
    )

    assert (stats["on_time_n"][0], stats["on_time"][0]) == (10, 5)
    assert (stats["on_time_n"][1], stats["on_time"][1]) == (1, 0.5)
    assert (stats["on_time_n"][2], stats["on_time"][2]) == (4, 4)  # history replaces a count-less rate


def test_group_means_are_shrunk_by_their_own_counts():
    rng = np.random.default_rng(1)
    n = np.r_[1, 10, rng.integers(1, 8, 200)].astype(float)
    means = np.r_[1.0, 0.9, rng.uniform(0.2, 0.8, 200)]
    total = n * means
    squares = n * means**2 + (n - 1) * 0.05  # some spread inside each group

    shrunk = track_record.shrink_means(n, total, squares)

    assert shrunk[1] > shrunk[0]  # ten orders at 0.9 outweigh one perfect order
    assert shrunk[0] < 1.0
