from django.contrib import admin

from marketplace.admin import ModelAdmin, TabularInline
from matching.models import MatcherModel, RankingResult, RankingRun


class RankingResultInline(TabularInline):
    model = RankingResult
    fields = (
        "rank",
        "creator",
        "score",
        "hand_score",
        "content",
        "audience",
        "performance",
        "value",
        "reliability",
        "exploration",
        "price",
    )
    readonly_fields = fields
    raw_id_fields = ("creator",)
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("rank",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("creator")


@admin.register(RankingRun)
class RankingRunAdmin(ModelAdmin):
    list_display = ("id", "order", "status", "trigger", "model_version", "eligible_count", "duration_ms", "created_at")
    list_filter = ("status", "trigger", "model_version")
    search_fields = ("=id", "=order__id", "order__title")
    list_select_related = ("order",)
    raw_id_fields = ("order", "requested_by")
    readonly_fields = [f.name for f in RankingRun._meta.fields]
    show_full_result_count = False
    inlines = [RankingResultInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RankingResult)
class RankingResultAdmin(ModelAdmin):
    list_display = ("run", "rank", "creator", "score", "content", "audience", "performance", "value", "reliability")
    search_fields = ("=run__id", "creator__handle")
    list_select_related = ("run", "creator")
    raw_id_fields = ("run", "creator")
    readonly_fields = [f.name for f in RankingResult._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MatcherModel)
class MatcherModelAdmin(ModelAdmin):
    list_display = ("version", "created_at", "trained_on", "beats_hand", "is_active")
    list_filter = ("beats_hand", "is_active")
    readonly_fields = ("version", "path", "created_at", "trained_on", "metrics", "beats_hand")
    fields = ("version", "path", "created_at", "trained_on", "metrics", "beats_hand", "is_active")

    def has_add_permission(self, request):
        return False
