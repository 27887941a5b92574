"""Reads for incentive programmes: the rule's orders, who may join, the standing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from creators.models import Creator
from orders.flows import COMPLETED_ORDER
from orders.models import Collaboration
from programmes import rules
from programmes.models import Award, Enrolment, Programme

# A "new creator" joined Starmap at most this long before the programme starts (docs/programmes.md).
NEW_CREATOR_WINDOW = timedelta(days=90)


def qualifying_collaborations(programme: Programme) -> QuerySet[Collaboration]:
    """The orders the rule counts: completed in the period by a joined creator, rated at least the minimum
    by the brand and, if asked, on time. The one place the rule picks orders (practice deals left out)."""
    queryset = Collaboration.objects.real().filter(
        COMPLETED_ORDER,
        completed_at__gte=programme.starts_at,
        completed_at__lt=programme.ends_at,
        brand_rating__gte=programme.min_brand_rating,
        creator_id__in=Enrolment.objects.filter(programme=programme).values("creator_id"),
    )
    if programme.require_on_time:
        queryset = queryset.filter(completed_on_time=True)
    return queryset


def qualifying_counts(programme: Programme) -> dict[int, int]:
    """Joined creator id → qualifying orders (zero for joined creators with none)."""
    counts = dict.fromkeys(Enrolment.objects.filter(programme=programme).values_list("creator_id", flat=True), 0)
    rows = qualifying_collaborations(programme).values("creator_id").annotate(n=Count("pk"))
    counts.update({row["creator_id"]: row["n"] for row in rows})
    return counts


def provisional_awards(programme: Programme) -> dict[int, int]:
    """What the rule would pay on today's orders."""
    return rules.allocate(
        qualifying_counts(programme),
        pool=programme.budget,
        mode=programme.mode,
        per_order=programme.per_order_amount,
        cap=programme.cap_per_creator,
    )


@dataclass(frozen=True)
class Standing:
    rank: int
    creator: Creator
    qualifying_orders: int
    amount: int
    paid: bool


def standings(programme: Programme) -> list[Standing]:
    """The ranking: computed once when the period ended (the awards), else live on today's orders."""
    if programme.status in (Programme.Status.CLOSED, Programme.Status.PAID):
        awards = Award.objects.filter(programme=programme).select_related("creator")
        return [
            Standing(a.rank, a.creator, a.qualifying_orders, a.amount, a.ledger_transaction_id is not None)
            for a in awards
        ]
    counts = qualifying_counts(programme)
    amounts = provisional_awards(programme)
    creators = Creator.objects.in_bulk(list(counts))
    return [
        Standing(rank, creators[cid], counts[cid], amounts[cid], False)
        for rank, cid in enumerate(rules.ranking(counts), start=1)
    ]


def why_not_eligible(programme: Programme, creator: Creator, *, now: datetime | None = None) -> list[str]:
    """Why the creator may not join now (empty: they may)."""
    now = now or timezone.now()
    reasons = []
    if programme.status != Programme.Status.OPEN or now >= programme.ends_at:
        reasons.append(_("The programme is not open for joining."))
    if programme.stages and creator.growth_stage not in programme.stages:
        reasons.append(_("The programme is for other growth stages."))
    interest_ids = set(programme.interests.values_list("pk", flat=True))
    if interest_ids and not creator.labels.filter(interest_id__in=interest_ids).exists():
        reasons.append(_("The programme is for creators of other interests."))
    if programme.new_creators_only and creator.created_at < programme.starts_at - NEW_CREATOR_WINDOW:
        reasons.append(_("The programme is for creators new to Starmap."))
    return reasons


@dataclass(frozen=True)
class CreatorProgramme:
    programme: Programme
    joined: bool
    reasons: list[str]
    standing: Standing | None


def programmes_for_creator(creator: Creator) -> list[CreatorProgramme]:
    """Open programmes and those the creator joined, with whether they may join and their standing."""
    joined = set(Enrolment.objects.filter(creator=creator).values_list("programme_id", flat=True))
    programmes = Programme.objects.filter(Q(status=Programme.Status.OPEN) | Q(pk__in=joined)).prefetch_related(
        "interests"
    )
    items = []
    for programme in programmes:
        mine = None
        if programme.pk in joined:
            mine = next((s for s in standings(programme) if s.creator.pk == creator.pk), None)
        reasons = [] if programme.pk in joined else why_not_eligible(programme, creator)
        items.append(CreatorProgramme(programme, programme.pk in joined, reasons, mine))
    return items


def programme_ids_due(now: datetime) -> list[int]:
    """Open programmes whose period has ended."""
    return list(
        Programme.objects.filter(status=Programme.Status.OPEN, ends_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
