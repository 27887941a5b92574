"""The campaign report's spend, and the brand dashboard's live campaigns, count what the brand paid for each
deal: after a dispute's split the part that went to the creator's side (their share, the platform fee and any
agency share), never the part that came back; a refunded deal costs nothing. The cost ratios follow. And views
against expected are rounded once, half up, on both pages."""

import pytest
from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from orders.reports import order_report, percent_of
from orders.services.results import result_record
from tests.html import text_of
from tests.orders import conftest as deal_world
from tests.orders.conftest import PRICE, act, deal_in

S = Collaboration.Status
world = deal_world.world  # a brand with money and a published order (the deal tests' fixture)
TO_CREATOR = 100_000  # CNY 1,000.00 of the CNY 5,000.00 in escrow; CNY 4,000.00 back to the brand


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def views(c, n: int) -> None:
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=7, values={"views": n, "likes": 0})


def split_after_publishing(world) -> Collaboration:
    c = deal_in(world, S.PUBLISHED)
    views(c, 100_000)
    act(c, "open_dispute", world["owner"])
    decision = {"decision": "split", "creator_amount": TO_CREATOR, "brand_amount": PRICE - TO_CREATOR}
    return act(c, "resolve", world["admin"], payload=decision)


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_split_counts_only_what_went_to_the_creator_and_a_refund_nothing(world, client):
    split = split_after_publishing(world)
    views(deal_in(world, S.PUBLISHED), 100_000)
    refunded = deal_in(world, S.RESOLVED)  # accepted, disputed, refunded in full

    html = page(client, world["owner"], reverse("orders:report", args=[world["order"].pk]))

    assert (split.status, refunded.status) == (S.RESOLVED, S.RESOLVED)
    spent = TO_CREATOR + PRICE  # CNY 6,000.00, not the CNY 15,000.00 once put in escrow
    assert text_of(html, "total-spend") == format_money(spent, "CNY")
    assert format_money(spent, "CNY") in text_of(html, "creator-table-total")
    # CNY 6,000.00 for 200,000 measured views: CPM CNY 30.00 (it was CNY 50.00 on the money that came back).
    assert text_of(html, "figure-cpm").endswith(format_money(3_000, "CNY"))
    report = order_report(world["order"])
    assert sorted(r.cost for r in report.rows) == [0, TO_CREATOR, PRICE]


def test_the_dashboards_live_campaigns_count_the_same_spend(world, client):
    split_after_publishing(world)
    views(deal_in(world, S.PUBLISHED), 100_000)

    html = page(client, world["owner"], reverse("brands:dashboard"))

    spent = format_money(TO_CREATOR + PRICE, "CNY")
    assert spent in text_of(html, "live-campaigns").split("Across")[0]
    assert spent in text_of(html, "across-campaigns")
    assert format_money(3_000, "CNY") in text_of(html, "across-campaigns")  # CPM over what was paid


def test_views_against_expected_round_half_up_alike_on_the_report_and_the_dashboard(world, client):
    views(deal_in(world, S.PUBLISHED), 48_680)  # of the 40,000 the matcher expected: 121.7 %

    report = page(client, world["owner"], reverse("orders:report", args=[world["order"].pk]))
    dashboard = page(client, world["owner"], reverse("brands:dashboard"))

    assert "122 %" in text_of(report, "creator-table-total")
    assert "122 %" in text_of(dashboard, "live-campaigns")
    assert "121 %" not in report and "121 %" not in dashboard


@pytest.mark.parametrize(
    ("actual", "expected", "percent"),
    [(48_680, 40_000, 122), (48_600, 40_000, 122), (48_599, 40_000, 121), (0, 40_000, 0), (5, 0, None)],
)
def test_percent_of_rounds_half_up_in_whole_numbers(actual, expected, percent):
    assert percent_of(actual, expected) == percent
