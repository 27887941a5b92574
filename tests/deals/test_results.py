"""Campaign results and reports: formulas by hand, expected vs actual, result imports."""

import io

import pytest

from marketplace.core import DomainError, InvalidTransition, NotAllowed
from marketplace.models import Collaboration, ResultSnapshot
from marketplace.reports import collaboration_report, cost_per_conversion, cpe, cpm, engagement_rate, order_report
from marketplace.results_import import ImportFailed, parse, results_import
from marketplace.services.results import result_record
from tests.deals.conftest import PRICE, deal_in

S = Collaboration.Status


def test_metric_formulas_on_hand_checked_numbers():
    assert cpm(500_000, 250_000) == 2_000  # CNY 5,000 for 250k views: CNY 20.00 per thousand
    assert cpe(500_000, 12_500) == 40  # CNY 0.40 per engagement
    assert engagement_rate(12_500, 250_000) == 0.05
    assert cost_per_conversion(500_000, 125) == 4_000


def test_zero_views_means_no_ratio_not_a_division_error():
    assert cpm(500_000, 0) is None and cpm(500_000, None) is None
    assert cpe(500_000, 0) is None
    assert engagement_rate(0, 0) is None and engagement_rate(None, 100) is None
    assert cost_per_conversion(500_000, 0) is None


def values(views, likes=0, comments=0, shares=0, conversions=0, completion_rate=None):
    return {
        "views": views,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "clicks": 0,
        "conversions": conversions,
        "completion_rate": completion_rate,
    }


def test_the_creator_records_results_and_the_latest_day_wins(world):
    c = deal_in(world, S.PUBLISHED)

    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=values(10_000, 500, 50, 20))
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=7, values=values(40_000, 1_600, 300, 100, 12))
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=values(11_000, 520, 50, 20))

    c.refresh_from_db()
    assert (c.views, c.engagements, c.conversions) == (40_000, 2_000, 12)
    report = collaboration_report(c)
    assert report.actual.views == 40_000 and report.actual.cpm == PRICE / 40_000 * 1000
    assert report.actual.engagement_rate == 0.05
    assert [s.views for s in report.snapshots] == [11_000, 40_000]


def test_results_need_a_published_post_and_the_right_person(world):
    accepted = deal_in(world, S.ACCEPTED)
    published = deal_in(world, S.PUBLISHED)

    with pytest.raises(InvalidTransition):
        result_record(collaboration_id=accepted.pk, actor=accepted.creator.user, day=1, values=values(1))
    with pytest.raises(NotAllowed):
        result_record(collaboration_id=published.pk, actor=world["owner"], day=1, values=values(1))
    with pytest.raises(DomainError):
        result_record(collaboration_id=published.pk, actor=published.creator.user, day=2, values=values(1))
    with pytest.raises(DomainError):
        result_record(collaboration_id=published.pk, actor=published.creator.user, day=1, values=values(-1))
    assert not ResultSnapshot.objects.exists()


def test_expected_figures_are_frozen_at_the_offer_and_survive_new_models(world):
    from matching.models import MatcherModel

    c = deal_in(world, S.PUBLISHED)
    frozen = (c.expected_views, c.expected_engagements)
    c.creator.median_views_30d = 999_999
    c.creator.save()
    MatcherModel.objects.create(version="gbr-later", path="var/models/x.joblib", beats_hand=True, is_active=True)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=3, values=values(20_000, 1_000))

    c.refresh_from_db()
    report = collaboration_report(c)
    assert (c.expected_views, c.expected_engagements) == frozen
    assert report.expected.views == frozen[0]
    assert report.views_vs_expected == pytest.approx(20_000 / frozen[0])


def test_the_order_report_adds_up_its_collaborations(world):
    a, b = deal_in(world, S.PUBLISHED), deal_in(world, S.COMPLETED)
    result_record(collaboration_id=a.pk, actor=a.creator.user, day=7, values=values(30_000, 900, 100))
    result_record(collaboration_id=b.pk, actor=b.creator.user, day=1, values=values(5_000, 100))
    result_record(collaboration_id=b.pk, actor=b.creator.user, day=14, values=values(10_000, 400))

    report = order_report(world["order"])

    assert report.spend == 2 * PRICE
    assert report.totals.views == 40_000 and report.totals.engagements == 1_400
    assert report.totals.cpm == 2 * PRICE / 40_000 * 1000
    day7 = next(d for d in report.by_day if d["day"] == 7)
    assert day7["views"] == 30_000 + 5_000  # b's day-1 count carried forward
    assert sum(v for _, v in report.audience_ages) == pytest.approx(40_000)


def test_a_results_file_with_one_bad_row_imports_nothing(world):
    c = deal_in(world, S.PUBLISHED)
    text = (
        "collaboration,day,views,likes,comments,shares,completion_rate,clicks,conversions\n"
        f"{c.pk},1,1000,10,1,1,0.4,5,1\n"
        f"{c.pk},3,2000,12,x,1,0.4,5,1\n"
    )

    with pytest.raises(ImportFailed) as failed:
        parse(io.StringIO(text))

    assert failed.value.errors == [
        "row 3, column comments: 'x' is not a whole number: write digits only, without separators or units, like 12000."
    ]
    assert not ResultSnapshot.objects.exists()


def test_a_good_results_file_imports_every_row(world):
    c = deal_in(world, S.PUBLISHED)
    text = f"collaboration,day,views,likes\n{c.pk},1,1000,10\n{c.pk},7,5000,90\n"

    rows = parse(io.StringIO(text), order_id=world["order"].pk)

    assert results_import(rows=rows) == 2
    assert list(c.results.order_by("day").values_list("day", "views", "source")) == [
        (1, 1000, "import"),
        (7, 5000, "import"),
    ]


def test_an_upload_for_one_order_refuses_another_orders_rows(world):
    c = deal_in(world, S.PUBLISHED)

    with pytest.raises(ImportFailed, match="error"):
        parse(io.StringIO(f"collaboration,day,views\n{c.pk},1,10\n"), order_id=world["order"].pk + 999)
