"""The staff ledger overview: balances per account kind, the zero-sum check, recent transactions, and the
manual provider's actions (confirm or fail a top-up; mark a payout sent or failed). The services audit each action.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core import format_money
from marketplace.core.access import money_throttled, staff_required
from marketplace.core.web import paginate, render_page
from payouts import selectors, services
from payouts.forms import IdempotentForm, ReasonForm, ReferenceForm
from payouts.models import Payout, TopUp
from payouts.views.common import PAGE_SIZE, call_service, redirect_after, topup_reference

RECENT_TRANSACTIONS = 30
ADMIN_PAYOUT_STATUSES = (
    Payout.Status.REQUESTED,
    Payout.Status.SENDING,
    Payout.Status.AWAITING_CONFIRMATION,
    Payout.Status.FAILED,
)

OVERVIEW_PARTIALS = {"pending-topups": "payouts/_admin_topups.html", "admin-payouts": "payouts/_admin_payouts.html"}


@staff_required
@require_GET
def ledger_overview(request: HttpRequest) -> HttpResponse:
    return _overview_page(request)


def _overview_page(request: HttpRequest, *, bound: dict[str, IdempotentForm] | None = None, status: int = 200):
    bound = bound or {}
    topups = TopUp.objects.filter(status=TopUp.Status.PENDING).select_related("brand").order_by("created_at", "id")
    payouts = (
        Payout.objects.filter(status__in=ADMIN_PAYOUT_STATUSES)
        .select_related("creator", "agency")
        .order_by("-created_at", "-id")
    )
    path = reverse("payouts:ledger")
    topups_page = paginate(request, topups, per_page=PAGE_SIZE, path=path, param="topups_page")
    payouts_page = paginate(request, payouts, per_page=PAGE_SIZE, path=path, param="payouts_page")
    topup_rows = [_topup_row(topup, bound) for topup in topups_page]
    payout_rows = [_payout_row(payout, bound) for payout in payouts_page]
    listed = {prefix for row in [*topup_rows, *payout_rows] for prefix in row["prefixes"]}
    for prefix, form in bound.items():
        if prefix not in listed:  # its row left the list (e.g. another admin acted first): say why at the top
            for error in form.non_field_errors():
                messages.error(request, error)
    context = {
        "overview": selectors.platform_overview(),
        "problems": selectors.ledger_problems(),
        "transactions": list(selectors.recent_transactions(limit=RECENT_TRANSACTIONS)),
        "topups_page": topups_page,
        "topup_rows": topup_rows,
        "payouts_page": payouts_page,
        "payout_rows": payout_rows,
    }
    return render_page(request, "payouts/ledger_overview.html", context, partials=OVERVIEW_PARTIALS, status=status)


def _topup_row(topup: TopUp, bound: dict[str, IdempotentForm]) -> dict:
    topup.transfer_reference = topup_reference(topup)
    pending = topup.status == TopUp.Status.PENDING
    prefixes = (f"confirm-topup-{topup.pk}", f"fail-topup-{topup.pk}")
    forms = {
        "confirm_form": _row_form(ReferenceForm, prefixes[0], bound, show=pending),
        "fail_form": _row_form(ReasonForm, prefixes[1], bound, show=pending),
    }
    return {"topup": topup, **forms, "prefixes": prefixes, "row_errors": _hidden_errors(bound, prefixes, forms)}


def _payout_row(payout: Payout, bound: dict[str, IdempotentForm]) -> dict:
    can_send = payout.status == Payout.Status.AWAITING_CONFIRMATION
    can_fail = payout.status in (Payout.Status.REQUESTED, Payout.Status.AWAITING_CONFIRMATION)
    prefixes = (f"sent-payout-{payout.pk}", f"fail-payout-{payout.pk}")
    forms = {
        "sent_form": _row_form(ReferenceForm, prefixes[0], bound, show=can_send),
        "fail_form": _row_form(ReasonForm, prefixes[1], bound, show=can_fail),
    }
    return {"payout": payout, **forms, "prefixes": prefixes, "row_errors": _hidden_errors(bound, prefixes, forms)}


def _row_form(form_class: type[IdempotentForm], prefix: str, bound: dict, *, show: bool) -> IdempotentForm | None:
    """The row's form for one action (the submitted one, with its errors), or None when the action is not open."""
    return (bound.get(prefix) or form_class(prefix=prefix)) if show else None


