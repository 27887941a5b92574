from django.contrib import admin

from marketplace.admin import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline
from matching.models import MatcherModel, RankingResult, RankingRun


class RankingResultInline(ReadOnlyInline):
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
    ordering = ("rank",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("creator")


@admin.register(RankingRun)
class RankingRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "status", "trigger", "model_version", "eligible_count", "duration_ms", "created_at")
    list_filter = ("status", "trigger", "model_version")
    search_fields = ("=id", "=order__id", "order__title")
    list_select_related = ("order",)
    raw_id_fields = ("order", "requested_by")
    readonly_fields = [f.name for f in RankingRun._meta.fields]
    show_full_result_count = False
    inlines = [RankingResultInline]


@admin.register(RankingResult)
class RankingResultAdmin(ReadOnlyAdmin):
    list_display = ("run", "rank", "creator", "score", "content", "audience", "performance", "value", "reliability")
    search_fields = ("=run__id", "creator__handle")
    list_select_related = ("run", "creator")
    raw_id_fields = ("run", "creator")
    readonly_fields = [f.name for f in RankingResult._meta.fields]
    show_full_result_count = False


@admin.register(MatcherModel)
class MatcherModelAdmin(ModelAdmin):
    list_display = ("version", "created_at", "trained_on", "beats_hand", "is_active")
    list_filter = ("beats_hand", "is_active")
    readonly_fields = ("version", "path", "created_at", "trained_on", "metrics", "beats_hand")
    fields = ("version", "path", "created_at", "trained_on", "metrics", "beats_hand", "is_active")

    def has_add_permission(self, request):
        return False
