"""Read-only admin for the ledger: money moves only through payouts.services."""

from django.contrib import admin

from marketplace.admin import ReadOnlyAdmin, ReadOnlyInline
from payouts.models import Account, Hold, IdempotencyKey, LedgerEntry, LedgerTransaction, Payout, TopUp


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "brand", "creator", "order", "currency", "balance"]
    list_filter = ["kind", "currency"]
    list_select_related = ["brand", "creator", "order"]
    search_fields = ["brand__name", "creator__handle", "order__title"]


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["account", "amount", "currency"]
    readonly_fields = fields
    show_change_link = False  # entries have no admin of their own


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "created_at", "order", "hold", "payout", "topup", "memo"]
    list_filter = ["kind"]
    list_select_related = ["order", "hold", "payout", "topup"]
    date_hierarchy = "created_at"
    inlines = [LedgerEntryInline]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "brand", "order", "creator", "amount", "currency", "status", "fee", "settled_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["brand", "order", "creator"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Payouts that failed for good show here with their last error (filter by status)."""

    list_display = ["id", "creator", "amount", "currency", "status", "attempts", "last_error", "provider_reference"]
    list_filter = ["status", "provider", "currency"]
    list_select_related = ["creator"]
    search_fields = ["creator__handle", "provider_reference"]


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ["id", "brand", "amount", "currency", "status", "provider", "provider_reference", "created_at"]
    list_filter = ["status", "provider", "currency"]
    list_select_related = ["brand"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ["scope", "key", "operation", "result_type", "result_id", "created_at"]
    list_filter = ["operation"]
    search_fields = ["scope", "key"]
