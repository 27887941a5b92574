"""`manage.py load_demo`: logins that work, valid synthetic creators, orders, --if-empty, seeds."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from agencies.models import Agency, Representation
from brands.models import Brand
from creators.models import Creator, CreatorLabel, RatePrice
from marketplace.core.audience import validate_audience
from marketplace.core.models import AuditLog, User
from marketplace.core.roles import role_of
from marketplace.dev.demo import Catalogue, generate_creators
from marketplace.dev.demo.agency import AGENCY_SHARE_BPS
from marketplace.dev.run import DEMO_LOGINS, DEMO_PASSWORD
from orders.models import Collaboration, Order
from payouts import selectors as money_selectors
from payouts.models import Hold, LedgerTransaction, TopUp

pytestmark = pytest.mark.django_db


def _load(creators: int = 200, **options) -> str:
    options.setdefault("history", 0)
    out = StringIO()
    call_command("load_demo", creators=creators, no_progress=True, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo campaigns upload their (tiny) videos


@pytest.fixture
def demo(taxonomy):
    _load()


def _synthetic():
    return Creator.objects.filter(user__isnull=True)


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "brands": Brand.objects.count(),
        "creators": Creator.objects.count(),
        "labels": CreatorLabel.objects.count(),
        "rates": RatePrice.objects.count(),
        "orders": Order.objects.count(),
    }


# Where each demo login lands after the login page, and what that page shows.
DEMO_LANDINGS = {
    "owner@aurora.demo": ("brands:dashboard", "<h1>Aurora Skincare</h1>"),
    "manager@aurora.demo": ("brands:dashboard", "<h1>Aurora Skincare</h1>"),
    "viewer@aurora.demo": ("brands:dashboard", "<h1>Aurora Skincare</h1>"),
    "owner@northwind.demo": ("brands:dashboard", "<h1>Northwind Outdoor</h1>"),
    "creator@starmap.demo": ("creators:dashboard", "Hello, "),
    "owner@lumen.demo": ("agencies:roster", "<h1>Lumen Talent (MCN)</h1>"),
    "admin@starmap.demo": ("staff_overview", "<h1>Platform overview</h1>"),
}


def test_every_demo_login_can_log_in(demo, client):
    landed = {}
    for _who, email in DEMO_LOGINS:
        page = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}, follow=True)
        url, text = DEMO_LANDINGS[email]
        landed[email] = (page.redirect_chain[-1][0] == reverse(url), text in page.content.decode())
        client.post(reverse("logout"))

    assert landed == {email: (True, True) for _who, email in DEMO_LOGINS}


def test_demo_logins_have_their_roles(demo):
    def role(email: str):
        return role_of(User.objects.get(email=email))

    assert (role("owner@aurora.demo").kind, role("owner@aurora.demo").brand_role) == ("brand", "owner")
    assert role("manager@aurora.demo").brand_role == "manager"
    assert role("viewer@aurora.demo").brand_role == "viewer"
    assert User.objects.get(email="owner@northwind.demo").brand_membership.brand.name == "Northwind Outdoor"
    assert User.objects.get(email="owner@aurora.demo").brand_membership.brand.name == "Aurora Skincare"
    assert role("creator@starmap.demo").kind == "creator"
    admin = User.objects.get(email="admin@starmap.demo")
    assert admin.is_staff and admin.is_superuser


def test_brands_are_verified_and_only_the_two_demo_brands_have_logins(demo):
    assert not Brand.objects.exclude(verification="verified").exists()
    assert Brand.objects.count() == 8
    usable = [u for u in User.objects.filter(brand_membership__isnull=False) if u.has_usable_password()]
    assert {u.brand_membership.brand.name for u in usable} == {"Aurora Skincare", "Northwind Outdoor"}


def test_load_demo_writes_the_requested_number_of_valid_creators(demo):
    creators = list(_synthetic())

    assert len(creators) == 200
    assert len({c.handle for c in creators}) == 200
    for creator in creators:
        validate_audience(age=creator.audience_age, gender=creator.audience_gender, region=creator.audience_region)
        assert creator.audience_age and creator.audience_gender and creator.audience_region
        assert creator.followers >= 1_000
        assert 0 < creator.engagement_rate < 1
        assert 0 < creator.completion_rate < 1
        assert 2 <= creator.max_concurrent <= 6
        assert creator.bio and len(creator.content_sample.splitlines()) >= 3


def test_each_creator_has_one_to_four_labels_and_two_to_four_prices(demo):
    label_counts = _synthetic().annotate(n=Count("label_links")).values_list("n", flat=True)
    rate_counts = _synthetic().annotate(n=Count("rate_prices")).values_list("n", flat=True)

    assert set(label_counts) <= {1, 2, 3, 4}
    assert set(rate_counts) <= {2, 3, 4}
    assert CreatorLabel.objects.filter(weight=1.0).values("creator").distinct().count() == Creator.objects.count()
    assert not RatePrice.objects.exclude(currency=settings.CURRENCY).exists()
    assert not RatePrice.objects.filter(amount__lte=0).exists()
    assert not RatePrice.objects.exclude(amount__endswith="00").exists()  # whole units


def test_bigger_creators_charge_more(demo):
    small = RatePrice.objects.filter(creator__followers__lt=10_000, format="short_21_60")
    large = RatePrice.objects.filter(creator__followers__gte=300_000, format="short_21_60")

    def median(qs):
        values = sorted(qs.values_list("amount", flat=True))
        return values[len(values) // 2]

    assert small.exists() and large.exists()
    assert median(large) > 5 * median(small)


def test_login_creator_has_a_full_profile(demo):
    creator = Creator.objects.get(user__email="creator@starmap.demo")

    assert creator.verification == "verified"
    assert creator.bio and creator.content_sample and creator.followers > 0
    validate_audience(age=creator.audience_age, gender=creator.audience_gender, region=creator.audience_region)
    assert creator.label_links.filter(label__iab_id="559", weight=1.0).exists()
    assert creator.rate_prices.count() >= 2
    assert AuditLog.objects.filter(object_type="creators.creator", object_id=str(creator.pk)).exists()


def test_demo_brands_get_draft_and_published_orders(demo):
    aurora = Order.objects.filter(brand__name="Aurora Skincare")

    assert set(aurora.values_list("status", flat=True)) == {"draft", "published"}
    assert set(Order.objects.filter(brand__name="Northwind Outdoor").values_list("status", flat=True)) == {
        "draft",
        "published",
    }
    assert Order.objects.values("brand").distinct().count() == Brand.objects.count()
    for order in Order.objects.all():
        assert order.target_label_links.exists()
        assert order.per_creator_budget() > 0
        assert order.currency == settings.CURRENCY
    assert Order.objects.filter(status="published", published_at__isnull=False).count() == (
        Order.objects.filter(status="published").count()
    )


def test_if_empty_second_run_adds_nothing(demo):
    before = _counts()

    output = _load(if_empty=True)

    assert _counts() == before
    assert "already loaded" in output


def test_run_without_if_empty_adds_creators_only(demo):
    before = _counts()

    _load(creators=25)

    after = _counts()
    assert after["creators"] == before["creators"] + 25
    assert (after["users"], after["brands"], after["orders"]) == (before["users"], before["brands"], before["orders"])
    assert Creator.objects.values("handle").distinct().count() == after["creators"]


def test_demo_brands_are_funded_once_and_the_ledger_verifies(demo):
    from marketplace.dev.demo.accounts import DEMO_TOPUP
    from orders.models import Contest

    _load(creators=5)  # a second run replays the top-ups

    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "Ledger verified: 0 differences." in out.getvalue()
    # One top-up per brand, and Aurora's second, which puts in its running contest's prize pool.
    assert TopUp.objects.filter(status="succeeded").count() == Brand.objects.count() + 1 == 9
    assert LedgerTransaction.objects.filter(kind="topup").count() == 9
    for brand in Brand.objects.all():
        # What the demo's deals and Aurora's contest pool took from each wallet: every hold's amount less
        # what came back (a per-play deal pays only its counted plays and refunds the rest of the maximum).
        spent = sum(h.amount - (h.refunded or 0) for h in Hold.objects.filter(brand=brand))
        topped_up = sum(TopUp.objects.filter(brand=brand, status="succeeded").values_list("amount", flat=True))
        pools = sum(Contest.objects.filter(order__brand=brand).values_list("pool", flat=True))
        assert topped_up == DEMO_TOPUP + pools
        assert money_selectors.wallet_for_brand(brand_id=brand.pk).available == topped_up - spent
    assert DEMO_TOPUP == 20_000_000


def test_load_demo_needs_the_taxonomy(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_taxonomy"):
        _load(creators=5)


def test_same_seed_gives_the_same_creators(taxonomy):
    catalogue = Catalogue.load()

    first = [r for batch in generate_creators(60, seed=3, catalogue=catalogue, batch=25) for r in batch]
    again = [r for batch in generate_creators(60, seed=3, catalogue=catalogue, batch=25) for r in batch]
    other = [r for batch in generate_creators(60, seed=4, catalogue=catalogue, batch=25) for r in batch]

    assert first == again
    assert [r.handle for r in first] != [r.handle for r in other]
    assert [r.handle.rsplit("-", 1)[1] for r in first] == [str(i) for i in range(1, 61)]


def test_distributions_file_is_consistent_with_the_catalogue(taxonomy):
    from marketplace.core.audience import regions
    from marketplace.core.models import Label, ProductCategory

    tables = Catalogue.load().tables

    assert abs(sum(tables["follower_histogram"]["share"]) - 1) < 0.01
    for key in ("engagement_rate", "views_per_follower", "hit_video_share"):
        for tier in tables["tiers"]:
            q = tables[key][tier["name"]]["quantiles"]
            assert q == sorted(q) and len(q) == 21, (key, tier)
    for tier in tables["tiers"]:
        assert abs(sum(tables["niche_mix"][tier["name"]]["niches"].values()) - 1) < 0.01
    for niche in tables["niches"].values():
        assert set(Label.objects.filter(iab_id__in=niche["labels"]).values_list("interest__name", flat=True)) == {
            niche["interest"]
        }
    assert set(tables["audience_country"]["share"]) | set(tables["creator_country"]["share"]) <= set(regions())
    kinds = {k["product_category"] for k in tables["sponsor_kinds"]}
    assert ProductCategory.objects.filter(iab_id__in=kinds).count() == len(kinds)


def test_demo_history_gives_past_outcomes_and_trains_the_matcher(taxonomy, settings, tmp_path):
    from matching.models import MatcherModel

    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.VAR_DIR = tmp_path

    output = _load(creators=400, history=40)

    past = Collaboration.objects.filter(origin="demo")
    assert past.filter(accepted=True, completed_on_time__isnull=False).exists()
    assert past.filter(accepted=False).exists()
    assert Order.objects.filter(status="closed", collaborations__isnull=False).distinct().count() == 40
    assert Creator.objects.filter(completed_orders__gt=0, avg_rating__isnull=False).exists()
    assert MatcherModel.objects.count() == 1
    assert "matcher: gbr-" in output
    assert Order.objects.filter(brand__name="Aurora Skincare", status="published").exists()


def test_the_demo_has_a_paid_programme_and_a_new_creator_joins_the_running_one(taxonomy, client):
    from programmes.models import Programme
    from programmes.selectors import standings

    _load(creators=60, history=150)  # the past programme pays for rated orders of the demo's history

    paid = Programme.objects.get(status="paid")
    assert paid.paid_total > 0 and paid.paid_total + paid.returned == paid.budget
    assert LedgerTransaction.objects.filter(kind="programme_bonus").count() == paid.awards.filter(amount__gt=0).count()
    running = Programme.objects.get(status="open")

    client.force_login(User.objects.get(email="creator@starmap.demo"))
    assert reverse("programmes:join", args=[running.pk]) in client.get(reverse("programmes:mine")).content.decode()
    client.post(reverse("programmes:join", args=[running.pk]))
    assert running.enrolments.filter(creator__user__email="creator@starmap.demo").exists()
    standing = client.get(reverse("programmes:mine")).content.decode()
    # Joined a day into the period: what the page says follows the creator's qualifying orders so far.
    mine = [s for s in standings(running) if s.creator.user.email == "creator@starmap.demo"]
    if mine and mine[0].qualifying_orders:
        assert f"Your standing: rank {mine[0].rank}, {mine[0].qualifying_orders} qualifying orders" in standing
    else:
        assert "No qualifying order yet: nothing earned so far." in standing and "Your standing" not in standing
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "Ledger verified: 0 differences." in out.getvalue() and "incentives_held" in out.getvalue()


def test_the_demo_runs_one_contest_the_creator_login_entered(demo):
    from orders.models import Contest
    from payouts.selectors import ledger_problems

    contest = Contest.objects.get()

    assert contest.status == Contest.Status.OPEN
    assert contest.order.brand.memberships.filter(user__email="owner@aurora.demo").exists()
    assert contest.entries.filter(creator__user__email="creator@starmap.demo").exists()
    assert contest.hold.amount == contest.pool
    assert ledger_problems() == []


def test_the_demo_agency_represents_three_creators_and_its_share_is_fixed_on_their_deals(demo):
    agency = Agency.objects.get()
    roster = Representation.objects.filter(agency=agency, status=Representation.Status.ACTIVE)

    assert roster.count() == 3
    assert roster.filter(creator__user__email="creator@starmap.demo").exists()
    assert all(rep.creator.user is not None for rep in roster)
    # The creator login's campaign deal was agreed under the contract: its escrow carries the agency's share.
    held = Hold.objects.filter(agency=agency, creator__user__email="creator@starmap.demo")
    assert held.exists() and {h.agency_bps for h in held} == {AGENCY_SHARE_BPS}
    assert money_selectors.ledger_problems() == []


def test_aurora_has_a_webhook_to_the_readme_s_local_receiver(demo):
    from webhooks.events import catalogue_for
    from webhooks.management.commands.webhook_receiver import DEMO_SECRET
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    (endpoint,) = WebhookEndpoint.objects.filter(brand__name="Aurora Skincare")

    assert endpoint.url == "http://127.0.0.1:8765/starmap" and endpoint.secret == DEMO_SECRET
    assert endpoint.is_active and sorted(endpoint.event_types) == sorted(catalogue_for("brand"))  # every brand event
    assert not WebhookDelivery.objects.exists()  # loading the demo sends nothing


def test_the_demo_agency_has_a_webhook_to_the_same_receiver_for_its_roster_and_payouts(demo):
    from webhooks.management.commands.webhook_receiver import DEMO_SECRET
    from webhooks.models import WebhookEndpoint

    (endpoint,) = WebhookEndpoint.objects.filter(agency__name="Lumen Talent (MCN)")

    assert endpoint.url == "http://127.0.0.1:8765/lumen" and endpoint.secret == DEMO_SECRET
    assert "payout.sent" in endpoint.event_types and "offer.accepted" in endpoint.event_types
    assert "order.published" not in endpoint.event_types
