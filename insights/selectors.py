"""The staff overview: platform totals by calendar month, from a handful of grouped queries.

Each figure is one aggregate query grouped by month (never a query per order or creator); months are
calendar months in the viewer's time zone. Definitions (also on the page and in docs/overview.md):

- orders published: orders whose ``published_at`` falls in the month;
- GMV: the agreed prices of collaborations accepted in the month, platform currency. A deal of imported
  or demo history carries ``accepted`` but no ``accepted_at`` (the file gives no time of the answer):
  it counts at its answer (``responded_at``), else at its offer (``offered_at``);
- platform fees: credits to the platform-fees ledger account, by the ledger transaction's time;
- disputes: opened in the month, with the outcome of those disputes (release / refund / split) or
  still open;
- median time to first offer: for orders published in the month that received any collaboration,
  the median of (the first collaboration's ``offered_at`` − ``published_at``);
- fairness: of the creators with an account whose profile was created in the month, the share who
  received at least one brand offer (a direct offer, not their own application) within 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, DateField, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from creators.models import Creator
from marketplace.core.charts import last_months
from orders.models import Collaboration, Dispute, Order
from orders.models.orders import REAL_DEAL_SQL
from payouts.models import Account, LedgerEntry

MONTHS = 12
OFFER_WINDOW = timedelta(days=30)


@dataclass
class Month:
    month: date
    orders_published: int = 0
    gmv: int = 0
    deals_accepted: int = 0
    fees: int = 0
    disputes_opened: int = 0
    released: int = 0
    refunded: int = 0
    split: int = 0
    still_open: int = 0
    orders_with_offer: int = 0
    median_first_offer_s: float | None = None
    creators_joined: int = 0
    creators_offered: int = 0

    @property
    def fairness(self) -> float | None:
        """Share of the month's new creators offered work within 30 days (None when nobody joined)."""
        return self.creators_offered / self.creators_joined if self.creators_joined else None

    @property
    def median_first_offer_hours(self) -> float | None:
        return None if self.median_first_offer_s is None else self.median_first_offer_s / 3600


@dataclass
class Overview:
    months: list[Month]
    currency: str
    since: datetime
    totals: dict = field(default_factory=dict)


def platform_overview(*, now: datetime | None = None) -> Overview:
    """The last 12 calendar months, oldest first (six grouped queries)."""
    now = now or timezone.now()
    months = last_months(timezone.localdate(now), MONTHS)
    since = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    rows = {m: Month(month=m) for m in months}
    currency = settings.CURRENCY
    for grouped in (
        _orders(since),
        _gmv(since, currency),
        _fees(since, currency),
        _disputes(since),
        _first_offer(since),
        _fairness(since),
    ):
        for values in grouped:
            month = rows.get(values.pop("month"))
            if month is not None:  # a row stamped after "now" (clock skew) has no column
                for name, value in values.items():
                    setattr(month, name, value if value is not None else getattr(month, name))
    ordered = [rows[m] for m in months]
    return Overview(months=ordered, currency=currency, since=since, totals=_totals(ordered))


def _by_month(queryset, stamp: str):
    return queryset.annotate(month=TruncMonth(stamp, output_field=DateField())).values("month").order_by("month")


def _orders(since: datetime):
    return _by_month(Order.objects.real().filter(published_at__gte=since), "published_at").annotate(
        orders_published=Count("pk")
    )


def _gmv(since: datetime, currency: str):
    accepted = (
        Collaboration.objects.real()
        .filter(Q(accepted=True) | Q(accepted_at__isnull=False), currency=currency)
        .annotate(accepted_on=Coalesce("accepted_at", "responded_at", "offered_at"))
        .filter(accepted_on__gte=since)
    )
    return _by_month(accepted, "accepted_on").annotate(gmv=Sum("agreed_price"), deals_accepted=Count("pk"))


def _fees(since: datetime, currency: str):
    credits = LedgerEntry.objects.filter(
        account__kind=Account.Kind.PLATFORM_FEES, amount__gt=0, currency=currency, transaction__created_at__gte=since
    )
    return _by_month(credits, "transaction__created_at").annotate(fees=Sum("amount"))


def _disputes(since: datetime):
    decided = Dispute.Status.RESOLVED
    return _by_month(Dispute.objects.filter(opened_at__gte=since), "opened_at").annotate(
        disputes_opened=Count("pk"),
        released=Count("pk", filter=Q(status=decided, decision=Dispute.Decision.RELEASE)),
        refunded=Count("pk", filter=Q(status=decided, decision=Dispute.Decision.REFUND)),
        split=Count("pk", filter=Q(status=decided, decision=Dispute.Decision.SPLIT)),
        still_open=Count("pk", filter=Q(status=Dispute.Status.OPEN)),
    )


def _first_offer(since: datetime) -> list[dict]:
    """Median seconds from publishing to the first collaboration, per month of publishing (SQL: Django
    has no percentile aggregate)."""
    o, c, real = Order._meta.db_table, Collaboration._meta.db_table, REAL_DEAL_SQL % "k"
    sql = f"""
        SELECT (date_trunc('month', o.published_at AT TIME ZONE %s))::date AS month,
               count(*) AS orders_with_offer,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY greatest(extract(epoch FROM f.first_at - o.published_at), 0)
               ) AS median_first_offer_s
        FROM {o} o
        JOIN LATERAL (SELECT min(k.offered_at) AS first_at FROM {c} k WHERE k.order_id = o.id AND {real}) f
          ON f.first_at IS NOT NULL
        WHERE o.published_at >= %s
        GROUP BY 1
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cur:
        cur.execute(sql, [timezone.get_current_timezone_name(), since])
        names = [col[0] for col in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _fairness(since: datetime):
    offered = Collaboration.objects.real().filter(
        creator=OuterRef("pk"),
        origin=Collaboration.Origin.OFFER,
        offered_at__lt=OuterRef("created_at") + OFFER_WINDOW,
    )
    joined = Creator.objects.filter(created_at__gte=since, user__isnull=False)
    return _by_month(joined, "created_at").annotate(
        creators_joined=Count("pk"), creators_offered=Count("pk", filter=Q(Exists(offered)))
    )


def _totals(months: list[Month]) -> dict:
    joined = sum(m.creators_joined for m in months)
    offered = sum(m.creators_offered for m in months)
    return {
        "orders_published": sum(m.orders_published for m in months),
        "gmv": sum(m.gmv for m in months),
        "deals_accepted": sum(m.deals_accepted for m in months),
        "fees": sum(m.fees for m in months),
        "disputes_opened": sum(m.disputes_opened for m in months),
        "released": sum(m.released for m in months),
        "refunded": sum(m.refunded for m in months),
        "split": sum(m.split for m in months),
        "still_open": sum(m.still_open for m in months),
        "creators_joined": joined,
        "creators_offered": offered,
        "fairness": offered / joined if joined else None,
    }
