"""What every write to a creator's profile shares: the platform's today, the actor check, the row lock, the
watermark bump the matcher reads."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from creators.models import (
    Creator,
)
from marketplace.core import NotAllowed, update_fields
from marketplace.core.models import User

MAX_LABELS = 10
MAX_EXTERNAL_LOAD = 50  # the same bound as the capacity itself (forms and API)


def platform_today() -> date:
    """Today in the platform's time zone: month boundaries must not depend on the viewer's zone."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def check_actor(creator: Creator, actor: User | None) -> None:
    if actor is None or actor.is_staff or (creator.user_id is not None and actor.pk == creator.user_id):
        return
    raise NotAllowed(_("Only the creator can change this profile."))


def touch(creator: Creator) -> None:
    """Bump updated_at: the matcher refreshes its snapshot from creators changed since a watermark."""
    update_fields(creator)


def lock_creator(creator: Creator) -> Creator:
    """Lock the creator row so concurrent edits of one profile run one after the other."""
    return Creator.objects.select_for_update().get(pk=creator.pk)
