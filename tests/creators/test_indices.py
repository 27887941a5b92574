"""Value indices, the anomaly score and growth stages: formulas on hand-checked numbers, and the nightly job."""

import numpy as np
import pandas as pd
import pytest
from django.conf import settings

from creators.models import Creator, MetricSnapshot
from insights import indices
from insights.indices_sync import indices_recompute
from tests.factories import CreatorFactory, CreatorLabelFactory, InterestFactory, LabelFactory, RatePriceFactory


def frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "id": range(1, n + 1),
        "interest": [1] * n,
        "followers": [10_000] * n,
        "median_views_30d": [5_000] * n,
        "median_views_90d": [5_000] * n,
        "engagement_rate": [0.05] * n,
        "completion_rate": [0.4] * n,
        "follower_growth_30d": [0.02] * n,
        "price": [100_000] * n,
        "delivered_views": [np.nan] * n,
        "delivered_engagements": [np.nan] * n,
        "delivered_cost": [np.nan] * n,
        "delivered_clicks": [np.nan] * n,
        "delivered_conversions": [np.nan] * n,
        "previous_followers": [np.nan] * n,
        "previous_views": [np.nan] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_mid_rank_percentiles_by_hand():
    values = pd.Series([10.0, 20.0, 20.0, 40.0, 7.0, np.nan])
    groups = pd.Series([1, 1, 1, 1, 2, 2])

    pct = indices.mid_rank_percentile(values, groups)

    # Group 1 ranks 1, 2.5, 2.5, 4 of n = 4 → (r − ½)/4; group 2 has one valued member → 50.
    assert pct.tolist()[:5] == [12.5, 50.0, 50.0, 87.5, 50.0]
    assert np.isnan(pct.iloc[5])


def test_an_interest_with_one_creator_gets_the_middle_of_every_index():
    out = indices.compute(frame(interest=[7]))

    assert out.loc[0, ["reach", "seeding", "value", "growth"]].tolist() == [50.0, 50.0, 50.0, 50.0]


def test_each_index_orders_creators_the_way_its_formula_says():
    f = frame(
        median_views_30d=[1_000, 50_000, 5_000],
        median_views_90d=[1_000, 50_000, 5_000],
        followers=[5_000, 5_000, 5_000],
        engagement_rate=[0.01, 0.02, 0.09],
        price=[1_000_000, 1_000_000, 10_000],
        follower_growth_30d=[-0.1, 0.0, 0.3],
    )

    out = indices.compute(f).set_index("id")

    assert out["reach"].idxmax() == 2 and out["reach"].idxmin() == 1
    assert out["seeding"].idxmax() == 3
    # Creator 3: cheapest price for the views (CPM 2 vs 20 000 and 1 000 000 / 1 000 … per mille).
    assert out["value"].idxmax() == 3 and out["value"].idxmin() == 1
    assert out["growth"].idxmax() == 3


def test_no_price_means_no_value_index():
    out = indices.compute(frame(price=[0, 100_000]))

    assert np.isnan(out.loc[0, "value"]) and out.loc[1, "value"] == 50.0


def test_delivered_results_count_once_they_have_enough_views():
    few = frame(delivered_views=[10], delivered_engagements=[9], delivered_cost=[100_000])
    many = frame(delivered_views=[100_000], delivered_engagements=[9_000], delivered_cost=[100_000])

    assert indices.raw_scores(few)["seeding"][0] == pytest.approx(0.05 * 0.7)
    assert indices.raw_scores(many)["seeding"][0] == pytest.approx((0.5 * 0.05 + 0.5 * 0.09) * 0.7)


