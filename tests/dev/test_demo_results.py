"""load_demo's campaigns: collaborations taken through the services to published/completed/settled, with results."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from marketplace.core.models import User
from marketplace.dev.demo.campaigns import CAMPAIGNS
from orders.models import Collaboration, CollaborationEvent, ResultSnapshot
from payouts.models import Hold

pytestmark = pytest.mark.django_db
S = Collaboration.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _load(**options) -> str:
    out = StringIO()
    call_command("load_demo", creators=150, history=0, no_progress=True, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(taxonomy):
    return _load()


def test_the_demo_brands_orders_have_collaborations_in_every_late_state(demo):
    campaign = Collaboration.objects.filter(order__title__in=[c.order_title for c in CAMPAIGNS])

    assert "8 campaign collaborations with results" in demo
    assert campaign.count() == sum(len(c.placements) + (c.login_creator is not None) for c in CAMPAIGNS) == 8
    # The tent campaign is paid on plays: one deal counted and waiting for the brand (plays_counted).
    assert set(campaign.values_list("status", flat=True)) == {S.PUBLISHED, S.COMPLETED, S.PLAYS_COUNTED, S.SETTLED}
    for c in campaign.select_related("order"):
        assert c.published_at < timezone.now() and c.published_at.date() >= c.order.publish_from
        assert c.expected_views == c.creator.median_views_30d  # frozen at the offer (no ranking ran)
        steps = list(
            CollaborationEvent.objects.filter(collaboration=c).order_by("id").values_list("created_at", flat=True)
        )
        assert steps == sorted(steps)  # each step dated in the campaign's past, in order
    settled = campaign.filter(status=S.SETTLED)
    assert set(Hold.objects.filter(collaboration__in=settled).values_list("status", flat=True)) == {"paid"}


def test_each_collaboration_has_results_for_the_days_since_publishing(demo):
    now = timezone.now()

    for c in Collaboration.objects.filter(results__isnull=False).distinct():
        days = list(c.results.order_by("day").values_list("day", flat=True))
        elapsed = (now - c.published_at).days
        assert days == [d for d in (1, 3, 7, 14, 30) if d <= elapsed]
        views = list(c.results.order_by("day").values_list("views", flat=True))
        assert views == sorted(views) and views[-1] > 0  # counts only grow
        assert c.views == views[-1]  # the collaboration follows its newest day
        assert 0.05 < views[-1] / c.expected_views < 20
    assert not ResultSnapshot.objects.exclude(source="demo").exists()
    assert ResultSnapshot.objects.filter(day=30).exists() and ResultSnapshot.objects.filter(day=1).count() == 8


def test_a_second_run_adds_no_campaign_and_the_brand_sees_charts_at_once(demo, client):
    before = (Collaboration.objects.count(), ResultSnapshot.objects.count(), User.objects.count())

    _load()

    assert (Collaboration.objects.count(), ResultSnapshot.objects.count(), User.objects.count()) == before
    order = Collaboration.objects.filter(status=S.SETTLED).first().order
    client.force_login(User.objects.get(email=order.brand.memberships.get(role="owner").user.email))
    response = client.get(reverse("orders:report", args=[order.pk]))
    assert response.status_code == 200
    assert all(not item["chart"].empty for item in response.context["charts"])
    assert response.context["report"].measured == len(response.context["report"].rows) >= 3


def test_the_login_creator_has_a_published_post_to_enter_results_for(demo, client):
    client.force_login(User.objects.get(email="creator@starmap.demo"))
    c = Collaboration.objects.get(creator__user__email="creator@starmap.demo", status=S.PUBLISHED)

    response = client.get(reverse("deals:collaboration", args=[c.pk]))

    assert response.status_code == 200
    assert len(response.context["result_forms"]) == 5
    assert response.context["results_report"].latest.day == 3


def test_the_demo_creators_track_records_count_their_completed_campaigns_in_the_api(demo):
    from brands.models import BrandMembership
    from tests.api.clients import api_for

    completed = Collaboration.objects.filter(order__title__in=[c.order_title for c in CAMPAIGNS], accepted=True)
    completed = completed.exclude(completed_at=None).select_related("creator")

    assert completed.exists()
    for c in completed:
        api = api_for(BrandMembership.objects.filter(brand=c.order.brand_id).first().user)
        body = api.get(f"/api/v1/creators/{c.creator.handle}/").json()
        expected = c.creator.collaborations.filter(accepted=True).exclude(completed_at=None).count()
        assert body["completed_orders"] == expected, c.creator.handle
        assert body["fulfilment_rate"] is not None, c.creator.handle


def test_the_demo_has_a_pay_per_play_deal_paid_on_its_day_14_plays(demo):
    from orders import pay_per_play

    paid = Collaboration.objects.get(pricing="per_play", status=S.SETTLED)
    waiting = Collaboration.objects.get(pricing="per_play", status=S.PLAYS_COUNTED)
    for c in (paid, waiting):
        day14 = c.results.get(day=14).views
        assert c.plays_counted == day14
        assert c.play_amount == pay_per_play.deal_amount(c, plays=day14)
    hold = Hold.objects.get(collaboration=paid)
    assert (hold.status, hold.creator_gross, hold.refunded) == (
        "paid",
        paid.play_amount,
        hold.amount - paid.play_amount,
    )


def test_the_serum_campaign_has_deals_with_priced_rights_the_brand_can_extend(demo, client):
    serum = Collaboration.objects.filter(order__title=CAMPAIGNS[0].order_title)
    settled = serum.filter(status=S.SETTLED).select_related("order__brand").first()

    assert serum.count() == 5 and all(c.rights_price > 0 for c in serum)
    assert all(c.rights_until == c.published_at + timedelta(days=c.order.usage_days) for c in serum)
    hold = Hold.objects.get(collaboration=settled)
    assert hold.amount == settled.agreed_price == settled.work_price + settled.rights_price
    client.force_login(settled.order.brand.memberships.get(role="owner").user)
    page = client.get(reverse("deals:collaboration", args=[settled.pk]))
    assert page.context["contract"]["total"] == settled.agreed_price
    assert "extend_rights" in [form["action"] for form in page.context["action_forms"]]
    client.force_login(User.objects.get(email="creator@starmap.demo"))
    mine = serum.get(creator__user__email="creator@starmap.demo")
    assert client.get(reverse("deals:collaboration", args=[mine.pk])).context["contract"]["lines"][0]["percent"] == 10
