"""The creator's earnings: pending and available money, the statement, payout requests and their history."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creators.selectors import creator_for_user
from marketplace.core import format_money
from marketplace.core.access import money_throttled
from marketplace.core.web import paginate, render_page
from payouts import selectors, services
from payouts.creator_terms import movement_text
from payouts.forms import PayoutRequestForm
from payouts.views.common import PAGE_SIZE, call_service, redirect_after

EARNINGS_PARTIALS = {"statement": "payouts/_statement.html", "payouts": "payouts/_payout_history.html"}


@login_required
@require_GET
def creator_earnings(request: HttpRequest) -> HttpResponse:
    creator = creator_for_user(request.user)
    return _earnings_page(request, creator, None)


def _earnings_page(request: HttpRequest, creator, form: PayoutRequestForm | None, *, status: int = 200):
    earnings = selectors.earnings_for_creator(creator_id=creator.pk, currency=settings.CURRENCY)
    form = form or _payout_form(None, earnings)
    statement = selectors.creator_statement(creator_id=creator.pk, currency=settings.CURRENCY)
    payouts = selectors.payouts_for_creator(creator_id=creator.pk)
    path = reverse("payouts:earnings")
    page = paginate(request, statement, per_page=PAGE_SIZE, path=path)
    for entry in page.object_list:
        entry.creator_text = movement_text(entry.transaction, entry.amount, currency=entry.currency)
    context = {
        "creator": creator,
        "earnings": earnings,
        "currency": earnings.currency,
        "escrow": earnings.escrow,
        "escrow_net": earnings.on_its_way,
        # A represented creator's deals show the agency's share too, so price − fee − share = what they receive.
        "escrow_agency": any(hold.take.agency for hold in earnings.escrow),
        "minimum": settings.PAYOUT_MINIMUM,
        "form": form,
        "page": page,
        "payouts_page": paginate(request, payouts, per_page=PAGE_SIZE, path=path, param="payouts_page"),
        "link_orders": False,
    }
    return render_page(request, "payouts/earnings_detail.html", context, partials=EARNINGS_PARTIALS, status=status)


def _payout_form(data, earnings: selectors.CreatorEarnings) -> PayoutRequestForm:
    return PayoutRequestForm(
        data, available=earnings.available, minimum=settings.PAYOUT_MINIMUM, currency=earnings.currency
    )


@login_required
@require_POST
@money_throttled
def payout_request(request: HttpRequest) -> HttpResponse:
    creator = creator_for_user(request.user)
    earnings = selectors.earnings_for_creator(creator_id=creator.pk, currency=settings.CURRENCY)
    form = _payout_form(request.POST, earnings)
    if form.is_valid():
        amount = form.cleaned_data["amount"]
        payout = call_service(
            form,
            lambda: services.payout_request(
                creator_id=creator.pk,
                amount=amount,
                currency=earnings.currency,
                idempotency_key=form.key,
                actor=request.user,
            ),
        )
        if payout is not None:
            messages.success(
                request,
                _("Your payout of %(amount)s is requested.") % {"amount": format_money(payout.amount, payout.currency)},
            )
            return redirect_after(request, "payouts:earnings")
    if request.htmx:
        return render(request, "payouts/_payout_form.html", {"form": form})
    return _earnings_page(request, creator, form, status=400)
