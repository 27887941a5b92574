"""Entering a contest and an entry's steps (results, withdrawal, a post reported down)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creators.models import Creator
from marketplace.core import Conflict, DomainError, InvalidTransition, NotAllowed
from marketplace.core import check_transition as check_flow
from marketplace.core.models import User
from marketplace.core.transitions import status_label
from orders.models import Contest, ContestEntry
from orders.services.contests.steps import (
    CONTEST_FLOW,
    ENTRY_ACTIONS,
    ENTRY_FLOW,
    ENTRY_NEEDS_CONTEST,
    C,
    E,
    entry_side,
    record_event,
    refuse_step,
)
from orders.services.deals import _check_creator_for
from orders.services.results import check_counts

# ------------------------------------------------------------------ entries


@transaction.atomic
def contest_enter(
    *, contest_id: int, actor: User, post_url: str, published_at: datetime, now: datetime | None = None
) -> ContestEntry:
    """A creator enters a published post. Takes none of the creator's capacity (docs/deals.md).

    The contest row is locked (shared) so no entry lands after the ranking: entries close at
    ``submit_until`` and the ranking comes after it, but a late click must not slip past either.
    """
    now = now or timezone.now()
    creator = Creator.objects.filter(user=actor).first()
    if creator is None:
        raise NotAllowed(_("Only creators can enter contests."))
    contest = Contest.objects.select_for_update(no_key=True).select_related("order").filter(pk=contest_id).first()
    if contest is None:
        raise DomainError(_("No such contest."), field="contest")
    if contest.status != C.OPEN or now > contest.submit_until:
        raise Conflict(_("Entries to this contest are closed."), field="contest")
    url = (post_url or "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise DomainError(_("Give the web address of the published post."), field="post_url")
    if not isinstance(published_at, datetime) or published_at > now:
        raise DomainError(_("The post must already be published."), field="published_at")
    if contest.order.published_at and published_at < contest.order.published_at:
        raise DomainError(_("Only posts published after the contest opened can enter."), field="published_at")
    if ContestEntry.objects.filter(contest=contest, creator=creator).exists():
        raise Conflict(_("You already entered this contest."), field="contest")
    _check_creator_for(contest.order, creator)
    try:
        with transaction.atomic():
            entry = ContestEntry.objects.create(
                contest=contest, creator=creator, post_url=url, published_at=published_at
            )
    except IntegrityError:
        raise Conflict(_("You already entered this contest."), field="contest") from None
    record_event(contest, "submit", actor, old="", new=E.SUBMITTED, entry=entry, data={"post_url": url})
    return entry


@transaction.atomic
def entry_transition(
    *,
    entry_id: int,
    action: str,
    actor: User | None,
    comment: str = "",
    payload: dict | None = None,
    now: datetime | None = None,
) -> ContestEntry:
    """Take ``action`` on an entry, or raise without any effect. Locks the contest (shared) then the entry."""
    now = now or timezone.now()
    contest_id = ContestEntry.objects.filter(pk=entry_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise DomainError(_("No such entry."), field="entry")
    contest = Contest.objects.select_for_update(no_key=True).select_related("order").get(pk=contest_id)
    entry = ContestEntry.objects.select_for_update(no_key=True).select_related("creator").get(pk=entry_id)
    entry.contest = contest
    refuse_step(ENTRY_ACTIONS, ENTRY_FLOW, action, entry_side(entry, actor), entry.status, _("entry"))
    if contest.status not in ENTRY_NEEDS_CONTEST[action]:
        raise InvalidTransition(
            _("You cannot %(action)s now: the contest is %(status)s.")
            % {"action": ENTRY_ACTIONS[action].label, "status": status_label(CONTEST_FLOW, contest.status)},
            field="status",
        )
    step = ENTRY_ACTIONS[action]
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise DomainError(_("Please say why."), field="comment")
    changes, data = {}, {}
    if action == "report_results":
        changes, data = _results(entry, contest, payload or {}, now)
    elif action in ("award", "unplace"):
        changes = dict(payload or {})
    check_flow(ENTRY_FLOW, current=entry.status, to=step.target)
    old = entry.status
    changes["status"] = step.target
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.save(update_fields=list(changes))
    record_event(contest, action, actor, old=old, new=step.target, entry=entry, comment=comment, data=data)
    return entry


def _results(entry: ContestEntry, contest: Contest, values: dict, now: datetime) -> tuple[dict, dict]:
    """The counting day's views and likes, under the results sanity rules (orders.services.results)."""
    due = entry.published_at + timedelta(days=contest.count_day)
    if now < due:
        raise DomainError(
            _("Day %(day)s after publishing is not reached yet.") % {"day": contest.count_day}, field="day"
        )
    stored = {"views": entry.views, "likes": entry.likes or 0} if entry.views is not None else None
    clean = check_counts({"views": values.get("views"), "likes": values.get("likes")}, stored)
    counts = {"views": clean["views"], "likes": clean["likes"]}
    return {**counts, "results_recorded_at": now}, counts
