"""The indices on the creator page and the creator's growth page: who sees what, the checklist, income by
month and the next-stage panel at the threshold edges."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Collaboration
from payouts.models import Hold
from tests.factories import (
    CollaborationFactory,
    CreatorFactory,
    CreatorLabelFactory,
    MembershipFactory,
    OrderFactory,
    RatePriceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GROWTH = reverse("creators:growth")
S = Collaboration.Status


def detail(creator) -> str:
    return reverse("creators:detail", args=[creator.handle])


def with_indices(**extra):
    values = {
        "index_reach": 73.5,
        "index_seeding": 41.2,
        "index_value": 88.0,
        "index_growth": 12.5,
        "index_conversion": 64.0,
        "indices_at": timezone.now(),
        "authenticity_score": 0.0,
        "authenticity_flags": [],
    }
    values.update(extra)
    return CreatorFactory(**values)


def meters(page: str) -> dict[str, str]:
    """The index meters of the indices section: aria-label → value attribute."""
    section = page.split('id="indices"', 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r'<meter class="bar" min="0" max="100" value="([^"]+)" aria-label="([^"]+)"', section))


def settle(creator, share: int, when, order=None) -> Hold:
    """A resolved escrow whose creator share moved to the creator's available balance at ``when``."""
    order = order or OrderFactory()
    return Hold.objects.create(
        brand=order.brand,
        order=order,
        creator=creator,
        amount=share + share // 9,
        currency=settings.CURRENCY,
        fee_bps=1000,
        status=Hold.Status.PAID,
        creator_gross=share + share // 9,
        creator_share=share,
        fee=share // 9,
        refunded=0,
        resolved_at=when,
        settled_at=when,
    )


def done_deal(creator, *, rating=None, status=S.SETTLED):
    now = timezone.now()
    return CollaborationFactory(
        creator=creator,
        status=status,
        accepted=True,
        accepted_at=now - timedelta(days=20),
        completed_at=now - timedelta(days=2),
        brand_rating=rating,
    )


# ------------------------------------------------------------ creator page


def test_brands_see_the_five_indices_as_bars_each_with_its_formula(client):
    creator = with_indices()
    client.force_login(MembershipFactory().user)

    response = client.get(detail(creator))

    page = response.content.decode()
    assert response.status_code == 200
    bars = meters(page)
    assert list(bars) == ["73.5", "41.2", "88.0", "12.5", "64.0"]
    assert page.count("How this is computed") == 5
    assert "0.6 × ln(1 + median views per video over 30 days)" in page
    assert "engagement × (0.5 + 0.5 × completion rate)" in page
    assert "−ln(CPM)" in page
    assert "0.3 × ln(clicks per view) + 0.7 × ln(conversions per view)" in page
    assert "100 × (rank − ½) ÷ n" in page
    assert 'style="' not in page.split('id="indices"', 1)[1].split("</section>", 1)[0]


def test_indices_not_computed_yet_say_so_instead_of_showing_bars(client):
    creator = CreatorFactory(indices_at=None)
    client.force_login(MembershipFactory().user)

    page = client.get(detail(creator)).content.decode()

    assert "Not computed yet" in page
    assert meters(page) == {}


def test_an_index_without_data_says_so_and_keeps_its_formula(client):
    creator = with_indices(index_value=None)
    client.force_login(MembershipFactory().user)

    page = client.get(detail(creator)).content.decode()

    assert list(meters(page)) == ["73.5", "41.2", "12.5", "64.0"]
    assert "Not enough data" in page
    assert page.count("How this is computed") == 5


@pytest.mark.parametrize("viewer", ["brand", "staff"])
def test_brands_and_staff_see_the_authenticity_warning_with_its_reasons(client, viewer):
    creator = with_indices(authenticity_score=0.5, authenticity_flags=["follower_jump", "engagement_too_high"])
    user = MembershipFactory().user if viewer == "brand" else UserFactory(is_staff=True)
    client.force_login(user)

    page = client.get(detail(creator)).content.decode()

    assert "Unusual figures" in page and "anomaly score 0.50 of 1" in page
    assert "Followers jumped between the last two weekly snapshots" in page
    assert "Engagement is far above" in page
    assert "not a verdict" in page


def test_a_score_just_under_the_threshold_shows_no_warning(client):
    creator = with_indices(authenticity_score=0.499, authenticity_flags=["follower_jump"])
    client.force_login(MembershipFactory().user)

    page = client.get(detail(creator)).content.decode()

    assert "Unusual figures" not in page


def test_creators_do_not_see_their_own_anomaly_score(client):
    creator = with_indices(authenticity_score=0.9, authenticity_flags=["follower_jump"])
    client.force_login(creator.user)

    response = client.get(detail(creator))

    page = response.content.decode()
    assert response.status_code == 200 and len(meters(page)) == 5
    assert "Unusual figures" not in page and "Followers jumped" not in page


