"""Recording campaign results: one snapshot per collaboration and day, after publishing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core import DomainError, InvalidTransition, NotAllowed, audit
from marketplace.core.models import User
from marketplace.core.templatetags.numbers import grouped
from orders import flows
from orders.models import Collaboration, ResultSnapshot

COUNT_FIELDS = ("views", "likes", "comments", "shares", "clicks", "conversions")
INTERACTIONS = ("likes", "comments", "shares")
# The one bound of every count, on every channel (page, API, CSV import): 100 billion. No post anywhere has
# come near it (the most-viewed videos have some 10^10 views), and it keeps the sums of a report in range.
MAX_COUNT = 10**11
# Totals that can only grow from one day to the next: a view, a share or a click cannot be taken back.
# Likes, comments and conversions can (an unlike, a deleted comment, a refunded order): a fall in
# those is flagged on the report (orders.reports.result_flags), not refused.
NEVER_DECREASE = ("views", "shares", "clicks")
# A count that needs another: each interaction and each click needs a view (platforms count one per viewer),
# a conversion needs a click on the post's link (or, when no clicks are reported, a view). More is refused.
AT_MOST = {"likes": "views", "comments": "views", "shares": "views", "clicks": "views", "conversions": "clicks"}
LABELS = {
    "views": gettext_lazy("Views"),
    "likes": gettext_lazy("Likes"),
    "comments": gettext_lazy("Comments"),
    "shares": gettext_lazy("Shares"),
    "clicks": gettext_lazy("Clicks"),
    "conversions": gettext_lazy("Conversions"),
}
WHOLE = {"views": gettext_lazy("views"), "clicks": gettext_lazy("clicks")}  # in "… cannot be more than views"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one day's counts: the field (page field, API field, CSV column) and why."""

    day: int
    field: str
    message: str


def check_counts(values: dict, stored: dict | None = None) -> dict:
    """Whole numbers from 0 to MAX_COUNT for the counts, a fraction for completion; a DomainError naming the
    field otherwise. A count left out (absent or None) keeps ``stored``'s value — a correction of one count
    keeps the others — or is 0 on a new day (views must be given then)."""
    stored = stored or {}
    clean = {}
    for name in COUNT_FIELDS:
        value = values.get(name)
        if value is None:
            value = stored.get(name, 0 if name != "views" else None)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise DomainError(
                _("Give a whole number from 0 to %(max)s.") % {"max": grouped(MAX_COUNT)},
                field=name,
            )
        clean[name] = value
    rate = values.get("completion_rate", stored.get("completion_rate"))
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate) or not 0 <= rate <= 1
    ):
        raise DomainError(_("Give the completion rate as a fraction from 0 to 1."), field="completion_rate")
    clean["completion_rate"] = None if rate is None else float(rate)
    _check_parts(clean)
    return clean


def _check_parts(clean: dict) -> None:
    for part, whole in AT_MOST.items():
        if whole == "clicks" and not clean["clicks"]:
            whole = "views"  # conversions counted without link clicks (a shop's own figures): at most the views
        if clean[part] > clean[whole]:
            raise DomainError(
                _("%(field)s (%(n)s) cannot be more than %(whole)s (%(m)s).")
                % {"field": LABELS[part], "n": grouped(clean[part]), "whole": WHOLE[whole], "m": grouped(clean[whole])},
                field=part,
            )
    # Each interaction on its own is at most the views, and so is their sum: the engagement rate of accepted
    # figures never passes 100 % (a viewer who likes, comments and shares a post is rare enough to refuse).
    together = sum(clean[name] for name in INTERACTIONS)
    if together > clean["views"]:
        raise DomainError(
            _("Likes, comments and shares together (%(n)s) cannot be more than views (%(views)s).")
            % {"n": grouped(together), "views": grouped(clean["views"])},
            field=INTERACTIONS[0],
        )


def results_check(
    c: Collaboration, entries: dict[int, dict], *, recorded: dict[int, dict], now: datetime
) -> tuple[dict[int, dict], list[Problem]]:
    """The one check of reported results, for the page, the API and the CSV import alike.

    ``entries`` are the days being written ({day: values}); ``recorded`` what every day holds now (a count
    an entry leaves out keeps its recorded value).
    Returns the cleaned entries and every problem: a day that does not exist or is not reached yet,
    a count that is not a whole number, likes above views, or a total lower than an earlier day's
    (or higher than a later day's) — each checked against the days as they will be after the write.
    """
    clean, problems = {}, []
    for day, values in sorted(entries.items()):
        problem = _day_problem(c, day, now)
        if problem is None:
            try:
                clean[day] = check_counts(values, recorded.get(day))
            except DomainError as exc:
                problem = Problem(day, exc.field, str(exc.detail))
        if problem is not None:
            problems.append(problem)
    series = {**recorded, **clean}
    for day, values in clean.items():
        problems.extend(_order_problems(day, values, series))
    return clean, problems


