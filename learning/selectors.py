"""Reads of the courses app: which courses a creator sees, and how far they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from creators.models import STAGE_NAMES, Creator
from learning.models import Course, CourseCompletion

STAGES = [key for key, _name in STAGE_NAMES]


def stages_shown(creator: Creator) -> list[str]:
    """The creator's stage and the next one (docs/courses.md)."""
    here = STAGES.index(creator.growth_stage) if creator.growth_stage in STAGES else 0
    return STAGES[here : here + 2]


def courses_for(creator: Creator) -> QuerySet[Course]:
    """Published courses of the creator's stage and the next, each with ``done`` for this creator."""
    return Course.objects.filter(published=True, stage__in=stages_shown(creator)).annotate(
        done=Exists(CourseCompletion.objects.filter(course=OuterRef("pk"), creator=creator))
    )


def course_for(creator: Creator, slug: str) -> Course:
    """A published course of the creator's stage or the next one; 404 otherwise (not yet, or not at all)."""
    course = courses_for(creator).filter(slug=slug).first()
    if course is None:
        raise Http404
    return course


@dataclass(frozen=True)
class StageProgress:
    stage: str
    name: str
    done: int
    total: int


def progress(creator: Creator) -> list[StageProgress]:
    """Courses done out of those published, per stage shown (the growth page's summary)."""
    names = dict(STAGE_NAMES)
    rows = list(courses_for(creator).values_list("stage", "done"))
    return [
        StageProgress(
            stage=stage,
            name=str(names[stage]),
            done=sum(1 for s, d in rows if s == stage and d),
            total=sum(1 for s, _d in rows if s == stage),
        )
        for stage in stages_shown(creator)
    ]
