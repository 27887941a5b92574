"""Reads for creator pages, each scoped to the viewer and with its joins done."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.models import BlackoutPeriod, ContentSample, Creator, CreatorLabel, RatePrice, UsageRight
from creators.services import platform_today
from marketplace.core import catalogue
from marketplace.core.models import ContentFormat, Label
from marketplace.core.roles import role_of


def creator_for_user(user) -> Creator:
    """The viewer's own creator profile; Http404 for anyone without one."""
    if user is None or not user.is_authenticated:
        raise Http404
    try:
        return user.creator  # cached on the user by role_of(), so usually no query
    except ObjectDoesNotExist:
        raise Http404 from None


def active_creator_by_handle(typed: str) -> Creator | None:
    """The active creator someone means by a handle as they typed or pasted it: surrounding spaces and a
    leading "@" (pages show handles as "@handle") dropped, in any case. The one reading of a typed handle
    (the agency's invitation, "why not?" on the page and in the API)."""
    handle = (typed or "").strip().removeprefix("@").strip()
    if not handle:
        return None
    return Creator.objects.filter(handle__iexact=handle, is_active=True).order_by("pk").first()


def creator_detail_for_viewer(*, handle: str, user) -> Creator:
    """A creator as a brand member or staff may see them; creators may open only their own.

    Raises Http404 for unknown or hidden creators (and for other creators' profiles, so a
    creator cannot probe which handles exist) and PermissionDenied for users with no role.
    """
    queryset = _visible_creators(user).prefetch_related(
        Prefetch(
            "label_links", queryset=CreatorLabel.objects.select_related("label").order_by("-weight", "label__path")
        ),
        "rate_prices",
        Prefetch("content_samples", queryset=ContentSample.objects.order_by("position", "id")),
    )
    creator = queryset.filter(handle=handle).first()
    if creator is None:
        raise Http404
    return creator


def creator_avatar_for_viewer(*, handle: str, user) -> Creator:
    """The creator whose picture ``user`` asks for, under the creator page's rule (same 404 and 403);
    Http404 too when the creator has no uploaded picture."""
    creator = _visible_creators(user).only("pk", "avatar").filter(handle=handle).exclude(avatar="").first()
    if creator is None:
        raise Http404
    return creator


def _visible_creators(user):
    """Who may see which creator page: brand members and staff every active one (staff inactive ones too),
    a creator only their own, an agency's members the creators it represents now; PermissionDenied for
    users with no role."""
    role = role_of(user)
    if role is None or role.kind == "none":
        raise PermissionDenied
    queryset = Creator.objects.all()
    if role.is_creator:
        return queryset.filter(user=user)
    if role.is_agency:  # the agencies app's contracts, by their reverse name (creators imports no agency code)
        return queryset.filter(representations__status="active", representations__agency__memberships__user=user)
    if role.is_brand:
        return queryset.filter(is_active=True)
    return queryset


# ---------------------------------------------------------------- rate card


@dataclass(frozen=True)
class RateCardLine:
    format: str
    label: str
    in_force: RatePrice | None
    pending: RatePrice | None


