"""The novice tasks on the growth page (docs/indices.md, "Novice tasks"): each step checked off from the data
(the profile, the rate card, the creator's practice deals and their events and results), never from a click.

The practice deal itself is orders.services.practice's; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from creators.models import Creator
from orders.models import Collaboration, CollaborationEvent, ResultSnapshot
from orders.services.practice import practice_open


@dataclass(frozen=True)
class NoviceTask:
    key: str
    title: str
    done: bool
    url: str


@dataclass(frozen=True)
class Novice:
    tasks: list[NoviceTask]
    running: Collaboration | None  # the practice deal still open, if any

    @property
    def done(self) -> int:
        return sum(task.done for task in self.tasks)

    @property
    def finished(self) -> bool:
        return self.done == len(self.tasks)

    @property
    def may_start(self) -> bool:
        """Whether the "Start the practice offer" button shows: no practice deal running, tasks not finished."""
        return self.running is None and not self.finished


def profile_parts(creator: Creator) -> tuple[bool, bool, bool]:
    """A bio, content labels, an audience: the three parts of a complete profile (brands filter on all three)."""
    return (
        bool(creator.bio.strip()),
        creator.label_links.exists(),
        bool(creator.audience_age or creator.audience_gender or creator.audience_region),
    )


def novice_tasks(creator: Creator, *, profile_complete: bool | None = None) -> Novice:
    """The seven novice steps and whether each is done (4 queries, 5 without ``profile_complete``)."""
    if profile_complete is None:
        profile_complete = all(profile_parts(creator))
    deals = Collaboration.objects.practice().filter(creator=creator)
    counts = deals.aggregate(
        answered=Count("pk", filter=Q(responded_at__isnull=False)),
        published=Count("pk", filter=Q(published_at__isnull=False)),
    )
    steps = set(
        CollaborationEvent.objects.filter(collaboration__in=deals, action__in=("submit_script", "submit_video"))
        .values_list("action", flat=True)
        .distinct()
    )
    results = ResultSnapshot.objects.filter(collaboration__in=deals).exists()
    running = practice_open(creator)
    edit, growth = reverse("creators:profile_edit"), reverse("creators:growth") + "#novice-tasks"
    deal = reverse("deals:collaboration", args=[running.pk]) if running else growth
    tasks = [
        NoviceTask("profile", _("Complete your profile"), profile_complete, edit + "#basics"),
        NoviceTask("rate_card", _("Set your rate card"), creator.rate_prices.exists(), edit + "#rate-card"),
        NoviceTask("practice_answered", _("Answer the practice offer"), counts["answered"] > 0, deal),
        NoviceTask("practice_script", _("Submit a script"), "submit_script" in steps, deal),
        NoviceTask("practice_video", _("Upload a video"), "submit_video" in steps, deal),
        NoviceTask("practice_published", _("Publish with a test link"), counts["published"] > 0, deal),
        NoviceTask("practice_results", _("Enter your results"), results, deal),
    ]
    return Novice(tasks=tasks, running=running)
