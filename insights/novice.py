"""The novice tasks on the growth page (docs/indices.md, "Novice tasks"): each step checked off from the data
(the profile, the rate card, the creator's practice deals and their events and results), never from a click.

The practice deal itself is orders.services.practice's; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from creators.models import Creator
from orders.models import Collaboration, CollaborationEvent, ResultSnapshot
from orders.services.practice import PRACTICE_OPEN


@dataclass(frozen=True)
class NoviceTask:
    key: str
    title: str
    done: bool
    url: str


@dataclass(frozen=True)
class Novice:
    tasks: list[NoviceTask]
    running_id: int | None  # the practice deal still open, if any

    @property
    def done(self) -> int:
        return sum(task.done for task in self.tasks)

    @property
    def finished(self) -> bool:
        return self.done == len(self.tasks)

    @property
    def may_start(self) -> bool:
        """Whether the "Start the practice offer" button shows: no practice deal running, tasks not finished."""
        return self.running_id is None and not self.finished


def profile_parts(creator: Creator) -> tuple[bool, bool, bool]:
    """A bio, content labels, an audience: the three parts of a complete profile (brands filter on all three)."""
    return (
        bool(creator.bio.strip()),
        creator.label_links.exists(),
        bool(creator.audience_age or creator.audience_gender or creator.audience_region),
    )


def novice_tasks(creator: Creator, *, profile_complete: bool, rate_card: bool) -> Novice:
    """The seven novice steps and whether each is done, from the data: the profile and the rate card as the
    growth checklist found them, the rest from the creator's practice deals (1 query)."""
    deals = Collaboration.objects.practice().filter(creator=creator)
    submitted = CollaborationEvent.objects.filter(collaboration=OuterRef("pk"))
    flags = deals.aggregate(
        answered=Count("pk", filter=Q(responded_at__isnull=False)),
        scripts=Count("pk", filter=Q(Exists(submitted.filter(action="submit_script")))),
        videos=Count("pk", filter=Q(Exists(submitted.filter(action="submit_video")))),
        published=Count("pk", filter=Q(published_at__isnull=False)),
        results=Count("pk", filter=Q(Exists(ResultSnapshot.objects.filter(collaboration=OuterRef("pk"))))),
        running=Max("pk", filter=Q(status__in=PRACTICE_OPEN)),
    )
    edit, growth = reverse("creators:profile_edit"), reverse("creators:growth") + "#novice-tasks"
    running = flags["running"]
    deal = reverse("deals:collaboration", args=[running]) if running else growth
    tasks = [
        NoviceTask("profile", _("Complete your profile"), profile_complete, edit + "#basics"),
        NoviceTask("rate_card", _("Set your rate card"), rate_card, edit + "#rate-card"),
        NoviceTask("practice_answered", _("Answer the practice offer"), flags["answered"] > 0, deal),
        NoviceTask("practice_script", _("Submit a script"), flags["scripts"] > 0, deal),
        NoviceTask("practice_video", _("Upload a video"), flags["videos"] > 0, deal),
        NoviceTask("practice_published", _("Publish with a test link"), flags["published"] > 0, deal),
        NoviceTask("practice_results", _("Enter your results"), flags["results"] > 0, deal),
    ]
    return Novice(tasks=tasks, running_id=running)
