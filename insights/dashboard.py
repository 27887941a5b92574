"""The brand's home page figures: what needs the brand's action, money this month, live campaigns and the view
across them. Here, in the read side, because it reads the deals (orders), the wallet (payouts) and the campaign
reports together; brands may import none of them (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from orders import flows
from orders.models import Order
from orders.reports import Figures, OrderReport, as_minor, order_report, percent_of
from orders.selectors.deadlines import needs_action_for_brand
from payouts.selectors import BrandWallet, brand_spend, wallet_for_brand

# How many live campaigns the dashboard reports on (each is one campaign report: a few queries).
LIVE_CAMPAIGNS = 6


@dataclass
class Campaign:
    report: OrderReport

    @property
    def order(self) -> Order:
        return self.report.order

    @property
    def cpm_minor(self) -> int | None:
        """The measured CPM in whole minor units, as the campaign report shows it."""
        return as_minor(self.report.totals.cpm)

    @property
    def views_percent(self) -> int | None:
        """Actual views against expected, rounded as the campaign report rounds them."""
        return self.report.views_percent


@dataclass
class Across:
    """The live campaigns together: spend, expected and actual views and the CPM of what was measured."""

    spend: int
    measured_spend: int
    expected_views: int | None
    figures: Figures

    @property
    def cpm_minor(self) -> int | None:
        return as_minor(self.figures.cpm)

    @property
    def views_percent(self) -> int | None:
        return percent_of(self.figures.views, self.expected_views)


@dataclass
class BrandHome:
    actions: list
    actions_total: int
    month_start: datetime
    spend_this_month: int
    wallet: BrandWallet
    campaigns: list[Campaign]
    live_total: int
    across: Across | None


def brand_home(*, brand_id: int, now: datetime | None = None) -> BrandHome:
    now = now or timezone.now()
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    actions, actions_total = needs_action_for_brand(brand_id=brand_id, now=now)
    live = Order.objects.filter(brand_id=brand_id, status__in=flows.OPEN_FOR_DEALS).order_by("-published_at", "-id")
    campaigns = [Campaign(order_report(order)) for order in live[:LIVE_CAMPAIGNS]]
    return BrandHome(
        actions=actions,
        actions_total=actions_total,
        month_start=month_start,
        spend_this_month=brand_spend(brand_id=brand_id, since=month_start),
        wallet=wallet_for_brand(brand_id=brand_id),
        campaigns=campaigns,
        live_total=live.count(),
        across=_across(campaigns),
    )


def _across(campaigns: list[Campaign]) -> Across | None:
    if not campaigns:
        return None
    reports = [c.report for c in campaigns]
    measured = [r for r in reports if r.measured]
    views = sum(r.totals.views or 0 for r in measured) if measured else None
    engagements = sum(r.totals.engagements or 0 for r in measured) if measured else None
    measured_spend = sum(r.measured_spend for r in reports)
    expected = sum(r.expected_totals.views or 0 for r in reports) or None
    return Across(
        spend=sum(r.spend for r in reports),
        measured_spend=measured_spend,
        expected_views=expected,
        figures=Figures.of(measured_spend, views, engagements, None),
    )
