"""The monthly statement of the viewer's balance (a brand's available money, a creator's), as PDF or CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from invoices.render import pdf_unavailable
from invoices.views import attachment
from marketplace.core import NotAllowed, NotFound
from payouts.statements import statement_csv, statement_for, statement_pdf


@login_required
@require_GET
def statement_download(request: HttpRequest, year: int, month: int, fmt: str) -> HttpResponse:
    try:
        statement = statement_for(request.user, year=year, month=month)
    except (NotAllowed, NotFound):
        raise Http404 from None
    if fmt == "pdf":
        unavailable = pdf_unavailable()
        if unavailable:
            messages.warning(request, unavailable)
            return redirect("invoices:list")
        content = statement_pdf(statement)
    else:
        content = statement_csv(statement)
    return attachment(content, fmt=fmt, filename=f"statement-{statement.month:%Y-%m}.{fmt}")
