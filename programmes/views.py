"""Incentive programme pages: staff create, fund, open and pay; creators join and follow their standing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from creators.selectors import creator_for_user
from marketplace.core import DomainError, format_money
from marketplace.core.access import staff_required
from payouts.models import Account
from payouts.services import account_for, incentives_fund
from payouts.views.common import call_service
from programmes import selectors, services
from programmes.forms import FundForm, ProgrammeForm
from programmes.models import Programme

P = Programme.Status
# The staff actions on a programme, by the status they lead to: the page shows the one its status allows.
STAFF_ACTIONS = {P.OPEN: gettext_lazy("Open and hold the budget"), P.PAID: gettext_lazy("Confirm payment")}
ACTION_SLUGS = {"open": P.OPEN, "pay": P.PAID}
# What each step did, said after it; a step already taken moves nothing and says so.
DONE = {
    P.OPEN: gettext_lazy("The programme is open: its budget is held from the incentives fund."),
    P.PAID: gettext_lazy("The awards are paid and the rest of the budget is back in the incentives fund."),
}


def _staff_list(request: HttpRequest, *, fund_form=None, form=None, status: int = 200) -> HttpResponse:
    context = {
        "programmes": Programme.objects.annotate(joined=Count("enrolments")),
        "fund_balance": account_for(Account.Kind.INCENTIVES, settings.CURRENCY).balance,
        "held_balance": account_for(Account.Kind.INCENTIVES_HELD, settings.CURRENCY).balance,
        "currency": settings.CURRENCY,
        "fund_form": fund_form or FundForm(),
        "form": form or ProgrammeForm(),
    }
    return render(request, "programmes/staff_list.html", context, status=status)


@staff_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    return _staff_list(request)


@staff_required
@require_POST
def staff_fund(request: HttpRequest) -> HttpResponse:
    form = FundForm(request.POST)
    if form.is_valid():
        amount = form.cleaned_data["amount"]
        done = call_service(form, lambda: incentives_fund(amount=amount, idempotency_key=form.key, actor=request.user))
        if done is not None:
            messages.success(
                request,
                _("%(amount)s added to the incentives fund.") % {"amount": format_money(amount, settings.CURRENCY)},
            )
            return redirect("programmes:staff_list")
    return _staff_list(request, fund_form=form, status=400)


@staff_required
@require_POST
def staff_create(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        interests = data.pop("interests")
        try:
            programme = services.programme_create(actor=request.user, interest_ids=[i.pk for i in interests], **data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The programme is saved as a draft."))
            return redirect("programmes:staff_detail", pk=programme.pk)
    return _staff_list(request, form=form, status=400)


@staff_required
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.prefetch_related("interests"), pk=pk)
    actions = [
        (slug, STAFF_ACTIONS[to])
        for slug, to in ACTION_SLUGS.items()
        if to in services.PROGRAMME_FLOW.get(programme.status, ())
    ]
    context = {"programme": programme, "standings": selectors.standings(programme), "actions": actions}
    return render(request, "programmes/staff_detail.html", context)


@staff_required
@require_POST
def staff_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    if action not in ACTION_SLUGS:
        raise Http404
    to = ACTION_SLUGS[action]
    if programme.status == to:
        messages.info(
            request,
            _("The programme is already %(status)s; nothing moved.") % {"status": programme.get_status_display()},
        )
        return redirect("programmes:staff_detail", pk=programme.pk)
    try:
        services.programme_transition(programme_id=programme.pk, to=to, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, DONE[to])
    return redirect("programmes:staff_detail", pk=programme.pk)


@login_required
@require_GET
def creator_list(request: HttpRequest) -> HttpResponse:
    creator = creator_for_user(request.user)
    return render(request, "programmes/creator_list.html", {"items": selectors.programmes_for_creator(creator)})


@login_required
@require_POST
def creator_join(request: HttpRequest, pk: int) -> HttpResponse:
    creator = creator_for_user(request.user)
    programme = get_object_or_404(Programme, pk=pk)
    try:
        services.programme_join(programme_id=programme.pk, creator=creator, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("You joined %(name)s.") % {"name": programme.name})
    return redirect("programmes:mine")
