"""A coherent demo (issue 13 item 9): past campaigns in each brand's own product line, dates in order,
past campaigns' reports with results, the staff overview showing the history, and the README's creator
login seeing recommended orders. One small load_demo with history, read through the pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from marketplace.core.models import User
from marketplace.dev.demo.accounts import ADMIN_EMAIL, CREATOR_EMAIL
from marketplace.dev.demo.campaigns import CAMPAIGNS
from orders.models import Collaboration, Deliverable, Order
from tests.pages import page_as_shown

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """One load for the module (history and training are the slow part); tests only read."""
    from django.conf import settings

    tmp = tmp_path_factory.mktemp("demo")
    old = settings.MEDIA_ROOT, settings.MATCHING_SNAPSHOT_DIR, settings.VAR_DIR
    settings.MEDIA_ROOT, settings.MATCHING_SNAPSHOT_DIR, settings.VAR_DIR = tmp, tmp / "snapshots", tmp
    with django_db_blocker.unblock():
        call_command("load_taxonomy", verbosity=0)
        call_command("load_demo", creators=300, history=60, no_progress=True, stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command as flush

        flush("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT, settings.MATCHING_SNAPSHOT_DIR, settings.VAR_DIR = old


def test_each_brands_past_campaigns_are_in_its_own_product_line(demo):
    past = Order.objects.filter(status="closed", collaborations__origin="demo").select_related(
        "brand__industry", "product_category"
    )

    outside = [
        (o.brand.name, o.product_category.path)
        for o in past.distinct()
        if not (
            o.product_category.path == o.brand.industry.path
            or o.product_category.path.startswith(o.brand.industry.path + " >")
        )
    ]

    assert past.exists()
    assert not outside, outside[:5]
    aurora = past.filter(brand__name="Aurora Skincare")
    assert aurora.exists() and not aurora.filter(product_category__name__in=["Elections", "Religious Causes"])


def test_every_demo_deal_happens_in_date_order(demo):
    late = []
    for c in Collaboration.objects.select_related("order").filter(order__script_by__isnull=False):
        order = c.order
        if order.published_at and c.offered_at < order.published_at:
            late.append((c.pk, "offered before the order was published"))
        if c.offered_at > order.script_by:
            late.append((c.pk, f"offered {c.offered_at:%m/%d} after the script deadline {order.script_by:%m/%d}"))
        script = Deliverable.objects.filter(collaboration=c, kind=Deliverable.Kind.SCRIPT).first()
        if script is not None and script.created_at > order.script_by:
            late.append((c.pk, "script after the deadline"))
        stamps = [c.offered_at, c.responded_at, c.published_at, c.completed_at, c.settled_at]
        known = [s for s in stamps if s is not None]
        if known != sorted(known) or known[-1] > timezone.now():
            late.append((c.pk, f"stamps out of order: {stamps}"))
        if c.published_at and not (order.publish_from <= timezone.localdate(c.published_at) <= order.publish_until):
            late.append((c.pk, "published outside the publish window"))
        if order.closed_at and any(s > order.closed_at for s in known):
            late.append((c.pk, "after the order closed"))

    assert Collaboration.objects.filter(order__title__in=[s.order_title for s in CAMPAIGNS]).exists()
    assert not late, late[:5]


def test_a_past_campaigns_report_opens_with_results(demo, client):
    owner = User.objects.get(email="owner@aurora.demo")
    order = (
        Order.objects.filter(brand__name="Aurora Skincare", status="closed", collaborations__accepted=True)
        .distinct()
        .first()
    )
    client.force_login(owner)

    html = page_as_shown(client, reverse("orders:report", args=[order.pk]))

    delivered = order.collaborations.filter(accepted=True).select_related("creator")
    assert delivered.exists()
    for c in delivered:
        assert c.creator.display_name in html
        assert f"{c.views:,}" in html
    assert "No results yet" not in html


def test_the_overview_shows_the_history_month_by_month(demo, client):
    client.force_login(User.objects.get(email=ADMIN_EMAIL))

    page = client.get(reverse("staff_overview"))

    months = list(page.context["overview"].months)
    with_deals = [m for m in months if m.deals_accepted]
    assert len(with_deals) >= 6, [(m.month, m.deals_accepted) for m in months]
    history = Collaboration.objects.filter(origin="demo", accepted=True)
    since = page.context["overview"].since
    shown = sum(m.deals_accepted for m in months)
    assert shown >= history.filter(accepted_at__gte=since).count() > 0


def test_the_readme_creator_login_sees_recommended_orders(demo, client):
    client.force_login(User.objects.get(email=CREATOR_EMAIL))

    html = page_as_shown(client, reverse("deals:inbox"))

    recommended = html.split('id="recommended"', 1)[1]
    recruiting = Order.objects.filter(status="published", mode="recruitment")
    assert recruiting.exists()
    assert all(o.title in recommended for o in recruiting), "a demo recruitment order is not recommended"


# ------------------------------------------------------------ negotiation (docs/deals.md)


def _offered_price(c: Collaboration) -> int:
    """The price the brand offered, as its offer event wrote it (a counter accepted later changes agreed_price)."""
    return c.events.get(action="offer").data["price"]


def test_demo_offers_carry_the_brands_own_price_and_a_note(demo):
    offers = Collaboration.objects.filter(origin="offer").exclude(list_price=None)

    negotiated = [c for c in offers if _offered_price(c) != c.list_price and c.offer_note]

    assert offers.exists()
    assert len(negotiated) >= 5, [(c.pk, _offered_price(c), c.list_price, c.offer_note[:20]) for c in offers]
    assert offers.exclude(offer_note="").count() == offers.count(), "a demo offer went out without a note"


def test_every_demo_counter_keeps_the_one_negotiation_rule(demo):
    from orders.negotiation import OFFER_TTL, price_band

    countered = Collaboration.objects.exclude(countered_at=None)
    broken = []
    for c in countered:
        low, high = price_band(_offered_price(c))
        if not low <= c.counter_price <= high:
            broken.append((c.pk, "counter outside ±20 % of the offered price"))
        if not c.counter_price > _offered_price(c):  # the demo's creators ask more, never less, than offered
            broken.append((c.pk, "a counter below the offer (the usage rights left out of it)"))
        if not c.offered_at <= c.countered_at <= c.offered_at + OFFER_TTL:
            broken.append((c.pk, "countered outside the offer's 72 hours"))
        if c.status == Collaboration.Status.COUNTERED and not c.expires_at > timezone.now():
            broken.append((c.pk, "a pending counter on an expired offer"))

    assert countered.filter(status=Collaboration.Status.COUNTERED).count() == 1
    assert countered.exclude(status=Collaboration.Status.COUNTERED).filter(accepted_at__isnull=False).exists()
    assert not broken, broken


def test_the_readme_logins_see_the_pending_counter_offer(demo, client):
    from marketplace.core import format_money

    c = Collaboration.objects.select_related("order").get(status=Collaboration.Status.COUNTERED)
    counter = format_money(c.counter_price, c.currency)

    client.force_login(User.objects.get(email=CREATOR_EMAIL))
    inbox = page_as_shown(client, reverse("deals:inbox"))
    client.force_login(User.objects.get(email="owner@aurora.demo"))
    board = page_as_shown(client, reverse("orders:detail", args=[c.order_id]))

    assert c.creator.user.email == CREATOR_EMAIL
    assert f"You countered with {counter}" in inbox and c.offer_note[:40] in inbox
    assert f"Counter-offer: {counter}" in board
    assert reverse("deals:act", args=[c.pk, "accept_counter"]) in board
