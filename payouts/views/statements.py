"""The monthly statement of the viewer's balance (a brand's available money, a creator's), as PDF or CSV."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from brands.access import brand_seat
from invoices.render import pdf_unavailable
from invoices.views import attachment
from marketplace.core.roles import role_of
from payouts.models import Account
from payouts.statements import MonthlyStatement, monthly_statement, statement_csv, statement_pdf


def statement_for(user, *, year: int, month: int) -> MonthlyStatement:
    """The viewer's statement for the month; Http404 for anyone who is neither a brand member nor a creator,
    and for a month that does not exist."""
    role = role_of(user)
    if role is None or not (role.is_brand or role.is_creator) or not (1 <= month <= 12 and 2000 <= year <= 9998):
        raise Http404
    currency = settings.CURRENCY
    if role.is_brand:
        brand = brand_seat(user).brand
        account = Account.objects.filter(kind=Account.Kind.BRAND_AVAILABLE, brand=brand, currency=currency).first()
        names = {"party_name": brand.name, "legal_name": brand.legal_name, "tax_id": brand.tax_id}
    else:
        creator = user.creator
        kind = Account.Kind.CREATOR_AVAILABLE
        account = Account.objects.filter(kind=kind, creator=creator, currency=currency).first()
        names = {"party_name": creator.display_name, "for_creator": True}
    return monthly_statement(account=account, year=year, month=month, currency=currency, **names)


@login_required
@require_GET
def statement_download(request: HttpRequest, year: int, month: int, fmt: str) -> HttpResponse:
    statement = statement_for(request.user, year=year, month=month)
    if fmt == "pdf":
        unavailable = pdf_unavailable()
        if unavailable:
            messages.warning(request, unavailable)
            return redirect("invoices:list")
        content = statement_pdf(statement)
    else:
        content = statement_csv(statement)
    return attachment(content, fmt=fmt, filename=f"statement-{statement.month:%Y-%m}.{fmt}")
