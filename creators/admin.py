"""Creators can number in the millions: every link to them is a raw id, lists never count twice."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creators.models import BlackoutPeriod, Creator, CreatorLabel, Platform, RatePrice
from marketplace.core import format_money
from marketplace.core.admin import (
    LargeTableAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    run_verification_action,
)
from marketplace.core.models import VerificationStatus


# Labels, rate cards and blackouts change through creators.services (the profile editor), which checks label
# weights, price bounds and the creator's currency, and blackout dates; the admin shows them and never writes.
class CreatorLabelInline(ReadOnlyInline):
    model = CreatorLabel
    fields = ("label", "weight")
    readonly_fields = fields
    raw_id_fields = ("label",)


class RatePriceInline(ReadOnlyInline):
    """Rate-card rows are never edited: a new price is a new row from the first of a month."""

    model = RatePrice
    fields = ("format", "amount", "currency", "effective_from", "created_at")
    readonly_fields = fields


class BlackoutPeriodInline(ReadOnlyInline):
    model = BlackoutPeriod
    fields = ("starts_on", "ends_on", "note")
    readonly_fields = fields


@admin.action(description=_("Mark selected creators as verified"), permissions=["change"])
def mark_verified(modeladmin, request, queryset) -> None:
    run_verification_action(modeladmin, request, queryset, to=VerificationStatus.VERIFIED)


@admin.action(description=_("Reject verification of selected creators"), permissions=["change"])
def mark_rejected(modeladmin, request, queryset) -> None:
    run_verification_action(modeladmin, request, queryset, to=VerificationStatus.REJECTED)


@admin.register(Creator)
class CreatorAdmin(LargeTableAdmin):
    list_display = (
        "handle",
        "display_name",
        "platform",
        "followers",
        "engagement_rate",
        "verification",
        "is_active",
        "user",
        "updated_at",
    )
    list_filter = ("verification", "platform", "is_active")
    # Plain columns only: a join to users in the search would scan both tables for every term.
    search_fields = ("handle", "platform_handle", "display_name")
    raw_id_fields = ("user",)
    readonly_fields = ("verified_at", "created_at", "updated_at")
    list_select_related = ("user",)
    # The primary key index serves this order; Meta's "-followers" would sort the whole table.
    ordering = ("-id",)
    inlines = (CreatorLabelInline, RatePriceInline, BlackoutPeriodInline)
    actions = (mark_verified, mark_rejected)

    def digits_match(self, term: str) -> Q:
        # Platform first, as the unique index on platform handles has it.
        return super().digits_match(term) | Q(handle=term) | Q(platform__in=Platform.values, platform_handle=term)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A creator leaves by being deactivated (is_active). Deleting the row would take with it the ranking
        # results that explain past rankings and offers (a creator with deals cannot be deleted at all).
        return False

    fieldsets = (
        (
            None,
            {
                "fields": (
                    *("user", "handle", "display_name", "platform", "platform_handle"),
                    *("country", "bio", "content_sample"),
                )
            },
        ),
        (
            _("Status"),
            {"fields": ("is_active", "verification", "verified_at", "max_concurrent", "external_load")},
        ),
        (_("Audience"), {"fields": ("audience_age", "audience_gender", "audience_region")}),
        (
            _("Metrics"),
            {
                "fields": (
                    "followers",
                    "median_views_30d",
                    "median_views_90d",
                    "engagement_rate",
                    "completion_rate",
                    "hit_video_share",
                    "follower_growth_30d",
                    "fulfilment_rate",
                    "avg_rating",
                    "completed_orders",
                )
            },
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )


class CreatorRowsAdmin(LargeTableAdmin):
    """Tables of a creator's rows, searched by the creator's handle."""

    def digits_match(self, term: str) -> Q:
        return super().digits_match(term) | Q(creator__handle=term)


@admin.register(CreatorLabel)
class CreatorLabelAdmin(ReadOnlyAdmin, CreatorRowsAdmin):
    list_display = ("creator", "label", "weight")
    search_fields = ("creator__handle", "label__path")
    raw_id_fields = ("creator", "label")
    list_select_related = ("creator", "label")
    ordering = ("-id",)


@admin.register(RatePrice)
class RatePriceAdmin(ReadOnlyAdmin, CreatorRowsAdmin):
    list_display = ("creator", "format", "price", "effective_from", "created_at")
    list_filter = ("format", "effective_from")
    search_fields = ("creator__handle",)
    raw_id_fields = ("creator",)
    readonly_fields = ("created_at",)
    list_select_related = ("creator",)
    ordering = ("-id",)

    @admin.display(description=_("price"), ordering="amount")
    def price(self, obj: RatePrice) -> str:
        return format_money(obj.amount, obj.currency) if obj.amount is not None else _("not offered")


@admin.register(BlackoutPeriod)
class BlackoutPeriodAdmin(ReadOnlyAdmin, CreatorRowsAdmin):
    list_display = ("creator", "starts_on", "ends_on", "note")
    list_filter = ("starts_on",)
    search_fields = ("creator__handle", "note")
    raw_id_fields = ("creator",)
    list_select_related = ("creator",)
    ordering = ("-id",)
