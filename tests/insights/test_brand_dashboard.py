"""The brand's dashboard: what needs its action with deadlines, spend this month and the wallet, live campaigns
with views, CPM and expected vs actual, and the view across them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.core import format_money
from orders.models import Collaboration
from orders.services.results import result_record
from tests.factories import MembershipFactory
from tests.html import text_of
from tests.orders import conftest as deal_world
from tests.orders.conftest import PRICE, TOPUP, deal_in
from tests.orders.test_flows import another_order

S = Collaboration.Status
world = deal_world.world  # a brand with money and a published order (the deal tests' fixture)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("brands:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_needs_your_action_lists_reviews_counters_applicants_work_and_disputes_soonest_deadline_first(world, client):
    script = deal_in(world, S.SCRIPT_SUBMITTED)
    video = deal_in(world, S.VIDEO_SUBMITTED)
    countered = deal_in(world, S.COUNTERED)
    applied = deal_in(world, S.APPLIED)
    disputed = deal_in(world, S.DISPUTED)
    published = deal_in(world, S.PUBLISHED)
    Collaboration.objects.filter(pk=published.pk).update(published_at=timezone.now() - timedelta(days=6))
    quiet = deal_in(world, S.OFFERED)  # lapses in 72 hours: not yet the brand's business

    html = dashboard(client, world["owner"])

    section = text_of(html, "needs-action")
    for c, what in [
        (script, "Review the script"),
        (video, "Review the video"),
        (countered, "Accept or decline the counter-offer"),
        (applied, "Select the applicant"),
        (disputed, "A dispute is open"),
        (published, "Accept the work, or it is accepted automatically"),
    ]:
        assert what in section
        assert reverse("deals:collaboration", args=[c.pk]) in html
    assert reverse("deals:collaboration", args=[quiet.pk]) not in html
    assert "Needs your action (6)" in section
    # The work accepted automatically tomorrow comes before the counter and the application (72 hours).
    assert section.index("Accept the work") < section.index("Accept or decline the counter-offer")
    assert section.index("Accept or decline the counter-offer") < section.index("Review the script")  # undated last


def test_an_offer_lapsing_within_a_day_needs_the_brands_action(world, client):
    c = deal_in(world, S.OFFERED)
    Collaboration.objects.filter(pk=c.pk).update(expires_at=timezone.now() + timedelta(hours=5))

    section = text_of(dashboard(client, world["owner"]), "needs-action")

    assert "An offer lapses soon without an answer" in section


def test_another_brands_deals_never_show(world, client):
    deal_in(world, S.SCRIPT_SUBMITTED)
    stranger = MembershipFactory(role="owner").user

    section = text_of(dashboard(client, stranger), "needs-action")

    assert "Needs your action (0)" in section and "Review the script" not in section


def test_spend_this_month_and_the_wallet(world, client):
    deal_in(world, S.ACCEPTED)  # PRICE into escrow
    deal_in(world, S.OFFERED)  # PRICE held, not spent
    refunded = deal_in(world, S.RESOLVED)  # accepted (PRICE into escrow), then refunded in full

    html = dashboard(client, world["owner"])

    figures = text_of(html, "money-figures")
    assert refunded.status == S.RESOLVED
    assert format_money(PRICE, "CNY") in figures.split("Wallet")[0]  # spend: two escrowed, one refunded
    assert format_money(TOPUP - 2 * PRICE, "CNY") in figures  # available: one in escrow, one held
    assert f"held for offers {format_money(PRICE, 'CNY')}" in figures


def test_live_campaigns_show_views_cpm_and_expected_vs_actual_and_the_total_across_them(world, client):
    c = deal_in(world, S.PUBLISHED)
    result_record(
        collaboration_id=c.pk,
        actor=c.creator.user,
        day=1,
        values={"views": 80_000, "likes": 100, "comments": 10, "shares": 5},
    )
    second = another_order(world, title="Autumn launch")
    other = deal_in({**world, "order": second}, S.PUBLISHED)
    result_record(
        collaboration_id=other.pk,
        actor=other.creator.user,
        day=1,
        values={"views": 20_000, "likes": 10, "comments": 1, "shares": 1},
    )

    html = dashboard(client, world["owner"])

    table = text_of(html, "live-campaigns")
    assert world["order"].title in table and "Autumn launch" in table
    assert "80,000" in table and "20,000" in table
    assert "Spend on published posts" in table  # the CPM's numerator, not money committed to deals
    # CPM: CNY 5,000.00 for 80,000 views is CNY 62.50 per thousand.
    assert format_money(6_250, "CNY") in table
    assert "200 %" in table  # 80,000 views against the 40,000 the matcher expected
    across = text_of(html, "across-campaigns")
    assert "100,000" in across and format_money(2 * PRICE, "CNY") in across
    assert format_money(10_000, "CNY") in across  # CNY 10,000.00 for 100,000 views
    assert "125 %" in across  # 100,000 of 80,000 expected
