"""Writes of the courses app: a creator marks a course done (or not), and the shipped courses are installed."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from creators.models import Creator
from learning.models import Course, CourseCompletion

SHIPPED = Path(__file__).resolve().parent / "courses"
# The courses Starmap ships (docs/courses.md): slug, stage, position. Each has <slug>.en.md and
# <slug>.zh.md in learning/courses/, whose first line is "# Title".
SHIPPED_COURSES = (
    ("reading-a-brief", "departure", 1),
    ("pricing-your-rate-card", "departure", 2),
    ("what-brands-look-for-in-a-script", "exploration", 1),
    ("how-results-are-counted", "exploration", 2),
)


def mark_done(creator: Creator, course: Course) -> bool:
    """Record that the creator finished the course; True if this call recorded it (idempotent)."""
    _obj, created = CourseCompletion.objects.get_or_create(creator=creator, course=course)
    return created


def mark_not_done(creator: Creator, course: Course) -> bool:
    deleted, _ = CourseCompletion.objects.filter(creator=creator, course=course).delete()
    return bool(deleted)


def _read(slug: str, language: str) -> tuple[str, str]:
    text = (SHIPPED / f"{slug}.{language}.md").read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    if not first.startswith("# "):
        raise ValueError(f"{slug}.{language}.md: the first line must be '# Title'")
    return first[2:].strip(), body.strip() + "\n"


@transaction.atomic
def install_shipped_courses() -> int:
    """Create or refresh the shipped courses (published); staff's own courses are left alone."""
    for slug, stage, position in SHIPPED_COURSES:
        title_en, body_en = _read(slug, "en")
        title_zh, body_zh = _read(slug, "zh")
        Course.objects.update_or_create(
            slug=slug,
            defaults={
                "stage": stage,
                "position": position,
                "title_en": title_en,
                "body_en": body_en,
                "title_zh": title_zh,
                "body_zh": body_zh,
                "published": True,
            },
        )
    return len(SHIPPED_COURSES)
