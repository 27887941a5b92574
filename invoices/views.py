"""The documents page (a brand member's brand's, a creator's own, an agency member's agency's) and each document
as PDF or CSV."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from brands.access import brand_seat
from invoices import render
from invoices.selectors import documents_for_user
from marketplace.core.roles import role_of
from marketplace.core.web import paginate, render_page

PAGE_SIZE = 25
STATEMENT_MONTHS = 12
CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def recent_months(today: date | None = None, count: int = STATEMENT_MONTHS) -> list[date]:
    """The first days of this month and the ``count - 1`` before it, newest first."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1
    return [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(count)]


def _party(request: HttpRequest) -> str:
    role = role_of(request.user)
    if role is None or not (role.is_brand or role.is_creator or role.is_agency):
        raise Http404
    return role.kind


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    party = _party(request)
    brand = brand_seat(request.user).brand if party == "brand" else None
    path = reverse("invoices:list")
    context = {
        "page": paginate(request, documents_for_user(request.user), per_page=PAGE_SIZE, path=path),
        "months": recent_months(),
        "pdf_unavailable": render.pdf_unavailable(),
        "brand": brand,
        "identity_missing": brand is not None and not (brand.legal_name and brand.tax_id),
    }
    return render_page(request, "invoices/document_list.html", context, partials={"documents": "invoices/_list.html"})


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _party(request)
    document = get_object_or_404(documents_for_user(request.user), pk=pk)
    if fmt == "pdf":
        unavailable = render.pdf_unavailable()
        if unavailable:
            messages.warning(request, unavailable)
            return redirect("invoices:list")
        content = render.document_pdf(document)
    else:
        content = render.document_csv(document)
    return attachment(content, fmt=fmt, filename=render.filename(document, fmt))


def attachment(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
