from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from brands.models import Brand, BrandBlock, BrandMembership
from marketplace.core.admin import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline, run_verification_action
from marketplace.core.models import VerificationStatus


class BrandMembershipInline(ReadOnlyInline):
    """Seats change through brands.services (the team page), which keeps every brand an owner."""

    model = BrandMembership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.action(description=_("Mark selected brands as verified"), permissions=["change"])
def mark_verified(modeladmin, request, queryset) -> None:
    run_verification_action(modeladmin, request, queryset, to=VerificationStatus.VERIFIED)


@admin.action(description=_("Reject verification of selected brands"), permissions=["change"])
def mark_rejected(modeladmin, request, queryset) -> None:
    run_verification_action(modeladmin, request, queryset, to=VerificationStatus.REJECTED)


@admin.register(Brand)
class BrandAdmin(ModelAdmin):
    list_display = ("name", "slug", "industry", "country", "verification", "verified_at", "created_at")
    list_filter = ("verification", "created_at")
    search_fields = ("name", "slug", "website")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("industry",)
    readonly_fields = ("verified_at", "created_at")
    list_select_related = ("industry",)
    inlines = (BrandMembershipInline,)
    actions = (mark_verified, mark_rejected)
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a brand would take its seats (owned by the team services) with it.
        return False


@admin.register(BrandMembership)
class BrandMembershipAdmin(ReadOnlyAdmin):
    """Read-only: the team page's services refuse to demote or remove a brand's last owner."""

    list_display = ("user", "brand", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "brand__name")
    autocomplete_fields = ("brand",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)
    list_select_related = ("user", "brand")
    show_full_result_count = False


@admin.register(BrandBlock)
class BrandBlockAdmin(ModelAdmin):
    list_display = ("brand", "creator", "reason", "created_at")
    search_fields = ("brand__name", "creator__handle")
    autocomplete_fields = ("brand",)
    raw_id_fields = ("creator",)
    readonly_fields = ("created_at",)
    list_select_related = ("brand", "creator")
    show_full_result_count = False
