"""Reads for the creator growth page (and its API): the stage on today's figures, the checklist of next
steps, income by month and what is missing for the next stage.

The stage follows the nightly job's rule (insights.indices.growth_stage with GROWTH_STAGE_THRESHOLDS)
on today's figures, so the page and its "what is missing" panel always agree; the nightly job records
the stage and notifies the creator when it changes.

- Completed orders: the larger of the creator record (``completed_orders``, set by history imports
  and refreshed when a brand rates) and a live count of completed orders (orders.flows, the
  same rule as the record), so a finished but not yet rated order counts at once.
- Rating: the creator record's average brand rating (refreshed at every rating).
- Income: the creator's share of resolved escrows settled to their available balance
  (payouts.Hold.creator_share by Hold.settled_at), the same source as the nightly job. Months are
  calendar months in the viewer's time zone; the stage uses the rolling 365 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creators.models import STAGE_NAMES, Creator
from insights.indices import STAGES, growth_stage
from insights.novice import Novice, novice_tasks, profile_parts
from marketplace.core import format_money
from marketplace.core.charts import last_months
from orders import flows
from orders.models import Collaboration
from payouts.models import Hold

MONTHS = 12


@dataclass(frozen=True)
class Figures:
    completed_orders: int
    accepted_orders: int
    five_star_ratings: int
    rating: float | None
    income_12m: int


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    url: str
    progress: int
    target: int

    @property
    def done(self) -> bool:
        return self.progress >= self.target


@dataclass(frozen=True)
class Missing:
    kind: str  # "orders", "income" or "rating"
    have: float | int | None
    need: float | int
    text: str


@dataclass(frozen=True)
class NextStage:
    stage: str
    name: str
    missing: list[Missing]


@dataclass(frozen=True)
class StageMark:
    key: str
    name: str
    state: str  # "passed", "current" or "ahead"


@dataclass(frozen=True)
class MonthIncome:
    month: date  # the first day
    amount: int


@dataclass(frozen=True)
class Growth:
    creator: Creator
    stage: str
    path: list[StageMark]
    figures: Figures
    checklist: list[Step]
    income: list[MonthIncome]
    next_stage: NextStage | None
    currency: str
    novice: Novice | None = None  # the novice tasks (the page shows them in the departure stage)

    @property
    def shows_novice(self) -> bool:
        return self.novice is not None and self.stage == STAGES[0]

    @property
    def stage_name(self) -> str:
        return str(dict(STAGE_NAMES)[self.stage])

    @property
    def steps_done(self) -> int:
        return sum(step.done for step in self.checklist)

    @property
    def completeness(self) -> int:
        return round(100 * self.steps_done / len(self.checklist))

    @property
    def income_in_chart(self) -> int:
        return sum(month.amount for month in self.income)


def creator_growth(creator: Creator) -> Growth:
    """Everything the growth page shows, for the creator's own eyes (4 queries)."""
    now = timezone.now()
    months = last_months(timezone.localdate(now), MONTHS)
    counts = (
        Collaboration.objects.real()
        .filter(creator=creator)
        .aggregate(**flows.DEAL_COUNTS, n_five_star=Count("pk", filter=Q(brand_rating=5)))
    )
    by_month, income_12m = _income(creator, since=now - timedelta(days=365))
    figures = Figures(
        completed_orders=max(creator.completed_orders, counts["completed_n"]),
        accepted_orders=counts["accepted_n"],
        five_star_ratings=counts["n_five_star"],
        rating=creator.avg_rating,
        income_12m=income_12m,
    )
    thresholds = settings.GROWTH_STAGE_THRESHOLDS
    stage = growth_stage(
        completed_orders=figures.completed_orders,
        income_12m=figures.income_12m,
        rating=figures.rating,
        thresholds=thresholds,
    )
    steps = checklist(creator, figures, thresholds)
    done = {step.key: step.done for step in steps}
    novice = novice_tasks(creator, profile_complete=done["profile"], rate_card=done["rate_card"])
    if stage == STAGES[0]:
        # The novice tasks are a step of the departure stage (docs/indices.md, "Novice tasks"); read in every
        # stage all the same, so the page runs the same queries whatever the stage.
        steps.insert(2, novice_step(novice))
    return Growth(
        creator=creator,
        stage=stage,
        path=stage_path(stage),
        figures=figures,
        checklist=steps,
        income=[MonthIncome(month=m, amount=by_month.get(m, 0)) for m in months],
        next_stage=next_stage(stage, figures, thresholds),
        currency=settings.CURRENCY,
        novice=novice,
    )


def _income(creator: Creator, *, since) -> tuple[dict[date, int], int]:
    """Settled creator shares since ``since`` by calendar month, and their total (one query)."""
    rows = (
        Hold.objects.filter(creator=creator, settled_at__gte=since)
        .annotate(month=TruncMonth("settled_at", output_field=DateField()))
        .values("month")
        .annotate(amount=Sum("creator_share"))
        .order_by("month")
    )
    by_month = {row["month"]: int(row["amount"] or 0) for row in rows}
    return by_month, sum(by_month.values())