def test_anomalies_are_flagged_not_punished():
    normal = [0.05] * 40
    f = frame(
        engagement_rate=[*normal, 0.9, 0.0001],
        followers=[10_000] * 42,
        median_views_30d=[5_000] * 42,
        previous_followers=[np.nan] * 41 + [1_000],
    )

    out = indices.compute(f)

    assert out.loc[40, "flags"] == ["engagement_too_high"]
    assert set(out.loc[41, "flags"]) == {"engagement_too_low", "follower_jump"}
    assert out.loc[0, "authenticity"] == 0 and out.loc[0, "flags"] == []
    assert 0 < out.loc[40, "authenticity"] <= 1


@pytest.mark.parametrize(
    ("orders", "income", "rating", "stage"),
    [
        (0, 0, None, "departure"),
        (1, 0, None, "exploration"),
        (9, 10**9, 5.0, "exploration"),  # one order short of harvest
        (10, 5_000_000, 4.2, "harvest"),  # exactly at every harvest threshold
        (10, 4_999_999, 4.2, "exploration"),
        (10, 5_000_000, 4.19, "exploration"),
        (40, 40_000_000, 4.5, "on_the_road"),
        (40, 40_000_000, 4.49, "harvest"),
    ],
)
def test_growth_stage_thresholds_at_their_edges(orders, income, rating, stage):
    thresholds = settings.GROWTH_STAGE_THRESHOLDS

    assert (
        indices.growth_stage(completed_orders=orders, income_12m=income, rating=rating, thresholds=thresholds) == stage
    )
    vectorised = indices.growth_stages(
        pd.DataFrame({"completed_orders": [orders], "income_12m": [income], "rating": [rating]}), thresholds
    )
    assert vectorised.iloc[0] == stage


@pytest.mark.django_db
def test_the_nightly_job_matches_a_direct_pandas_computation():
    fashion, food = InterestFactory(), InterestFactory()
    rng = np.random.default_rng(3)
    creators = []
    for i in range(30):
        interest = fashion if i < 29 else food  # food has a single creator
        c = CreatorFactory(
            followers=int(rng.integers(1_000, 10**6)),
            median_views_30d=int(rng.integers(100, 10**5)),
            median_views_90d=int(rng.integers(100, 10**5)),
            engagement_rate=float(rng.uniform(0.005, 0.1)),
            completion_rate=float(rng.uniform(0.1, 0.8)),
            follower_growth_30d=float(rng.normal(0.02, 0.05)),
        )
        CreatorLabelFactory(creator=c, label=LabelFactory(interest=interest), weight=1.0)
        RatePriceFactory(creator=c, format="short_21_60", amount=int(rng.integers(10_000, 10**7)))
        creators.append(c)

    stats = indices_recompute()

    assert stats["creators"] == 30
    rows = Creator.objects.order_by("id")
    expected_reach = {}
    fashion_raw = {c.pk: 0.6 * np.log1p(c.median_views_30d) + 0.4 * np.log1p(c.followers) for c in creators[:29]}
    ordered = sorted(fashion_raw.values())
    for pk, raw in fashion_raw.items():
        rank = np.mean([i + 1 for i, v in enumerate(ordered) if v == raw])
        expected_reach[pk] = round(100 * (rank - 0.5) / 29, 1)
    for c in rows:
        if c.pk in expected_reach:
            assert c.index_reach == pytest.approx(expected_reach[c.pk], abs=0.05)
        else:
            assert c.index_reach == 50.0  # alone in its interest
        assert c.indices_at is not None and 0 <= c.authenticity_score <= 1
    assert MetricSnapshot.objects.count() == 30
    assert indices_recompute()["creators"] == 30
    assert MetricSnapshot.objects.count() == 30  # one snapshot a week, not one per run


