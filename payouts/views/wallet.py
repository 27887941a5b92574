"""The brand wallet: balances, pending top-ups, escrow per order, the statement, top-up and the CSV export.

Members read it; owners and managers top up (through the configured payment provider).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brands.access import brand_member_required
from marketplace.core import CsvWriter, format_money, minor_to_decimal_str
from marketplace.core.access import money_throttled
from marketplace.core.web import paginate, render_page
from payouts import selectors, services
from payouts.forms import TopUpForm
from payouts.memos import memo_text
from payouts.models import Account, LedgerEntry, TopUp
from payouts.views.common import PAGE_SIZE, call_service, redirect_after, topup_reference, with_orders

WALLET_PARTIALS = {"statement": "payouts/_statement.html", "escrow": "payouts/_escrow.html"}


@brand_member_required
@require_GET
def brand_wallet(request: HttpRequest) -> HttpResponse:
    return _wallet_page(request, TopUpForm(currency=settings.CURRENCY))


def _wallet_page(request: HttpRequest, form: TopUpForm, *, status: int = 200) -> HttpResponse:
    membership = request.membership
    brand_id, currency = membership.brand_id, settings.CURRENCY
    pending = TopUp.objects.filter(brand_id=brand_id, status=TopUp.Status.PENDING).order_by("-created_at", "-id")
    escrow = (
        Account.objects.filter(kind=Account.Kind.ORDER_ESCROW, order__brand_id=brand_id, currency=currency)
        .exclude(balance=0)
        .select_related("order")
        .order_by("-balance", "pk")
    )
    statement = selectors.brand_statement(brand_id=brand_id, currency=currency)
    path = reverse("payouts:wallet")
    pending_page = paginate(request, pending, per_page=PAGE_SIZE, path=path, param="pending_page")
    for topup in pending_page:
        topup.transfer_reference = topup_reference(topup)
    context = {
        "brand": membership.brand,
        "can_top_up": membership.can_edit_orders,
        "wallet": selectors.wallet_for_brand(brand_id=brand_id, currency=currency),
        "page": paginate(request, with_orders(statement), per_page=PAGE_SIZE, path=path),
        "escrow_page": paginate(request, escrow, per_page=PAGE_SIZE, path=path, param="escrow_page"),
        "link_orders": True,
        "pending_page": pending_page,
        "currency": currency,
        "form": form,
        "provider": settings.PAYMENT_PROVIDER,
    }
    return render_page(request, "payouts/wallet_detail.html", context, partials=WALLET_PARTIALS, status=status)


@brand_member_required(editor=True)
@require_POST
@money_throttled
def wallet_topup(request: HttpRequest) -> HttpResponse:
    form = TopUpForm(request.POST, currency=settings.CURRENCY)
    if form.is_valid():
        amount = form.cleaned_data["amount"]
        topup = call_service(
            form,
            lambda: services.topup(
                brand_id=request.membership.brand_id,
                amount=amount,
                currency=settings.CURRENCY,
                idempotency_key=form.key,
                actor=request.user,
            ),
        )
        if topup is not None:
            messages.success(request, _topup_message(topup))
            return redirect_after(request, "payouts:wallet")
    if request.htmx:
        return render(request, "payouts/_topup_form.html", {"form": form, "currency": settings.CURRENCY})
    return _wallet_page(request, form, status=400)


def _topup_message(topup: TopUp) -> str:
    amount = format_money(topup.amount, topup.currency)
    if topup.status == TopUp.Status.SUCCEEDED:
        return _("%(amount)s is credited to your wallet.") % {"amount": amount}
    if topup.status == TopUp.Status.FAILED:
        return _("The top-up of %(amount)s failed.") % {"amount": amount}
    return _(
        "Your top-up of %(amount)s is pending until an admin confirms the bank transfer. "
        "Quote the reference %(reference)s with your transfer."
    ) % {"amount": amount, "reference": topup_reference(topup)}


class _Echo:
    """csv.writer writes into this and gets the line back, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


CSV_HEADER = ["date", "transaction", "kind", "description", "reference", "order", "amount", "currency", "balance"]


@brand_member_required
@require_GET
def wallet_statement_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The brand's available-balance statement, oldest first, amounts as major units with two decimals."""
    brand_id = request.membership.brand_id
    entries = with_orders(selectors.brand_statement(brand_id=brand_id, currency=settings.CURRENCY)).order_by("id")
    writer = CsvWriter(_Echo())
    lines = (writer.writerow(row) for row in _csv_rows(entries.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"wallet-{brand_id}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_rows(entries: Iterable[LedgerEntry]) -> Iterator[list[str]]:
    yield CSV_HEADER
    for entry in entries:
        tx = entry.transaction
        yield [
            timezone.localtime(tx.created_at).isoformat(timespec="seconds"),
            str(tx.pk),
            tx.kind,
            tx.get_kind_display(),
            memo_text(tx, entry.currency),
            tx.order.title if tx.order else "",
            minor_to_decimal_str(entry.amount),
            entry.currency,
            minor_to_decimal_str(entry.running_balance),
        ]