def test_other_creators_and_people_without_a_role_cannot_open_the_page(client):
    creator = with_indices()

    client.force_login(CreatorFactory().user)
    other_creator = client.get(detail(creator)).status_code
    client.force_login(UserFactory())
    nobody = client.get(detail(creator)).status_code

    assert (other_creator, nobody) == (404, 403)


def test_the_indices_add_no_query_to_the_creator_page(client):
    plain = CreatorFactory(indices_at=None)
    flagged = with_indices(authenticity_score=0.8, authenticity_flags=["follower_jump"])
    client.force_login(MembershipFactory().user)
    client.get(detail(plain))

    with CaptureQueriesContext(connection) as without:
        client.get(detail(plain))
    with CaptureQueriesContext(connection) as with_all:
        client.get(detail(flagged))

    assert len(with_all) == len(without)


# -------------------------------------------------------------- growth page


def test_only_the_creator_opens_their_growth_page(client):
    creator = CreatorFactory()

    anonymous = client.get(GROWTH)
    client.force_login(MembershipFactory().user)
    brand = client.get(GROWTH)
    client.force_login(UserFactory(is_staff=True))
    staff = client.get(GROWTH)
    client.force_login(creator.user)
    own = client.get(GROWTH)

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert (brand.status_code, staff.status_code, own.status_code) == (404, 404, 200)


def test_the_creator_sees_their_own_indices_on_the_growth_page_without_an_anomaly_score(client):
    creator = with_indices(authenticity_score=0.9, authenticity_flags=["follower_jump"])
    client.force_login(creator.user)

    response = client.get(GROWTH)

    page = response.content.decode()
    assert list(meters(page)) == ["73.5", "41.2", "88.0", "12.5", "64.0"]
    assert page.count("How this is computed") == 5
    assert "Unusual figures" not in page and "follower_jump" not in page


def test_a_new_creator_starts_at_departure_with_every_step_open(client):
    creator = CreatorFactory(bio="", audience_age={}, audience_gender={}, audience_region={})
    client.force_login(creator.user)

    response = client.get(GROWTH)

    page = response.content.decode()
    growth = response.context["growth"]
    assert growth.stage == "departure"
    assert re.search(r'<li class="stage stage-current" aria-current="step">\s*<span[^>]*>1</span>', page)
    assert page.count('aria-current="step"') == 1
    assert [(s.key, s.progress, s.target) for s in growth.checklist] == [
        ("profile", 0, 3),
        ("rate_card", 0, 1),
        ("novice", 0, 7),  # a departure step: tests/creators/test_novice_tasks.py
        ("first_accepted", 0, 1),
        ("first_completed", 0, 1),
        ("first_five_star", 0, 1),
        ("many_completed", 0, 10),
    ]
    assert growth.steps_done == 0 and "0 of 7 done" in page
    assert "How to reach Exploration (探索)" in page
    assert "1 more completed order (you have 0 of 1)." in page


def test_the_checklist_ticks_off_profile_rate_card_and_first_orders(client):
    creator = CreatorFactory(bio="Morning routines")
    CreatorLabelFactory(creator=creator)
    RatePriceFactory(creator=creator)
    CollaborationFactory(creator=creator, status=S.ACCEPTED, accepted=True, accepted_at=timezone.now())
    done_deal(creator, rating=5)
    done_deal(creator, rating=4, status=S.COMPLETED)
    client.force_login(creator.user)

    growth = client.get(GROWTH).context["growth"]

    steps = {s.key: (s.progress, s.done) for s in growth.checklist}
    assert steps == {
        "profile": (3, True),
        "rate_card": (1, True),
        "first_accepted": (1, True),
        "first_completed": (1, True),
        "first_five_star": (1, True),
        "many_completed": (2, False),
    }
    assert growth.figures.completed_orders == 2 and growth.figures.accepted_orders == 3
    assert growth.stage == "exploration"


def test_income_is_settled_shares_by_calendar_month_for_twelve_months(client):
    creator = CreatorFactory()
    now = timezone.now()
    this_month = timezone.localdate(now).replace(day=1)
    three_back = (this_month - timedelta(days=80)).replace(day=15)
    settle(creator, 120_000, now)
    settle(creator, 30_000, now - timedelta(minutes=5))
    settle(creator, 45_000, timezone.make_aware(timezone.datetime.combine(three_back, timezone.datetime.min.time())))
    settle(creator, 999_999, now - timedelta(days=400))  # older than 12 months
    settle(CreatorFactory(), 777_777, now)  # someone else's
    client.force_login(creator.user)

    response = client.get(GROWTH)

    growth = response.context["growth"]
    by_month = {m.month: m.amount for m in growth.income}
    assert len(growth.income) == 12 and growth.income[-1].month == this_month
    assert by_month[this_month] == 150_000 and by_month[three_back.replace(day=1)] == 45_000
    assert sum(by_month.values()) == 195_000 == growth.figures.income_12m
    page = response.content.decode()
    assert '<svg class="chart-svg"' in page and "the numbers as a table" in page
    assert f'<th scope="row">{this_month:%Y-%m}</th><td class="num">CNY 1,500.00</td>' in page


