"""A course (one lesson, in English and Simplified Chinese) and a creator's mark that they finished it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from creators.models import STAGE_NAMES, Creator
from marketplace.core.forms import validate_web_link

TITLE_MAX = 120
BODY_MAX = 20_000  # a short course: about ten screens of text


class Course(models.Model):
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    stage = models.CharField(_("growth stage"), max_length=16, choices=STAGE_NAMES)
    position = models.PositiveSmallIntegerField(_("position within the stage"), default=0)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX)
    title_zh = models.CharField(_("title (Simplified Chinese)"), max_length=TITLE_MAX, blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), max_length=BODY_MAX)
    body_zh = models.TextField(_("text (Simplified Chinese, Markdown)"), max_length=BODY_MAX, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True, validators=[validate_web_link])
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage", "position", "id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title_en

    def _chinese(self) -> bool:
        return (get_language() or "").lower().startswith("zh")

    @property
    def title(self) -> str:
        """The title in the reader's language: Chinese where given, else English."""
        return self.title_zh if self._chinese() and self.title_zh else self.title_en

    @property
    def body(self) -> str:
        return self.body_zh if self._chinese() and self.body_zh else self.body_en


class CourseCompletion(models.Model):
    # A course creators finished is unpublished, not deleted: their progress stays (docs/courses.md).
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="course_completions")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "creator"], name="course_done_once")]

    def __str__(self) -> str:
        return f"{self.creator_id} finished {self.course_id}"
