"""The deal's tables in the Django admin: read-only, the services own every write."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.core import format_money
from marketplace.core.admin import LargeTableAdmin, ReadOnlyAdmin, ReadOnlyInline
from orders.models import Collaboration, Order, OrderEvent, OrderTargetLabel


class OrderStatusFilter(admin.SimpleListFilter):
    """Filter events by the status they moved to, from the fixed list (no DISTINCT over the table)."""

    title = _("new status")
    parameter_name = "new_status"

    def lookups(self, request, model_admin):
        return Order.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(new_status=self.value()) if self.value() else queryset


class OrderTargetLabelInline(ReadOnlyInline):
    model = OrderTargetLabel
    fields = ("label", "weight")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "old_status", "new_status", "actor")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin, LargeTableAdmin):
    """Orders change through orders.services.orders (a brief is editable only as a draft)."""

    list_display = ("title", "brand", "status", "mode", "goal", "format", "budget", "creators_wanted", "created_at")
    list_filter = ("status", "mode", "goal", "format", "created_at")
    search_fields = ("title", "product_name", "brand__name")
    autocomplete_fields = ("brand", "product_category")
    raw_id_fields = ("created_by",)
    readonly_fields = ("status", "published_at", "closed_at", "created_at", "updated_at")
    list_select_related = ("brand",)
    inlines = (OrderTargetLabelInline, OrderEventInline)
    ordering = ("-id",)

    @admin.display(description=_("budget per creator"))
    def budget(self, obj: Order) -> str:
        return format_money(obj.per_creator_budget() or None, obj.currency)


@admin.register(OrderTargetLabel)
class OrderTargetLabelAdmin(ReadOnlyAdmin, LargeTableAdmin):
    list_display = ("order", "label", "weight")
    search_fields = ("order__title", "label__path")
    raw_id_fields = ("order",)
    autocomplete_fields = ("label",)
    list_select_related = ("order", "label")
    ordering = ("-id",)


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin, LargeTableAdmin):
    list_display = ("created_at", "order", "old_status", "new_status", "actor")
    list_filter = (OrderStatusFilter,)
    search_fields = ("order__title",)
    list_select_related = ("order", "actor")
    ordering = ("-id",)


@admin.register(Collaboration)
class CollaborationAdmin(ReadOnlyAdmin, LargeTableAdmin):
    """Collaborations start and move only through marketplace.services (offers hold money, steps move it)."""

    list_display = ("id", "order", "creator", "status", "origin", "price", "offered_at", "completed_at")
    list_filter = ("status", "origin", "accepted", "completed_on_time")
    search_fields = ("order__title", "creator__handle")
    raw_id_fields = ("order", "creator")
    readonly_fields = ("status", "created_at", "updated_at")
    list_select_related = ("order", "creator")
    ordering = ("-id",)

    def digits_match(self, term: str) -> Q:
        return super().digits_match(term) | Q(creator__handle=term)

    @admin.display(description=_("agreed price"), ordering="agreed_price")
    def price(self, obj: Collaboration) -> str:
        return format_money(obj.agreed_price, obj.currency)