def _day_problem(c: Collaboration, day, now: datetime) -> Problem | None:
    if day not in ResultSnapshot.Day.values:
        return Problem(day, "day", str(_("Choose day 1, 3, 7, 14 or 30.")))
    # A practice deal (novice tasks) takes every day's counts at once: it rehearses the form, nothing counts.
    if c.published_at is not None and not c.is_practice and now < c.published_at + timedelta(days=day):
        when = formats.date_format(timezone.localtime(c.published_at + timedelta(days=day)), "SHORT_DATETIME_FORMAT")
        return Problem(
            day,
            "day",
            _("Day %(day)s after publishing is not reached yet: its counts can be entered from %(when)s on.")
            % {"day": day, "when": when},
        )
    return None


def _order_problems(day: int, values: dict, series: dict[int, dict]) -> list[Problem]:
    problems = []
    for name in NEVER_DECREASE:
        earlier = [(d, v[name]) for d, v in series.items() if d < day and v[name] > values[name]]
        later = [(d, v[name]) for d, v in series.items() if d > day and v[name] < values[name]]
        if earlier:
            other, n = max(earlier, key=lambda pair: pair[1])
            text = _("%(field)s cannot go down from one day to the next: day %(other)s has %(n)s, more than %(this)s.")
        elif later:
            other, n = min(later, key=lambda pair: pair[1])
            text = _("%(field)s cannot go down from one day to the next: day %(other)s has %(n)s, fewer than %(this)s.")
        else:
            continue
        args = {"field": LABELS[name], "other": other, "n": grouped(n), "this": grouped(values[name])}
        problems.append(Problem(day, name, text % args))
    return problems


def recorded_counts(snapshots) -> dict[int, dict]:
    """{day: counts} of result snapshots, as results_check compares them."""
    fields = (*COUNT_FIELDS, "completion_rate")
    return {s.day: {name: getattr(s, name) for name in fields} for s in snapshots}


def result_record(
    *,
    collaboration_id: int,
    actor: User | None,
    day: int,
    values: dict,
    source: str = ResultSnapshot.Source.CREATOR,
    now: datetime | None = None,
) -> ResultSnapshot:
    """Record (or correct) the counts of one post on one day after publishing (see results_record)."""
    return results_record(
        collaboration_id=collaboration_id, actor=actor, entries={day: values}, source=source, now=now
    )[day]


@transaction.atomic
def results_record(
    *,
    collaboration_id: int,
    actor: User | None,
    entries: dict[int, dict],
    source: str = ResultSnapshot.Source.CREATOR,
    now: datetime | None = None,
) -> dict[int, ResultSnapshot]:
    """Record (or correct) the counts of one post on several days at once, checked together.

    The creator of the collaboration, staff, or the system (imports) may record; only once published,
    and only days already reached. Raises DomainError naming the field of the first problem
    (results_check); nothing is written then. The collaboration's own outcome fields follow the
    newest day, for the matcher to learn from.
    """
    c = Collaboration.objects.select_for_update(no_key=True).select_related("creator").get(pk=collaboration_id)
    if actor is not None and not actor.is_staff and c.creator.user_id != actor.pk:
        raise NotAllowed(_("Only the creator of this collaboration records its results."))
    if c.status not in flows.REPORTABLE:
        raise InvalidTransition(_("Results can be recorded once the post is published."), field="status")
    recorded = recorded_counts(c.results.all())
    clean, problems = results_check(c, entries, recorded=recorded, now=now or timezone.now())
    if problems:
        raise DomainError(problems[0].message, field=problems[0].field)
    written = {}
    for day, counts in clean.items():
        written[day], _created = ResultSnapshot.objects.update_or_create(
            collaboration=c, day=day, defaults={**counts, "source": source, "recorded_by": actor}
        )
        audit(actor=actor, action="collaboration.result", obj=c, day=day, source=source, **counts)
    latest = c.results.order_by("-day").first()
    figures = {}
    if c.status in flows.PLAYS_COUNTED:
        # A per-play deal's counted plays follow its day-14 figures until they are confirmed or disputed
        # (then they are frozen: docs/deals.md, "Pay per play").
        from orders.services.collaborations import plays_figures

        figures = plays_figures(c)
        audit(actor=actor, action="collaboration.plays_recounted", obj=c, **figures)
    Collaboration.objects.filter(pk=c.pk).update(
        views=latest.views, engagements=latest.engagements, conversions=latest.conversions, **figures
    )
    return written
