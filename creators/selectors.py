"""Reads for creator pages, each scoped to the viewer and with its joins done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from creators.models import BlackoutPeriod, Creator, CreatorLabel, RatePrice
from creators.services import platform_today
from marketplace.models import Collaboration, ContentFormat, Label
from marketplace.roles import role_of

# Collaborations that take up one of the creator's concurrent slots.
ACTIVE_STATUSES = (
    Collaboration.Status.ACCEPTED,
    Collaboration.Status.SCRIPT_SUBMITTED,
    Collaboration.Status.SCRIPT_APPROVED,
    Collaboration.Status.VIDEO_SUBMITTED,
    Collaboration.Status.VIDEO_APPROVED,
    Collaboration.Status.PUBLISHED,
    Collaboration.Status.DISPUTED,
)


def creator_for_user(user) -> Creator:
    """The viewer's own creator profile; Http404 for anyone without one."""
    if user is None or not user.is_authenticated:
        raise Http404
    try:
        return user.creator  # cached on the user by role_of(), so usually no query
    except ObjectDoesNotExist:
        raise Http404 from None


def creator_detail_for_viewer(*, handle: str, user) -> Creator:
    """A creator as a brand member or staff may see them; creators may open only their own.

    Raises Http404 for unknown or hidden creators (and for other creators' profiles, so a
    creator cannot probe which handles exist) and PermissionDenied for users with no role.
    """
    role = role_of(user)
    if role is None or role.kind == "none":
        raise PermissionDenied
    queryset = Creator.objects.prefetch_related(
        Prefetch(
            "label_links", queryset=CreatorLabel.objects.select_related("label").order_by("-weight", "label__path")
        ),
        "rate_prices",
    )
    if role.is_creator:
        queryset = queryset.filter(user=user)
    elif not role.is_staff:
        queryset = queryset.filter(is_active=True)
    creator = queryset.filter(handle=handle).first()
    if creator is None:
        raise Http404
    return creator


# ---------------------------------------------------------------- rate card


@dataclass(frozen=True)
class RateCardLine:
    format: str
    label: str
    in_force: RatePrice | None
    pending: RatePrice | None


def current_rate_card(creator: Creator, on: date | None = None) -> list[RateCardLine]:
    """Per format, the price in force on ``on`` (default: today) and the change waiting to start.

    Reads ``creator.rate_prices.all()``, so a prefetch is used when present; one query otherwise.
    """
    on = on or platform_today()
    by_format: dict[str, list[RatePrice]] = {}
    for row in sorted(creator.rate_prices.all(), key=lambda r: r.effective_from):
        by_format.setdefault(row.format, []).append(row)
    lines = []
    for value, label in ContentFormat.choices:
        rows = by_format.get(value, [])
        in_force = next((r for r in reversed(rows) if r.effective_from <= on), None)
        pending = next((r for r in rows if r.effective_from > on), None)
        lines.append(RateCardLine(format=value, label=str(label), in_force=in_force, pending=pending))
    return lines


# ------------------------------------------------------------------- labels


def label_search(query: str, limit: int = 20, *, exclude: Iterable[int] = ()) -> list[Label]:
    """Labels whose path contains every word of ``query`` (case-insensitive), broadest first."""
    words = query.split()[:6]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(path__icontains=word)
    return list(Label.objects.filter(condition).exclude(pk__in=list(exclude)).order_by("tier", "path")[:limit])


def creator_label_links(creator: Creator) -> list[CreatorLabel]:
    return list(creator.label_links.select_related("label").order_by("-weight", "label__path"))


def labels_by_id(ids: Iterable[int]) -> dict[int, Label]:
    return Label.objects.in_bulk(list(ids))


# ---------------------------------------------------------------- blackouts


def upcoming_blackouts(creator: Creator, *, today: date | None = None) -> QuerySet[BlackoutPeriod]:
    return creator.blackouts.filter(ends_on__gte=today or platform_today()).order_by("starts_on")


# ---------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    hint: str
    anchor: str
    done: bool


@dataclass(frozen=True)
class CreatorDashboard:
    creator: Creator
    checklist: list[ChecklistItem]
    active_collaborations: int
    open_offers: int

    @property
    def completeness(self) -> int:
        """Share of checklist items done, in whole per cent."""
        return round(100 * sum(item.done for item in self.checklist) / len(self.checklist))

    @property
    def next_step(self) -> ChecklistItem | None:
        return next((item for item in self.checklist if not item.done), None)


def creator_dashboard(creator: Creator) -> CreatorDashboard:
    """Profile completeness and collaboration counts for the creator's own dashboard (3 queries)."""
    has_labels = creator.label_links.exists()
    has_prices = creator.rate_prices.exists()
    has_audience = bool(creator.audience_age or creator.audience_gender or creator.audience_region)
    counts = Collaboration.objects.filter(creator=creator).aggregate(
        active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        offers=Count("pk", filter=Q(status=Collaboration.Status.OFFERED)),
    )
    checklist = [
        ChecklistItem(
            "bio",
            _("Introduce yourself"),
            _("A short bio and a few recent video titles help brands and the matcher understand your content."),
            "basics",
            bool(creator.bio.strip()),
        ),
        ChecklistItem(
            "labels",
            _("Choose your content labels"),
            _("Pick up to 10 labels from the content taxonomy so orders in your niche find you."),
            "labels",
            has_labels,
        ),
        ChecklistItem(
            "audience",
            _("Describe your audience"),
            _("Enter who watches you by age, gender and region; brands filter on it."),
            "audience",
            has_audience,
        ),
        ChecklistItem(
            "rate_card",
            _("Set your rate card"),
            _("Give a price for at least one format; direct offers are sent at your rate-card price."),
            "rate-card",
            has_prices,
        ),
    ]
    return CreatorDashboard(
        creator=creator,
        checklist=checklist,
        active_collaborations=counts["active"],
        open_offers=counts["offers"],
    )
