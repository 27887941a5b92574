"""Results on the collaboration page: the creator enters each day's counts; both sides see the report.

One small form per snapshot day (1, 3, 7, 14, 30). A plain POST redirects back to the page (or shows
it again with the errors next to the fields, status 400); with htmx the same POST answers with the
results section only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core import DomainError, NotAllowed
from orders import flows
from orders.forms.results import ResultForm
from orders.models import Collaboration, ResultSnapshot
from orders.reports import collaboration_report, figure_rows
from orders.selectors import deals as reads
from orders.services.results import result_record

DAYS = [day for day, _label in ResultSnapshot.Day.choices]


def results_context(c: Collaboration, side: str, *, bound: ResultForm | None = None) -> dict:
    """The report (once published) and, for the creator, one form per day (1 query: the snapshots)."""
    if c.status not in flows.REPORTABLE:
        return {"results_report": None}
    report = collaboration_report(c)
    context = {
        "results_report": report,
        "results_figures": figure_rows(report.expected, report.actual, costs=report.priced),
        "result_forms": [],
    }
    if side == "creator":
        recorded = {s.day: s for s in report.snapshots}
        context["result_forms"] = [
            bound if bound is not None and bound.for_day == day else ResultForm.for_snapshot(recorded.get(day), day=day)
            for day in DAYS
        ]
    return context


@login_required
@require_POST
def collaboration_results(request, pk: int):
    """Record (or correct) one day's counts: the creator of the collaboration, once the post is published."""
    c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
    if side != "creator":
        raise PermissionDenied
    try:
        day = ResultForm.base_fields["day"].clean(request.POST.get("day", ""))
    except ValidationError:
        return HttpResponseBadRequest(_("Choose day 1, 3, 7, 14 or 30."))
    form = ResultForm(request.POST, day=day)
    if form.is_valid():
        try:
            result_record(collaboration_id=c.pk, actor=request.user, day=form.for_day, values=form.values())
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            if exc.field not in form.fields:  # e.g. not published (any more): say so on the page
                messages.error(request, exc.detail)
                return _after(request, c, side)
            form.add_error(None if form[exc.field].is_hidden else exc.field, exc.detail)  # the day is hidden
        else:
            messages.success(request, _("Day %(day)s saved.") % {"day": form.for_day})
            return _after(request, c, side)
    return _section(request, c, side, bound=form, status=200 if request.htmx else 400)


def _after(request, c: Collaboration, side: str):
    """Back to the page (plain POST), or the fresh section (htmx; the whole page if it has none now)."""
    url = reverse("deals:collaboration", args=[c.pk])
    if not request.htmx:
        return redirect(url + "#results")
    if c.status not in flows.REPORTABLE:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return _section(request, c, side)


def _section(request, c: Collaboration, side: str, *, bound: ResultForm | None = None, status: int = 200):
    """The results section (htmx) or, for a plain POST with errors, the whole page."""
    c = reads.collaboration_for_viewer(user=request.user, pk=c.pk)[0]  # the status may have moved meanwhile
    if request.htmx:
        context = {"collaboration": c, "side": side, "results_only": True, **results_context(c, side, bound=bound)}
        return render(request, "orders/_results.html", context, status=status)
    from orders.views.collaboration import collaboration_context

    context = collaboration_context(request, c, side, results_form=bound)
    return render(request, "orders/collaboration_detail.html", context, status=status)
