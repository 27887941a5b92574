"""A region target counts the regions inside it: an audience in Guangdong is an audience in China.

An outside tester targeted China and saw "Audience 0 % in your target regions" on every creator whose
audience was reported by province, and the ranked list's China filter found none of them."""

import pytest
from django.urls import reverse

from brands.models import BrandMembership
from marketplace.core.audience import regions_within
from marketplace.core.models import Label
from matching import services
from orders.models import OrderTargetLabel
from tests.factories import MembershipFactory, OrderFactory
from tests.matching.conftest import make_creators, write_creator
from tests.pages import page_as_shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(taxonomy, client):
    label = Label.objects.filter(tier=2).order_by("id").first()
    make_creators(40)
    ids = {
        "provinces": write_creator("provinces", label.pk, regions={"CN-GD": 0.6, "CN-SH": 0.4}),
        "country": write_creator("country", label.pk, regions={"CN": 1.0}),
        "abroad": write_creator("abroad", label.pk, regions={"US": 1.0}),
    }
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    client.force_login(member.user)

    def rank(regions, min_share=0.0):
        order = OrderFactory(
            brand=member.brand,
            price_per_creator=10**9,
            status="published",
            format="short_21_60",
            target_regions=regions,
            min_region_share=min_share,
        )
        OrderTargetLabel.objects.create(order=order, label=label, weight=1.0)
        run = services.ranking_request(order=order)
        services.ranking_execute(run_id=run.pk)
        return order, {r.creator_id: r for r in run.results.all()}

    return ids, rank


def test_a_country_is_itself_and_its_provinces_and_a_province_only_itself():
    within = regions_within(["CN"])
    assert within[0] == "CN" and {"CN-GD", "CN-SH", "CN-XZ"} <= set(within)
    assert all(code == "CN" or code.startswith("CN-") for code in within)
    assert regions_within(["CN-GD"]) == ["CN-GD"]
    assert regions_within(["CN", "CN-GD"]) == within  # each region once: a share is never counted twice


def test_an_order_for_china_counts_an_audience_reported_by_province(ranked, client):
    ids, rank = ranked

    order, results = rank(["CN"], min_share=0.5)

    assert ids["provinces"] in results and ids["country"] in results
    assert ids["abroad"] not in results  # below the order's minimum share in its regions
    assert results[ids["provinces"]].audience == pytest.approx(results[ids["country"]].audience)
    html = page_as_shown(client, reverse("orders:detail", args=[order.pk]))
    assert "Audience 0 % in your target regions" not in html
    assert "Audience 100 % in your target regions" in html


def test_an_order_for_a_province_does_not_count_an_audience_reported_only_by_country(ranked):
    ids, rank = ranked

    _order, results = rank(["CN-GD"])

    assert results[ids["provinces"]].audience > results[ids["country"]].audience


def test_the_ranked_lists_china_filter_finds_creators_whose_audience_is_given_by_province(ranked, client):
    _ids, rank = ranked
    order, _results = rank(["CN"])

    html = page_as_shown(client, reverse("orders:detail", args=[order.pk]) + "?region=CN")
    only_guangdong = page_as_shown(client, reverse("orders:detail", args=[order.pk]) + "?region=CN-GD")

    assert "@provinces" in html and "@country" in html and "@abroad" not in html
    assert "@provinces" in only_guangdong and "@country" not in only_guangdong
