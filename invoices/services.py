"""Issuing a numbered document, in the caller's transaction.

``issue`` is called by the money services (payouts.services.documents) right where a top-up is credited,
a deal settles or a payout is sent, so the document exists exactly when the movement does: a rolled-back
movement takes its document and its number with it, and a retried step finds its document and returns it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from brands.models import Brand
from creators.models import Creator
from invoices.models import Document, DocumentSeries


def series_code(kind: str, year: int) -> str:
    return f"{Document.PREFIX[kind]}-{year:04d}"


def next_number(code: str) -> tuple[DocumentSeries, int]:
    """Take the next number of series ``code`` under a row lock held until the caller's transaction ends.

    Two issuers of the same series queue on the lock; the second reads the first's number once it commits
    (or the same number again if it rolled back), so the numbers a series gives out have no gaps.
    """
    DocumentSeries.objects.bulk_create([DocumentSeries(code=code)], ignore_conflicts=True)
    series = DocumentSeries.objects.select_for_update().get(code=code)
    series.last_number += 1
    series.save(update_fields=["last_number"])
    return series, series.last_number


@transaction.atomic
def issue(
    *,
    kind: str,
    source: str,
    currency: str,
    total: int,
    lines: list[dict],
    facts: dict | None = None,
    brand_id: int | None = None,
    creator_id: int | None = None,
    agency_id: int | None = None,
) -> Document:
    """The document of ``kind`` for the ledger event ``source``: issued now, or the one issued before."""
    existing = Document.objects.filter(kind=kind, source=source).select_related("series").first()
    if existing is not None:
        return existing
    party = _party(brand_id=brand_id, creator_id=creator_id, agency_id=agency_id)
    series, number = next_number(series_code(kind, timezone.localdate().year))
    return Document.objects.create(
        kind=kind,
        series=series,
        number=number,
        source=source,
        brand_id=brand_id,
        creator_id=creator_id,
        agency_id=agency_id,
        currency=currency,
        total=total,
        lines=lines,
        facts=facts or {},
        **party,
    )


def _party(*, brand_id: int | None, creator_id: int | None, agency_id: int | None) -> dict:
    if agency_id is not None:
        # The agency through the document's own foreign key: invoices sits below agencies and imports none of it.
        agency = Document._meta.get_field("agency").related_model.objects.get(pk=agency_id)
        return {"party_name": agency.name, "party_legal_name": "", "party_tax_id": ""}
    if brand_id is not None:
        brand = Brand.objects.get(pk=brand_id)
        return {"party_name": brand.name, "party_legal_name": brand.legal_name, "party_tax_id": brand.tax_id}
    creator = Creator.objects.get(pk=creator_id)
    return {"party_name": creator.display_name, "party_legal_name": "", "party_tax_id": ""}
