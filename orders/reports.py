"""Campaign measurement: the metric formulas (pure) and the per-collaboration / per-order reports.

Money stays in integer minor units; a cost ratio (CPM, CPE, cost per conversion) is a float of minor
units, formatted only for display. Every ratio is None when its denominator is zero: "no views
yet" is not "free".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.templatetags.numbers import grouped, percent
from orders import flows, pay_per_play
from orders.models import Collaboration, Order, ResultSnapshot
from orders.services.results import LABELS
from payouts.models import Hold

# --------------------------------------------------------------- formulas


def cpm(cost: int | None, views: int | None) -> float | None:
    """Cost per thousand views (none without a cost: see priced)."""
    return cost / views * 1000 if views and cost is not None else None


def cpe(cost: int | None, engagements: int | None) -> float | None:
    """Cost per engagement (like, comment or share)."""
    return cost / engagements if engagements and cost is not None else None


def engagement_rate(engagements: int | None, views: int | None) -> float | None:
    return engagements / views if views and engagements is not None else None


def cost_per_conversion(cost: int | None, conversions: int | None) -> float | None:
    return cost / conversions if conversions and cost is not None else None


def as_minor(ratio: float | None) -> int | None:
    """A cost ratio rounded half up to whole minor units, as pages, CSV and API show it (62.5 → 63)."""
    return None if ratio is None else math.floor(ratio + 0.5)


def percent_of(actual: int | None, expected: int | None) -> int | None:
    """``actual`` as a whole percentage of ``expected``, rounded half up in integers (121.5 % → 122 %), for every
    page that shows views against expected (the report and the brand's dashboard); None when unknown."""
    if actual is None or not expected:
        return None
    return (200 * actual + expected) // (2 * expected)


# ---------------------------------------------------------------- reports


@dataclass
class Figures:
    views: int | None
    engagements: int | None
    conversions: int | None
    cpm: float | None
    cpe: float | None
    engagement_rate: float | None
    cost_per_conversion: float | None

    @classmethod
    def of(cls, cost: int | None, views, engagements, conversions) -> Figures:
        return cls(
            views,
            engagements,
            conversions,
            cpm(cost, views),
            cpe(cost, engagements),
            engagement_rate(engagements, views),
            cost_per_conversion(cost, conversions),
        )


# ---------------------------------------------------------------- unusual figures

# Figures that are possible but unusual are flagged for the brand and staff, never refused (posts do go
# viral); what cannot be true is refused when entered (orders.services.results.results_check).
FAR_ABOVE_USUAL = 3  # engagement rate above 3 × the creator's usual rate
VIEWS_FAR_ABOVE_MEDIAN = 20  # views above 20 × the creator's median views (30 days)
PLAUSIBLE_ENGAGEMENT = 0.5  # engagements / views, when the creator's usual rate is unknown
PLAUSIBLE_COMPLETION = 0.8  # few short videos are watched to the end by more than 80 % of viewers
MAY_FALL = ("likes", "comments", "conversions")  # can be taken back; views, shares and clicks cannot


@dataclass(frozen=True)
class Flag:
    code: str
    day: int
    text: str


def result_flags(c: Collaboration, snapshots: list[ResultSnapshot]) -> list[Flag]:
    """Unusual figures among a collaboration's result snapshots, each code once (its newest day)."""
    flags: dict[str, Flag] = {}
    for i, s in enumerate(snapshots):
        for flag in [*_day_flags(c.creator, s), *_fall_flags(snapshots[:i], s)]:
            flags[flag.code] = flag
    return sorted(flags.values(), key=lambda f: (f.day, f.code))


def _day_flags(creator, s: ResultSnapshot) -> list[Flag]:
    flags = []
    rate, usual = engagement_rate(s.engagements, s.views), creator.engagement_rate
    limit = FAR_ABOVE_USUAL * usual if usual else PLAUSIBLE_ENGAGEMENT
    if rate is not None and rate > limit:
        text = (
            _("Engagement rate %(rate)s on day %(day)s is far above the creator's usual %(usual)s.")
            if usual
            else _("Engagement rate %(rate)s on day %(day)s is above what is plausible (%(usual)s).")
        )
        args = {"rate": percent(rate), "day": s.day, "usual": percent(usual or limit)}
        flags.append(Flag("engagement", s.day, text % args))
    median = creator.median_views_30d
    if median and s.views > VIEWS_FAR_ABOVE_MEDIAN * median:
        text = _("Views %(n)s on day %(day)s are more than %(times)s times the creator's median views (%(median)s).")
        args = {"n": grouped(s.views), "day": s.day, "times": VIEWS_FAR_ABOVE_MEDIAN, "median": grouped(median)}
        flags.append(Flag("views", s.day, text % args))
    if s.completion_rate is not None and s.completion_rate > PLAUSIBLE_COMPLETION:
        text = _("Completion rate %(rate)s on day %(day)s is above what is plausible for a short video (%(max)s).")
        args = {"rate": percent(s.completion_rate), "day": s.day, "max": percent(PLAUSIBLE_COMPLETION, 0)}
        flags.append(Flag("completion", s.day, text % args))
    return flags


def _fall_flags(earlier: list[ResultSnapshot], s: ResultSnapshot) -> list[Flag]:
    flags = []
    for name in MAY_FALL:
        before = max(earlier, key=lambda e: getattr(e, name), default=None)
        if before is not None and getattr(before, name) > getattr(s, name):
            text = _("%(field)s fell from %(before)s on day %(earlier)s to %(n)s on day %(day)s.")
            args = {
                "field": LABELS[name],
                "before": grouped(getattr(before, name)),
                "earlier": before.day,
                "n": grouped(getattr(s, name)),
                "day": s.day,
            }
            flags.append(Flag(f"{name}_fell", s.day, text % args))
    return flags


def priced(c: Collaboration) -> bool:
    """Whether the deal's cost ratios mean anything: a practice deal's price is paid by nobody, so its cost per
    view, engagement or sale would be a figure of nothing, on the page and in the API alike."""
    return not c.is_practice


@dataclass
class CollaborationReport:
    collaboration: Collaboration
    cost: int
    expected: Figures
    actual: Figures
    latest: ResultSnapshot | None
    snapshots: list[ResultSnapshot] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def priced(self) -> bool:
        return priced(self.collaboration)

    @property
    def views_vs_expected(self) -> float | None:
        """Actual views as a share of what the matcher expected at offer time (1.0 = as expected)."""
        if self.actual.views is None or not self.expected.views:
            return None
        return self.actual.views / self.expected.views

    @property
    def views_percent(self) -> int | None:
        return percent_of(self.actual.views, self.expected.views)


def deal_spend(c: Collaboration, snapshots: list[ResultSnapshot], hold: Hold | None) -> int:
    """What a deal has cost the brand: the one rule behind the campaign report's spend and cost ratios and the
    brand dashboard's live campaigns. Once the deal's escrow has resolved, what went to the creator's side — the
    gross of a payment, a split or a per-play payment: the creator's share, the platform fee and any agency
    share — net of what came back to the brand (a refund is nothing spent); until then what the deal costs (its
    price, or what a per-play deal pays on its plays: orders.pay_per_play.deal_cost). ``hold``: the deal's latest."""
    if hold is not None and hold.creator_gross is not None:
        return hold.creator_gross
    return pay_per_play.deal_cost(c, snapshots)


def _latest_hold(c: Collaboration) -> Hold | None:
    """The deal's latest hold: from order_report's prefetch, or one query."""
    return max(c.holds.all(), key=lambda hold: hold.pk, default=None)


def collaboration_report(c: Collaboration, snapshots: list[ResultSnapshot] | None = None) -> CollaborationReport:
    """Expected (frozen at the offer) vs actual (the latest result snapshot) for one collaboration."""
    if snapshots is None:
        snapshots = list(c.results.order_by("day"))
    latest = snapshots[-1] if snapshots else None
    cost = deal_spend(c, snapshots, _latest_hold(c))
    per = cost if priced(c) else None
    expected = Figures.of(per, c.expected_views, c.expected_engagements, None)
    if latest is None:
        actual = Figures.of(per, None, None, None)
    else:
        actual = Figures.of(per, latest.views, latest.engagements, latest.conversions)
    return CollaborationReport(c, cost, expected, actual, latest, snapshots, result_flags(c, snapshots))


@dataclass
class OrderReport:
    order: Order
    rows: list[CollaborationReport]
    totals: Figures
    expected_totals: Figures
    spend: int
    by_day: list[dict]
    audience_regions: list[tuple[str, float]]
    audience_ages: list[tuple[str, float]]

    @property
    def flagged(self) -> list[CollaborationReport]:
        """The collaborations with unusual figures, for the brand and staff to check."""
        return [r for r in self.rows if r.flags]

    @property
    def measured(self) -> int:
        """How many collaborations have results yet (the actual ratios count only these)."""
        return sum(1 for r in self.rows if r.latest is not None)

    @property
    def measured_spend(self) -> int:
        """The cost of the collaborations with results: the numerator of the actual CPM, CPE, …"""
        return sum(r.cost for r in self.rows if r.latest is not None)

    @property
    def views_vs_expected(self) -> float | None:
        """Measured views as a share of all that the matcher expected (1.0 = as expected)."""
        views, expected = self.totals.views, self.expected_totals.views
        return views / expected if views is not None and expected else None

    @property
    def views_percent(self) -> int | None:
        return percent_of(self.totals.views, self.expected_totals.views)


def order_report(order: Order) -> OrderReport:
    """The campaign report: every counted collaboration, totals, the day curve and the audience reached.

    A fixed number of queries whatever the number of collaborations (results and holds prefetched).
    """
    collaborations = list(
        order.collaborations.filter(status__in=flows.REPORTABLE)
        .select_related("creator")
        .prefetch_related(
            Prefetch("results", queryset=ResultSnapshot.objects.order_by("day")),
            Prefetch("holds", queryset=Hold.objects.only("pk", "collaboration_id", "creator_gross")),
        )
        .order_by("creator__display_name", "id")
    )
    rows = [collaboration_report(c, list(c.results.all())) for c in collaborations]
    spend = sum(r.cost for r in rows)
    measured = [r for r in rows if r.latest is not None]
    views = sum(r.actual.views or 0 for r in measured) if measured else None
    engagements = sum(r.actual.engagements or 0 for r in measured) if measured else None
    conversions = sum(r.actual.conversions or 0 for r in measured) if measured else None
    measured_cost = sum(r.cost for r in measured)
    totals = Figures.of(measured_cost, views, engagements, conversions)
    expected_views = sum(r.expected.views or 0 for r in rows)
    expected_engagements = sum(r.expected.engagements or 0 for r in rows)
    expected_totals = Figures.of(spend, expected_views or None, expected_engagements or None, None)
    return OrderReport(order, rows, totals, expected_totals, spend, _by_day(rows), *_audience_reached(measured))


def _by_day(rows: list[CollaborationReport]) -> list[dict]:
    """Views and engagements summed per snapshot day (1, 3, 7, 14, 30), carrying each post's latest
    earlier count forward so a missing day does not look like a drop."""
    days = [d for d, _ in ResultSnapshot.Day.choices]
    out = []
    for day in days:
        views = engagements = 0
        for r in rows:
            known = [s for s in r.snapshots if s.day <= day]
            if known:
                views += known[-1].views
                engagements += known[-1].engagements
        out.append({"day": day, "views": views, "engagements": engagements})
    return out


def _audience_reached(measured: list[CollaborationReport]) -> tuple[list, list]:
    """Views split by each creator's audience mix: who the campaign reached, by region and by age."""
    regions: dict[str, float] = {}
    ages: dict[str, float] = {}
    for r in measured:
        views = r.actual.views or 0
        for code, share in (r.collaboration.creator.audience_region or {}).items():
            regions[code] = regions.get(code, 0.0) + views * float(share)
        for bucket, share in (r.collaboration.creator.audience_age or {}).items():
            ages[bucket] = ages.get(bucket, 0.0) + views * float(share)
    top_regions = sorted(regions.items(), key=lambda item: -item[1])[:10]
    from marketplace.core.audience import AGE_BUCKETS

    return top_regions, [(b, ages.get(b, 0.0)) for b in AGE_BUCKETS]


# ------------------------------------------------------- expected vs actual rows

FIGURES = (
    ("views", gettext_lazy("Views"), "count"),
    ("engagements", gettext_lazy("Engagements (likes + comments + shares)"), "count"),
    ("conversions", gettext_lazy("Conversions"), "count"),
    ("cpm", gettext_lazy("CPM (cost per 1,000 views)"), "money"),
    ("cpe", gettext_lazy("CPE (cost per engagement)"), "money"),
    ("engagement_rate", gettext_lazy("Engagement rate"), "rate"),
    ("cost_per_conversion", gettext_lazy("Cost per conversion"), "money"),
)


def figure_rows(expected: Figures, actual: Figures, *, costs: bool = True) -> list[dict]:
    """Expected vs actual, one row per metric, with how to show it (count, money ratio or rate).
    ``costs=False`` leaves out the money rows: a practice deal's price is paid by nobody, so its cost
    per view, engagement or sale would be a figure of nothing."""
    return [
        {"name": n, "label": label, "kind": kind, "expected": getattr(expected, n), "actual": getattr(actual, n)}
        for n, label, kind in FIGURES
        if costs or kind != "money"
    ]


# --------------------------------------------------------------- contests


@dataclass
class ContestReport:
    """A contest's money as it was paid: one line per prize tier and one per entry (SPEC §6, issue 15).

    CPM contests have no tiers: each entry's line is what was actually paid (capped, cut to the total cap),
    and the contest's CPM is the money paid over the views of the entries it was paid for.
    """

    pool: int
    awarded: int
    refunded: int
    fees: int
    tiers: list[dict]
    entries: list[dict]
    views_paid_for: int
    cpm: float | None


def contest_report(contest) -> ContestReport:
    entries = list(contest.entries.select_related("creator").order_by("rank", "submitted_at", "pk"))
    tiers = []
    for number, tier in enumerate(contest.tiers, start=1):
        won = [e for e in entries if e.tier == number]
        tiers.append(
            {
                "tier": number,
                "places": tier["places"],
                "prize": tier["prize"],
                "awarded": len(won),
                "paid": sum(e.prize for e in won),
                "fees": sum(e.fee for e in won),
                "unclaimed": (tier["places"] - len(won)) * tier["prize"],
            }
        )
    lines = [
        {
            "entry": e.pk,
            "creator": e.creator.handle,
            "status": e.status,
            "rank": e.rank,
            "tier": e.tier,
            "views": e.views,
            "likes": e.likes,
            "prize": e.prize,
            "fee": e.fee,
            "creator_share": e.creator_share,
        }
        for e in entries
    ]
    paid_views = sum(e.views or 0 for e in entries if e.prize)
    return ContestReport(
        pool=contest.pool,
        awarded=contest.awarded,
        refunded=contest.refunded,
        fees=sum(e.fee for e in entries),
        tiers=tiers,
        entries=lines,
        views_paid_for=paid_views,
        cpm=cpm(contest.awarded, paid_views),
    )
