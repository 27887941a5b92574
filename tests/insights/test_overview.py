"""The staff overview: every monthly figure on hand-built data, who may see it, and its query count."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from creators.models import Creator
from insights.selectors import platform_overview
from marketplace.core.charts import last_months
from orders.models import Collaboration, Dispute, Order
from payouts.models import Account
from payouts.services import ledger
from tests.factories import CollaborationFactory, CreatorFactory, MembershipFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("staff_overview")
S, OFFER, APPLICATION = Collaboration.Status, Collaboration.Origin.OFFER, Collaboration.Origin.APPLICATION


def noon(month_start, day: int = 15) -> datetime:
    return timezone.make_aware(datetime(month_start.year, month_start.month, day, 12, 0))


@pytest.fixture
def months():
    """(two months ago at noon on the 15th, this month at noon on the 1st, thirteen months ago)."""
    first_days = last_months(timezone.localdate(), 12)
    older = first_days[0].replace(year=first_days[0].year - 1)
    return noon(first_days[-3]), noon(first_days[-1], day=1), noon(older)


def published_order(at: datetime, *offers_after_hours: float) -> Order:
    order = OrderFactory(status=Order.Status.PUBLISHED, published_at=at)
    for hours in offers_after_hours:
        CollaborationFactory(order=order, offered_at=at + timedelta(hours=hours))
    return order


def accepted_deal(at: datetime, price: int, currency: str = "CNY") -> Collaboration:
    return CollaborationFactory(
        status=S.ACCEPTED, accepted=True, accepted_at=at, offered_at=at, agreed_price=price, currency=currency
    )


def fee(at: datetime, amount: int, kind: str = Account.Kind.PLATFORM_FEES, owner: int | None = None) -> None:
    """A ledger transaction at ``at`` (the clock is the edge mocked here: ledger rows are append-only)."""
    other = ledger.account_for(Account.Kind.PROVIDER, "CNY")
    target = ledger.account_for(kind, "CNY", owner)
    with mock.patch("django.utils.timezone.now", return_value=at):
        if amount > 0:
            ledger.post(kind="release", legs=[(other, -amount), (target, amount)])
        else:
            ledger.post(kind="refund", legs=[(target, amount), (other, -amount)])


def dispute(at: datetime, decision: str = "") -> Dispute:
    row = Dispute.objects.create(
        collaboration=CollaborationFactory(status=S.DISPUTED),
        reason="Late",
        previous_status=S.ACCEPTED,
        status=Dispute.Status.RESOLVED if decision else Dispute.Status.OPEN,
        decision=decision,
    )
    Dispute.objects.filter(pk=row.pk).update(opened_at=at)
    return row


def joined(at: datetime, *, user: bool = True) -> Creator:
    creator = CreatorFactory() if user else CreatorFactory(user=None)
    Creator.objects.filter(pk=creator.pk).update(created_at=at)
    creator.refresh_from_db()
    return creator


@pytest.fixture
def world(months):
    then, now, old = months
    # Orders published: 4 two months ago (3 with offers: first after 2 h, 6 h and 30 h), 1 now, 1 too old.
    published_order(then, 2, 50)
    published_order(then + timedelta(days=1), 6)
    published_order(then + timedelta(days=2), 40, 30)  # the 30 h one is its first
    published_order(then + timedelta(days=3))
    published_order(now, 0.5)
    published_order(old, 1)
    # GMV: deals accepted (whatever their order), other currencies left out.
    accepted_deal(then, 500_000)
    accepted_deal(then + timedelta(days=2), 250_000)
    accepted_deal(then, 999_999, currency="USD")
    accepted_deal(now, 100_000)
    accepted_deal(old, 7_777_777)
    # Platform fees: credits only, to the platform-fees account only.
    fee(then, 50_000)
    fee(then + timedelta(days=3), 25_000)
    fee(then + timedelta(days=4), -10_000)  # a debit: not a fee earned
    creator = CreatorFactory()
    fee(then, 80_000, kind=Account.Kind.CREATOR_AVAILABLE, owner=creator.pk)
    fee(now, 10_000)
    # Disputes opened two months ago: 2 released, 1 refunded, 1 split, 1 still open; 1 now.
    for decision in ("release", "release", "refund", "split", ""):
        dispute(then, decision)
    dispute(now, "refund")
    # Fairness: of 4 creators with an account who joined two months ago, 2 had a brand offer within 30 days.
    offered, offered_late, applied, _ignored = (joined(then) for _ in range(4))
    CollaborationFactory(creator=offered, origin=OFFER, offered_at=then + timedelta(days=29))
    CollaborationFactory(creator=offered_late, origin=OFFER, offered_at=then + timedelta(days=31))
    CollaborationFactory(creator=applied, origin=APPLICATION, offered_at=then + timedelta(days=1))
    fast = joined(then + timedelta(days=5))
    CollaborationFactory(creator=fast, origin=OFFER, offered_at=then + timedelta(days=6))
    joined(then, user=False)  # an imported profile nobody claimed: not a creator who joined
    return {"then": then, "now": now}


def test_every_monthly_figure_on_hand_built_data(world):
    overview = platform_overview()

    by_month = {m.month: m for m in overview.months}
    then = by_month[timezone.localdate(world["then"]).replace(day=1)]
    now = by_month[timezone.localdate(world["now"]).replace(day=1)]
    assert len(overview.months) == 12
    assert then.orders_published == 4 and now.orders_published == 1
    assert (then.gmv, then.deals_accepted, now.gmv) == (750_000, 2, 100_000)
    assert (then.fees, now.fees) == (75_000, 10_000)
    assert (then.disputes_opened, then.released, then.refunded, then.split, then.still_open) == (5, 2, 1, 1, 1)
    assert (now.disputes_opened, now.refunded) == (1, 1)
    assert then.orders_with_offer == 3 and then.median_first_offer_s == 6 * 3600
    assert now.median_first_offer_s == 1800
    assert (then.creators_joined, then.creators_offered, then.fairness) == (5, 2, 0.4)
    others = [m for m in overview.months if m not in (then, now)]
    assert all(m.orders_published == m.gmv == m.fees == m.disputes_opened == m.creators_joined == 0 for m in others)
    assert overview.totals["orders_published"] == 5 and overview.totals["gmv"] == 850_000


def test_staff_see_the_table_the_charts_and_the_definitions(client, world):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(URL)

    page = response.content.decode()
    month = timezone.localdate(world["then"]).strftime("%Y-%m")
    assert response.status_code == 200
    row = page.split(f'data-month="{month}"', 1)[1].split("</tr>", 1)[0]
    for shown in ("CNY 7,500.00", "CNY 750.00", "6.0 h (3 orders)", "40.0 %"):
        assert shown in row
    assert page.count('<svg class="chart-svg"') == 6
    assert page.count("the numbers as a table") == 6
    assert "within 30 days of joining" in page and "not their own application" in page
    assert 'style="' not in page.split("<main", 1)[1]


def test_only_staff_open_the_overview(client):
    anonymous = client.get(URL)
    statuses = []
    for user in (MembershipFactory().user, CreatorFactory().user, UserFactory()):
        client.force_login(user)
        statuses.append(client.get(URL).status_code)

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert statuses == [403, 403, 403]


def test_staff_find_the_overview_in_their_navigation(client):
    client.force_login(UserFactory(is_staff=True))

    page = client.get(reverse("deals:disputes")).content.decode()

    assert f'href="{URL}"' in page


def test_the_overview_runs_a_fixed_number_of_queries(client, months):
    client.force_login(UserFactory(is_staff=True))
    client.get(URL)
    with CaptureQueriesContext(connection) as empty:
        client.get(URL)
    then = months[0]
    for i in range(5):
        published_order(then + timedelta(days=i), 1, 2)
        accepted_deal(then, 1000 * (i + 1))
        dispute(then, "release")
        joined(then)

    with CaptureQueriesContext(connection) as busy:
        client.get(URL)

    assert len(busy) == len(empty) <= 10


@pytest.mark.parametrize("origin", [Collaboration.Origin.DEMO, Collaboration.Origin.IMPORT])
def test_settled_history_shows_in_its_months(client, origin):
    # Given settled deals from history (demo or imported: accepted, but with no accepted_at stamp, as
    # both writers record them) spread over three months, and one offer that was declined
    first_days = last_months(timezone.localdate(), 12)
    spread = [(first_days[0], 300_000), (first_days[3], 450_000), (first_days[7], 500_000)]
    for month, price in spread:
        at = noon(month)
        CollaborationFactory(
            origin=origin,
            status=S.SETTLED,
            accepted=True,
            offered_at=at,
            responded_at=at + timedelta(hours=5),
            agreed_price=price,
        )
    CollaborationFactory(origin=origin, status=S.CLOSED, accepted=False, offered_at=noon(first_days[3]))
    client.force_login(UserFactory(is_staff=True))

    # When staff open the overview
    page = client.get(URL).content.decode()

    # Then each of those months shows one deal and its price; the declined offer counts for nothing
    for month, price in spread:
        row = page.split(f'data-month="{month:%Y-%m}"', 1)[1].split("</tr>", 1)[0]
        cells = [c.split(">", 1)[1] for c in row.split("</td>")[:3]]
        assert cells[1] == "1", (month, cells)
        assert f"{price // 100:,}" in cells[2], (month, cells)
    totals = page.split("<tfoot>", 1)[1]
    assert f"{(300_000 + 450_000 + 500_000) // 100:,}" in totals