def test_income_settled_just_inside_365_days_counts_for_the_stage(client, settings):
    settings.GROWTH_STAGE_THRESHOLDS = {
        "exploration": {"orders": 0, "income": 100, "rating": 0},
        "harvest": {"orders": 10**6, "income": 10**12, "rating": 5},
        "on_the_road": {"orders": 10**6, "income": 10**12, "rating": 5},
    }
    inside, outside = CreatorFactory(), CreatorFactory()
    settle(inside, 100, timezone.now() - timedelta(days=364))
    settle(outside, 100, timezone.now() - timedelta(days=366))

    client.force_login(inside.user)
    inside_stage = client.get(GROWTH).context["growth"].stage
    client.force_login(outside.user)
    outside_stage = client.get(GROWTH).context["growth"].stage

    assert (inside_stage, outside_stage) == ("exploration", "departure")


HARVEST = settings.GROWTH_STAGE_THRESHOLDS["harvest"]


@pytest.mark.parametrize(
    ("orders", "income", "rating", "stage", "missing"),
    [
        # Exactly at every harvest threshold: harvest, and on the road needs all three.
        (10, 5_000_000, 4.2, "harvest", {"orders", "income", "rating"}),
        (9, 5_000_000, 4.2, "exploration", {"orders"}),
        (10, 4_999_999, 4.2, "exploration", {"income"}),
        (10, 5_000_000, 4.19, "exploration", {"rating"}),
        (10, 5_000_000, None, "exploration", {"rating"}),
        (40, 40_000_000, 4.5, "on_the_road", None),
    ],
)
def test_the_next_stage_panel_names_exactly_what_is_missing_at_the_edges(
    client, orders, income, rating, stage, missing
):
    creator = CreatorFactory(completed_orders=orders, avg_rating=rating)
    settle(creator, income, timezone.now() - timedelta(days=1))
    client.force_login(creator.user)

    response = client.get(GROWTH)

    growth, page = response.context["growth"], response.content.decode()
    assert growth.stage == stage
    if missing is None:
        assert growth.next_stage is None and "You have reached the last stage" in page
        return
    assert {m.kind for m in growth.next_stage.missing} == missing
    shown = set(re.findall(r'data-missing="(\w+)"', page))
    assert shown == missing


def test_the_missing_amounts_are_exact(client):
    creator = CreatorFactory(completed_orders=9, avg_rating=4.19)
    settle(creator, 4_999_999, timezone.now() - timedelta(days=1))
    client.force_login(creator.user)

    page = client.get(GROWTH).content.decode()

    assert "How to reach Harvest (收获)" in page
    assert "1 more completed order (you have 9 of 10)." in page
    assert "CNY 0.01 more settled income over the last 12 months (you have CNY 49,999.99 of CNY 50,000.00)." in page
    assert "An average brand rating of at least 4.2 (yours is 4.19)." in page


def test_a_completed_order_counts_before_the_brand_rates_it(client):
    creator = CreatorFactory(completed_orders=0)
    done_deal(creator, rating=None)
    client.force_login(creator.user)

    growth = client.get(GROWTH).context["growth"]

    assert growth.figures.completed_orders == 1 and growth.stage == "exploration"


def test_the_growth_page_runs_a_fixed_number_of_queries(client):
    creator = CreatorFactory()
    client.force_login(creator.user)
    client.get(GROWTH)
    with CaptureQueriesContext(connection) as few:
        client.get(GROWTH)
    for i in range(6):
        done_deal(creator, rating=5)
        settle(creator, 10_000 * (i + 1), timezone.now() - timedelta(days=30 * i))
    CreatorLabelFactory(creator=creator)

    with CaptureQueriesContext(connection) as many:
        response = client.get(GROWTH)

    assert response.status_code == 200 and len(many) == len(few)
    assert len(many) <= 10


def test_the_dashboard_and_the_navigation_link_to_the_growth_page(client):
    creator = CreatorFactory()
    client.force_login(creator.user)

    page = client.get(reverse("creators:dashboard")).content.decode()

    assert page.count(f'href="{GROWTH}"') == 2


def test_months_are_calendar_months_oldest_first():
    from marketplace.core.charts import last_months

    assert last_months(date(2026, 2, 17), 4) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