def test_conversion_is_pulled_toward_the_interest_median_by_the_amount_of_evidence():
    # Same rates (2 % clicks, 0.5 % conversions); the interest's median rates are lower. The creator
    # with ten times the views keeps more of their own rate, so ranks higher; no evidence, no index.
    f = frame(
        delivered_views=[2_000, 200_000, 50_000, 50_000, np.nan, 500],
        delivered_clicks=[40, 4_000, 250, 250, np.nan, 100],
        delivered_conversions=[10, 1_000, 50, 50, np.nan, 50],
    )

    raw = indices.raw_scores(f)["conversion"]
    out = indices.compute(f)

    assert raw[1] > raw[0] > raw[2] == raw[3]
    assert out["conversion"].tolist()[:4] == [62.5, 87.5, 25.0, 25.0]
    assert np.isnan(out.loc[4, "conversion"]) and np.isnan(out.loc[5, "conversion"])  # none; under 1,000 views
    # By hand for the first: the interest's medians over creators with evidence are 0.5 % clicks and
    # 0.1 % conversions (50,000-view creators twice, and the two 2 % / 0.5 % ones).
    ctr = (40 + 20_000 * np.median([0.02, 0.02, 0.005, 0.005])) / (2_000 + 20_000)
    cvr = (10 + 20_000 * np.median([0.005, 0.005, 0.001, 0.001])) / (2_000 + 20_000)
    assert raw[0] == pytest.approx(0.3 * np.log(ctr + 1e-6) + 0.7 * np.log(cvr + 1e-6))


@pytest.mark.django_db
def test_the_conversion_index_matches_a_direct_pandas_computation():
    from orders.models import ResultSnapshot
    from tests.factories import CollaborationFactory

    beauty, games = InterestFactory(), InterestFactory()
    rng = np.random.default_rng(17)
    posts = []  # (creator id, interest, views, clicks, conversions) of each post's latest results
    creators = []
    for i in range(24):
        interest = beauty if i % 3 else games
        c = CreatorFactory()
        CreatorLabelFactory(creator=c, label=LabelFactory(interest=interest), weight=1.0)
        creators.append((c, interest.pk))
        for _ in range(int(rng.integers(0, 4))):  # some creators have delivered nothing
            collab = CollaborationFactory(creator=c)
            views = int(rng.integers(100, 80_000))
            clicks = int(rng.binomial(views, rng.uniform(0.001, 0.05)))
            conversions = int(rng.binomial(clicks, rng.uniform(0.01, 0.3)))
            # An earlier day's figures are replaced by the latest day's.
            ResultSnapshot.objects.create(collaboration=collab, day=1, views=views // 3, clicks=clicks, conversions=0)
            ResultSnapshot.objects.create(
                collaboration=collab, day=14, views=views, clicks=clicks, conversions=conversions
            )
            posts.append((c.pk, interest.pk, views, clicks, conversions))

    indices_recompute()

    delivered = pd.DataFrame(posts, columns=["id", "interest", "views", "clicks", "conversions"])
    per = delivered.groupby(["id", "interest"], as_index=False)[["views", "clicks", "conversions"]].sum()
    per = per[per["views"] >= 1_000].copy()
    for col in ("clicks", "conversions"):
        per[f"{col}_rate"] = per[col] / per["views"]
        prior = per.groupby("interest")[f"{col}_rate"].transform("median")
        per[f"{col}_shrunk"] = (per[col] + 20_000 * prior) / (per["views"] + 20_000)
    per["raw"] = 0.3 * np.log(per["clicks_shrunk"] + 1e-6) + 0.7 * np.log(per["conversions_shrunk"] + 1e-6)
    per["expected"] = (
        100 * (per.groupby("interest")["raw"].rank() - 0.5) / per.groupby("interest")["raw"].transform("size")
    ).round(1)
    expected = dict(zip(per["id"], per["expected"], strict=True))

    assert len(expected) >= 8  # enough creators with evidence in both interests to mean something
    stored = dict(Creator.objects.values_list("id", "index_conversion"))
    for c, _interest in creators:
        if c.pk in expected:
            assert stored[c.pk] == pytest.approx(expected[c.pk], abs=0.05), c.pk
        else:
            assert stored[c.pk] is None  # no delivered evidence: no index, not a made-up middle
