"""Read-only admin for invoices and receipts: documents are issued only by the money services, never by hand."""

from django.contrib import admin

from invoices.models import Document
from marketplace.core.admin import ReadOnlyAdmin


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    # A series' counter shows as the last number of its documents; it has no page of its own.
    list_display = ["id", "series", "number", "kind", "brand", "creator", "total", "currency", "issued_at"]
    list_filter = ["kind", "currency"]
    list_select_related = ["series", "brand", "creator"]
    search_fields = ["source", "party_name", "party_legal_name", "party_tax_id"]
