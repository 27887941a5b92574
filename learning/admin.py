"""Staff write courses in the admin, with a preview rendered exactly as creators see it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from learning.markdown import render
from learning.models import Course
from marketplace.core.admin import ModelAdmin


@admin.register(Course)
class CourseAdmin(ModelAdmin):
    list_display = ("title_en", "stage", "position", "published", "updated_at")
    list_filter = ("stage", "published")
    search_fields = ("title_en", "title_zh", "slug")
    prepopulated_fields = {"slug": ("title_en",)}
    readonly_fields = ("preview_en", "preview_zh")

    @admin.display(description=_("Preview (English)"))
    def preview_en(self, course: Course):
        return render(course.body_en or "")

    @admin.display(description=_("Preview (Simplified Chinese)"))
    def preview_zh(self, course: Course):
        return render(course.body_zh or "")
