"""The creator's growth path page: stage, next steps, income by month, the value indices.

Its URL is the creators app's (``creators:growth``); the wiring (marketplace/urls.py) adds it to that
namespace, because the page reads the deal's and the ledger's rows, which creators may not import.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creators import selectors
from insights import growth as growth_reads
from insights.indices import STAGES
from learning import selectors as courses
from marketplace.core import DomainError, charts, currency_label, format_money
from orders.services.practice import practice_offer_send


@login_required
@require_GET
def growth(request: HttpRequest) -> HttpResponse:
    """The creator's own growth path: stage, next steps, income by month, what the next stage needs."""
    creator = selectors.creator_for_user(request.user)
    data = growth_reads.creator_growth(creator)
    context = {
        "creator": creator,
        "growth": data,
        "income_chart": _income_chart(data),
        "requirements": growth_reads.stage_requirements(),
        # The same indices brands see on the creator page (a creator never sees an anomaly score).
        "indices": selectors.creator_indices(creator, user=request.user),
        "courses": courses.progress(creator),
    }
    return render(request, "creators/creator_growth.html", context)


@login_required
@require_POST
def practice_offer(request: HttpRequest) -> HttpResponse:
    """ "Start the practice offer" on the growth page: the practice brand's offer, in the departure stage, one at
    a time (docs/indices.md, "Novice tasks"); the creator lands on the offer."""
    creator = selectors.creator_for_user(request.user)
    if growth_reads.creator_growth(creator).stage != STAGES[0]:
        messages.error(request, _("The novice tasks are for the departure stage; you are past it."))
        return redirect(reverse("creators:growth") + "#novice-tasks")
    try:
        c = practice_offer_send(creator=creator)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(reverse("creators:growth") + "#novice-tasks")
    messages.success(request, _("The practice brand sent you an offer: answer it to start."))
    return redirect("deals:collaboration", c.pk)


def _income_chart(data: growth_reads.Growth) -> charts.GroupedBarChart:
    return charts.grouped_bar_chart(
        _("Settled income by month (%(currency)s)") % {"currency": currency_label(data.currency)},
        [growth_reads.month_label(m.month) for m in data.income],
        [charts.Series(_("Income"), "income", [m.amount for m in data.income])],
        category_header=_("Month"),
        horizontal=False,
        axis_format=lambda minor: charts.compact(minor / 100),
        value_format=lambda minor: format_money(round(minor), data.currency),
    )


# ---------------------------------------------------------- brand directory