def _hidden_errors(bound: dict[str, IdempotentForm], prefixes: tuple[str, ...], forms: dict) -> list[str]:
    """Refusals of this row's submitted form when the row no longer shows that form (someone acted first)."""
    shown = {id(form) for form in forms.values()}
    return [
        error
        for prefix in prefixes
        if prefix in bound and id(bound[prefix]) not in shown
        for error in bound[prefix].non_field_errors()
    ]


def _admin_action(request: HttpRequest, form: IdempotentForm, act: Callable, *, done: Callable, row: Callable):
    """Validate, call the service, and either go back to the overview or show the form's errors.

    ``row()`` builds the table row (with the bound form) that htmx swaps in place when the action is refused.
    """
    if form.is_valid():
        result = call_service(form, act)
        if result is not None:
            messages.success(request, done(result))
            return redirect_after(request, "payouts:ledger")
    bound = {form.prefix: form}
    if request.htmx:
        template, context = row(bound)
        return render(request, template, context)
    return _overview_page(request, bound=bound, status=400)


def _admin_topup(pk: int) -> TopUp:
    topup = TopUp.objects.select_related("brand").filter(pk=pk).first()
    if topup is None:
        raise Http404
    return topup


def _admin_payout(pk: int) -> Payout:
    payout = Payout.objects.select_related("creator", "agency").filter(pk=pk).first()
    if payout is None:
        raise Http404
    return payout


def _topup_row_partial(pk: int):
    return lambda bound: ("payouts/_admin_topup_row.html", _topup_row(_admin_topup(pk), bound))


def _payout_row_partial(pk: int):
    return lambda bound: ("payouts/_admin_payout_row.html", _payout_row(_admin_payout(pk), bound))


@staff_required
@require_POST
@money_throttled
def admin_topup_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReferenceForm(request.POST, prefix=f"confirm-topup-{pk}")
    return _admin_action(
        request,
        form,
        lambda: services.topup_confirm(
            topup_id=pk, reference=form.cleaned_data["reference"], idempotency_key=form.key, actor=request.user
        ),
        done=lambda t: (
            _("%(reference)s: %(amount)s is credited to %(brand)s.")
            % {"reference": topup_reference(t), "amount": format_money(t.amount, t.currency), "brand": t.brand.name}
        ),
        row=_topup_row_partial(pk),
    )


@staff_required
@require_POST
@money_throttled
def admin_topup_fail(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, prefix=f"fail-topup-{pk}")
    return _admin_action(
        request,
        form,
        lambda: services.topup_fail(topup_id=pk, reason=form.cleaned_data["reason"], actor=request.user),
        done=lambda t: _("%(reference)s is marked failed.") % {"reference": topup_reference(t)},
        row=_topup_row_partial(pk),
    )


@staff_required
@require_POST
@money_throttled
def admin_payout_sent(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReferenceForm(request.POST, prefix=f"sent-payout-{pk}")
    return _admin_action(
        request,
        form,
        lambda: services.payout_mark_sent(
            payout_id=pk, reference=form.cleaned_data["reference"], idempotency_key=form.key, actor=request.user
        ),
        done=lambda p: (
            _("Payout %(id)s of %(amount)s is marked sent.")
            % {"id": p.pk, "amount": format_money(p.amount, p.currency)}
        ),
        row=_payout_row_partial(pk),
    )


@staff_required
@require_POST
@money_throttled
def admin_payout_failed(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, prefix=f"fail-payout-{pk}")
    return _admin_action(
        request,
        form,
        lambda: services.payout_mark_failed(
            payout_id=pk, reason=form.cleaned_data["reason"], idempotency_key=form.key, actor=request.user
        ),
        done=lambda p: (
            _("Payout %(id)s is marked failed; %(amount)s is back in the creator's balance.")
            % {"id": p.pk, "amount": format_money(p.amount, p.currency)}
        ),
        row=_payout_row_partial(pk),
    )
