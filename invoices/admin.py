"""Read-only admin for invoices and receipts: documents are issued only by the money services, never by hand."""

from django.contrib import admin

from invoices.models import Document, DocumentSeries
from marketplace.core.admin import ReadOnlyAdmin


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "series", "number", "kind", "brand", "creator", "total", "currency", "issued_at"]
    list_filter = ["kind", "currency"]
    list_select_related = ["series", "brand", "creator"]
    search_fields = ["source", "party_name", "party_legal_name", "party_tax_id"]


@admin.register(DocumentSeries)
class DocumentSeriesAdmin(ReadOnlyAdmin):
    list_display = ["code", "last_number"]
