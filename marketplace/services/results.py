"""Recording campaign results: one snapshot per collaboration and day, after publishing."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace import flows
from marketplace.core import DomainError, InvalidTransition, NotAllowed, audit
from marketplace.models import Collaboration, ResultSnapshot, User

COUNT_FIELDS = ("views", "likes", "comments", "shares", "clicks", "conversions")
MAX_COUNT = 10**13


def check_counts(values: dict) -> dict:
    """Whole numbers ≥ 0 for the counts, a fraction for completion; a DomainError naming the field otherwise."""
    clean = {}
    for name in COUNT_FIELDS:
        value = values.get(name, 0 if name != "views" else None)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise DomainError(_("Give a whole number from 0 up."), field=name)
        clean[name] = value
    rate = values.get("completion_rate")
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate) or not 0 <= rate <= 1
    ):
        raise DomainError(_("Give the completion rate as a fraction from 0 to 1."), field="completion_rate")
    clean["completion_rate"] = None if rate is None else float(rate)
    for part in ("likes", "comments", "shares", "clicks"):
        if clean[part] > clean["views"] * 1000 + 1000:
            raise DomainError(_("That is far more than the views allow."), field=part)
    return clean


@transaction.atomic
def result_record(
    *, collaboration_id: int, actor: User | None, day: int, values: dict, source: str = ResultSnapshot.Source.CREATOR
) -> ResultSnapshot:
    """Record (or correct) the counts of one post on one day after publishing.

    The creator of the collaboration, staff, or the system (imports) may record; only once published.
    The collaboration's own outcome fields follow the newest day, for the matcher to learn from.
    """
    c = Collaboration.objects.select_for_update().select_related("creator").get(pk=collaboration_id)
    if actor is not None and not actor.is_staff and c.creator.user_id != actor.pk:
        raise NotAllowed(_("Only the creator of this collaboration records its results."))
    if c.status not in flows.REPORTABLE:
        raise InvalidTransition(_("Results can be recorded once the post is published."), field="status")
    if day not in ResultSnapshot.Day.values:
        raise DomainError(_("Choose day 1, 3, 7, 14 or 30."), field="day")
    clean = check_counts(values)
    snapshot, _created = ResultSnapshot.objects.update_or_create(
        collaboration=c, day=day, defaults={**clean, "source": source, "recorded_by": actor}
    )
    latest = c.results.order_by("-day").first()
    Collaboration.objects.filter(pk=c.pk).update(
        views=latest.views, engagements=latest.engagements, conversions=latest.conversions
    )
    audit(actor=actor, action="collaboration.result", obj=c, day=day, source=source, **clean)
    return snapshot
