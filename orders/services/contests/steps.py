"""The contest's and the entry's step tables (``CONTEST_ACTIONS``, ``ENTRY_ACTIONS``), their limits, who is on
which side of a contest, and the refusal and event every step writes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brands.access import EDITOR, seat_allows
from brands.models import BrandMembership
from marketplace.core import DomainError, InvalidTransition, NotAllowed, audit
from marketplace.core.models import User
from marketplace.core.transitions import status_label
from orders.access import ADMIN, BRAND, CREATOR, SYSTEM, VIEWER
from orders.models import Contest, ContestEntry, ContestEvent
from orders.services.collaborations import Step, _step

C = Contest.Status
E = ContestEntry.Status

# The brand confirms the ranking within three days of it, or it is confirmed automatically.
CONFIRM_AFTER = timedelta(days=3)
# Figures for the counting day may still be entered this long after the counting window ends, then ranked.
RESULTS_GRACE = timedelta(days=1)
# CPM submissions are paid on the day-14 plays.
CPM_DAY = 14
MAX_PLACES = 500

CONTEST_ACTIONS: dict[str, Step] = {
    "cancel": _step({C.OPEN}, C.CANCELLED, {BRAND}, money="refund", label=gettext_lazy("cancel the contest")),
    "rank": _step({C.OPEN}, C.RANKED, {SYSTEM}, label=gettext_lazy("rank the entries")),
    "confirm": _step({C.RANKED}, C.SETTLED, {BRAND}, money="award", label=gettext_lazy("confirm the winners")),
    "auto_confirm": _step(
        {C.RANKED}, C.SETTLED, {SYSTEM}, money="award", label=gettext_lazy("confirm the winners automatically")
    ),
    "dispute": _step(
        {C.RANKED}, C.DISPUTED, {BRAND, CREATOR}, needs_comment=True, label=gettext_lazy("dispute the results")
    ),
    "resolve": _step(
        {C.DISPUTED}, C.SETTLED, {ADMIN}, money="award", needs_comment=True, label=gettext_lazy("decide the dispute")
    ),
}
ENTRY_ACTIONS: dict[str, Step] = {
    "report_results": _step({E.SUBMITTED}, E.SUBMITTED, {CREATOR, ADMIN}, label=gettext_lazy("report the results")),
    "withdraw": _step({E.SUBMITTED}, E.WITHDRAWN, {CREATOR}, label=gettext_lazy("withdraw the entry")),
    "report_removed": _step(
        {E.SUBMITTED}, E.REMOVED, {BRAND, CREATOR}, needs_comment=True, label=gettext_lazy("report the post down")
    ),
    "award": _step({E.SUBMITTED}, E.AWARDED, {SYSTEM}, label=gettext_lazy("award a prize")),
    "unplace": _step({E.SUBMITTED}, E.UNPLACED, {SYSTEM}, label=gettext_lazy("close the entry unplaced")),
}
# What an entry's step needs of its contest: entries change while it is open (the ranking freezes them).
ENTRY_NEEDS_CONTEST = {
    "report_results": {C.OPEN},
    "withdraw": {C.OPEN},
    "report_removed": {C.OPEN},
    "award": {C.RANKED, C.DISPUTED},
    "unplace": {C.RANKED, C.DISPUTED},
}


def _flow(actions: dict[str, Step]) -> dict[str, set[str]]:
    flow: dict[str, set[str]] = {}
    for step in actions.values():
        for source in step.sources:
            flow.setdefault(source, set()).add(step.target)
    return flow


CONTEST_FLOW = _flow(CONTEST_ACTIONS)
ENTRY_FLOW = _flow(ENTRY_ACTIONS)


def min_cpm() -> int:
    """The lowest CPM a brand may set, in minor units per 1,000 plays (Xingtu's is CNY 5)."""
    return settings.CONTEST_MIN_CPM


# ------------------------------------------------------------------ sides


def contest_side(contest: Contest, user: User | None) -> str | None:
    """``system`` for timers; ``admin`` for staff; ``brand`` (editors) / ``viewer`` of the order's brand;
    ``creator`` for a creator with an entry in it; None otherwise."""
    if user is None:
        return SYSTEM
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return ADMIN
    seat = BrandMembership.objects.filter(user=user, brand_id=contest.order.brand_id).first()
    if seat is not None:
        return BRAND if seat_allows(seat, EDITOR) else VIEWER
    if ContestEntry.objects.filter(contest=contest, creator__user=user).exists():
        return CREATOR
    return None


def entry_side(entry: ContestEntry, user: User | None) -> str | None:
    if user is None:
        return SYSTEM
    if user.is_authenticated and not user.is_staff and entry.creator.user_id == user.pk:
        return CREATOR
    side = contest_side(entry.contest, user)
    return None if side == CREATOR else side  # another entrant is no side of this entry


def allowed_contest_actions(contest: Contest, user: User | None) -> list[str]:
    role = contest_side(contest, user)
    return [name for name, s in CONTEST_ACTIONS.items() if contest.status in s.sources and role in s.actors]


def allowed_entry_actions(entry: ContestEntry, user: User | None, *, role: str | None = None) -> list[str]:
    """The steps ``user`` may take on the entry now; ``role``: their side of it where the caller knows it already
    (a brand's side is the same for every entry of its contest)."""
    role = entry_side(entry, user) if role is None else role
    return [
        name
        for name, s in ENTRY_ACTIONS.items()
        if entry.status in s.sources and role in s.actors and entry.contest.status in ENTRY_NEEDS_CONTEST[name]
    ]


def refuse_step(actions: dict[str, Step], flow: dict, action: str, role: str | None, status: str, what: str) -> None:
    step = actions.get(action)
    if step is None:
        raise DomainError(_("Unknown action %(action)s.") % {"action": action}, field="action")
    if role not in step.actors:
        raise NotAllowed(_("You cannot %(action)s on this %(what)s.") % {"action": step.label, "what": what})
    if status not in step.sources:
        raise InvalidTransition(
            _("You cannot %(action)s now: it is %(status)s.")
            % {"action": step.label, "status": status_label(flow, status)},
            field="status",
        )


def record_event(
    contest: Contest, action: str, actor, *, old: str, new: str, entry=None, comment="", data=None
) -> None:
    ContestEvent.objects.create(
        contest=contest,
        entry=entry,
        action=action,
        old_status=old,
        new_status=new,
        actor=actor,
        comment=comment,
        data=data or {},
    )
    audit(actor=actor, action=f"contest.{action}", obj=entry or contest, old=old, new=new, **(data or {}))