def current_rate_card(creator: Creator, on: date | None = None) -> list[RateCardLine]:
    """Per format, the price in force on ``on`` (default: today; None when not offered) and the change
    waiting to start (a pending row without an amount: the format stops being offered then).

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
        if in_force is not None and in_force.amount is None:
            in_force = None  # the creator stopped offering this format
        pending = next((r for r in rows if r.effective_from > on), None)
        lines.append(RateCardLine(format=value, label=str(label), in_force=in_force, pending=pending))
    return lines


def prices_in_force(creator_ids, format: str, on: date | None = None) -> dict[int, RatePrice]:
    """Per creator, the price for ``format`` in force on ``on`` (default today), in one query; a creator who
    never priced the format or stopped offering it is absent."""
    on = on or platform_today()
    rows = (
        RatePrice.objects.filter(creator_id__in=list(creator_ids), format=format, effective_from__lte=on)
        .order_by("creator_id", "-effective_from")
        .distinct("creator_id")
    )
    return {row.creator_id: row for row in rows if row.amount is not None}


TYPICAL_PRICE_SAMPLE = 5_000


def typical_price(format: str) -> int | None:
    """The median of the latest prices set for ``format`` on the platform (its newest rows, up to
    TYPICAL_PRICE_SAMPLE of them; one bounded query), None while nobody prices the format."""
    amounts = list(
        RatePrice.objects.filter(format=format, amount__isnull=False)
        .order_by("-id")
        .values_list("amount", flat=True)[:TYPICAL_PRICE_SAMPLE]
    )
    return int(statistics.median(amounts)) if amounts else None


# ------------------------------------------------------------------- labels


def label_search(query: str, limit: int = 20, *, exclude: Iterable[int] = ()) -> list[Label]:
    """Labels whose path (English or Chinese) contains every word of ``query``, broadest first."""
    return catalogue.label_search(query=query, limit=limit, exclude=exclude)


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


def creator_dashboard(creator: Creator, *, active_collaborations: int, open_offers: int) -> CreatorDashboard:
    """Profile completeness for the creator's own dashboard (2 queries), beside the deal counts the caller
    passes in (orders.selectors.orders.creator_home counts them: creators does not read the deal)."""
    has_labels = creator.label_links.exists()
    has_prices = creator.rate_prices.exists()
    has_audience = bool(creator.audience_age or creator.audience_gender or creator.audience_region)
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
        active_collaborations=active_collaborations,
        open_offers=open_offers,
    )


# ---------------------------------------------------------- value indices

# The authenticity score from which brands and staff see a warning (docs/indices.md).
AUTHENTICITY_WARNING = 0.5

# (key, model field, name, the formula in words — docs/indices.md's table)
INDEX_INFO = (
    (
        "reach",
        "index_reach",
        gettext_lazy("Reach (传播)"),
        gettext_lazy(
            "How many people a video reaches: 0.6 × ln(1 + median views per video over 30 days) "
            "+ 0.4 × ln(1 + followers)."
        ),
    ),
    (
        "seeding",
        "index_seeding",
        gettext_lazy("Seeding (种草)"),
        gettext_lazy(
            "How much the audience engages and watches to the end: engagement × (0.5 + 0.5 × completion rate). "
            "Engagement is the profile's engagement rate or, once the creator's delivered posts on Starmap "
            "have 1,000 views or more, the mean of that rate and the delivered rate "
            "(likes + comments + shares ÷ views of the latest results)."
        ),
    ),
    (
        "value",
        "index_value",
        gettext_lazy("Value for money (性价比)"),
        gettext_lazy(
            "The cheaper a thousand views, the higher: −ln(CPM), where CPM is the price of a 21–60 s video "
            "÷ median views × 1,000; with 1,000 delivered views or more, the geometric mean of that expected CPM "
            "and the delivered CPM (agreed prices ÷ delivered views × 1,000). Without a price for that format "
            "there is no value-for-money index."
        ),
    ),
    (
        "growth",
        "index_growth",
        gettext_lazy("Growth (成长)"),
        gettext_lazy(
            "Whether the account is on the way up: 0.7 × follower growth over 30 days + 0.3 × (median views "
            "over 30 days ÷ median views over 90 days − 1), each part clipped to −100 % … +100 %."
        ),
    ),
    (
        "conversion",
        "index_conversion",
        gettext_lazy("Conversion (转化)"),
        gettext_lazy(
            "How often the creator's delivered posts on Starmap lead to clicks and sales: 0.3 × ln(clicks per view) "
            "+ 0.7 × ln(conversions per view), over the latest results of every delivered post, each rate pulled "
            "toward the median of the creator's interest as if 20,000 views of that median were added. "
            "Not computed until the delivered posts have 1,000 views."
        ),
    ),
)
PERCENTILE_NOTE = gettext_lazy(
    "Each raw score becomes a percentile among the creators of the same main interest (the interest "
    "holding most of their label weight): 100 × (rank − ½) ÷ n, ties sharing their average rank. "
    "50 is the middle of the interest; a creator alone in an interest gets 50. Recomputed every night."
)
FLAG_TEXTS = {
    "engagement_too_high": gettext_lazy(
        "Engagement is far above that of creators with a similar number of followers "
        "(engagement groups or bought likes look like this)."
    ),
    "engagement_too_low": gettext_lazy(
        "Engagement is far below that of creators with a similar number of followers "
        "(followers who never engage, e.g. bought ones, look like this)."
    ),
    "views_too_low_for_followers": gettext_lazy(
        "Views per video are far below what creators with a similar number of followers get."
    ),
    "follower_jump": gettext_lazy("Followers jumped between the last two weekly snapshots while views did not follow."),
}


@dataclass(frozen=True)
class IndexRow:
    key: str
    name: str
    value: float | None
    formula: str


@dataclass(frozen=True)
class CreatorIndices:
    computed_at: datetime | None
    rows: list[IndexRow]
    # Only for brands and staff, and only from AUTHENTICITY_WARNING up: (flag, explanation) pairs.
    warning_score: float | None
    warning_flags: list[tuple[str, str]]


def index_rows(creator: Creator) -> list[IndexRow]:
    return [
        IndexRow(key=key, name=str(name), value=getattr(creator, field), formula=str(formula))
        for key, field, name, formula in INDEX_INFO
    ]


def sees_authenticity(user) -> bool:
    """Brands and staff see the anomaly score; the creator does not (it is a hint for buyers, not a verdict)."""
    role = role_of(user)
    return role is not None and (role.is_brand or role.is_staff)


def creator_indices(creator: Creator, *, user) -> CreatorIndices:
    """The five indices for the creator page, and the authenticity warning when this viewer may see it."""
    score = creator.authenticity_score
    warn = sees_authenticity(user) and score is not None and score >= AUTHENTICITY_WARNING
    flags = [(flag, str(FLAG_TEXTS.get(flag, flag))) for flag in creator.authenticity_flags or []] if warn else []
    return CreatorIndices(
        computed_at=creator.indices_at,
        rows=index_rows(creator) if creator.indices_at else [],
        warning_score=score if warn else None,
        warning_flags=flags,
    )


def rights_rate_lines(creator: Creator) -> list[dict]:
    """Every usage right with the creator's rate for it (None for both when unpriced: included at no charge).
    Reads ``creator.rights_rates.all()``, so a prefetch is used when present."""
    rates = {r.right: r for r in creator.rights_rates.all()}
    return [
        {
            "right": value,
            "label": str(label),
            "percent_bps": rates[value].percent_bps if value in rates else None,
            "monthly_amount": rates[value].monthly_amount if value in rates else None,
        }
        for value, label in UsageRight.choices
    ]