def stage_path(stage: str) -> list[StageMark]:
    names, current = dict(STAGE_NAMES), STAGES.index(stage)
    return [
        StageMark(
            key=key, name=str(names[key]), state="passed" if i < current else "current" if i == current else "ahead"
        )
        for i, key in enumerate(STAGES)
    ]


def novice_step(novice: Novice) -> Step:
    """Finishing the novice tasks, a step of the departure stage's checklist."""
    return Step(
        "novice",
        _("Finish the novice tasks"),
        _("Walk a practice collaboration from offer to results; no money moves."),
        reverse("creators:growth") + "#novice-tasks",
        novice.done,
        len(novice.tasks),
    )


def checklist(creator: Creator, figures: Figures, thresholds: dict) -> list[Step]:
    """Next steps from a new profile to a steady record, in the order most creators take them."""
    edit = reverse("creators:profile_edit")
    inbox = reverse("deals:inbox")
    parts = profile_parts(creator)
    many = thresholds["harvest"]["orders"]
    return [
        Step(
            "profile",
            _("Complete your profile"),
            _("A bio, your content labels and your audience: brands filter on all three."),
            edit + "#basics",
            sum(parts),
            len(parts),
        ),
        Step(
            "rate_card",
            _("Set your rate card"),
            _("Give a price for at least one format; direct offers are sent at your rate-card price."),
            edit + "#rate-card",
            int(creator.rate_prices.exists()),
            1,
        ),
        Step(
            "first_accepted",
            _("Accept your first order"),
            _("Accept an offer or apply to a recommended order from your inbox."),
            inbox,
            min(figures.accepted_orders, 1),
            1,
        ),
        Step(
            "first_completed",
            _("Complete your first order"),
            _("Deliver the script and the video and publish the post; the brand then accepts the work."),
            inbox,
            min(figures.completed_orders, 1),
            1,
        ),
        Step(
            "first_five_star",
            _("Earn your first 5-star rating"),
            _("Brands rate each completed order from 1 to 5 stars."),
            inbox,
            min(figures.five_star_ratings, 1),
            1,
        ),
        Step(
            "many_completed",
            _("Complete %(n)s orders") % {"n": many},
            _("A steady record is what the harvest stage asks for."),
            inbox,
            min(figures.completed_orders, many),
            many,
        ),
    ]


def next_stage(stage: str, figures: Figures, thresholds: dict) -> NextStage | None:
    """The stage after ``stage`` and each of its thresholds still missing; None at the last stage."""
    position = STAGES.index(stage)
    if position == len(STAGES) - 1:
        return None
    target = STAGES[position + 1]
    need = thresholds[target]
    missing = []
    if figures.completed_orders < need["orders"]:
        short = need["orders"] - figures.completed_orders
        missing.append(
            Missing(
                "orders",
                figures.completed_orders,
                need["orders"],
                ngettext(
                    "%(short)s more completed order (you have %(have)s of %(need)s).",
                    "%(short)s more completed orders (you have %(have)s of %(need)s).",
                    short,
                )
                % {"short": short, "have": figures.completed_orders, "need": need["orders"]},
            )
        )
    if figures.income_12m < need["income"]:
        currency = settings.CURRENCY
        missing.append(
            Missing(
                "income",
                figures.income_12m,
                need["income"],
                _("%(short)s more settled income over the last 12 months (you have %(have)s of %(need)s).")
                % {
                    "short": format_money(need["income"] - figures.income_12m, currency),
                    "have": format_money(figures.income_12m, currency),
                    "need": format_money(need["income"], currency),
                },
            )
        )
    if need["rating"] and (figures.rating is None or figures.rating < need["rating"]):
        missing.append(
            Missing(
                "rating",
                figures.rating,
                need["rating"],
                _("An average brand rating of at least %(need)s (yours is %(have)s).")
                % {
                    "need": f"{need['rating']:.1f}",
                    "have": _("none yet") if figures.rating is None else f"{figures.rating:.2f}",
                },
            )
        )
    return NextStage(stage=target, name=str(dict(STAGE_NAMES)[target]), missing=missing)


def month_label(month: date) -> str:
    """Short and the same in every language, so twelve fit under a chart: 2026-03."""
    return month.strftime("%Y-%m")


@dataclass(frozen=True)
class Requirement:
    stage: str
    name: str
    orders: int
    income: int
    rating: float


def stage_requirements() -> list[Requirement]:
    """What each stage after departure asks for, from settings.GROWTH_STAGE_THRESHOLDS."""
    names, thresholds = dict(STAGE_NAMES), settings.GROWTH_STAGE_THRESHOLDS
    return [
        Requirement(stage, str(names[stage]), need["orders"], need["income"], need["rating"])
        for stage, need in ((s, thresholds[s]) for s in STAGES[1:])
    ]
