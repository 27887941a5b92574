"""The media kit (picture, content samples) and blackout dates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from creators.avatars import avatar_thumbnail
from creators.models import (
    MAX_CONTENT_SAMPLES,
    BlackoutPeriod,
    ContentSample,
    Creator,
)
from creators.services.common import check_actor, lock_creator, platform_today, touch
from marketplace.core import NotFound, audit, update_fields
from marketplace.core.models import User

# ----------------------------------------------------------------- blackouts


# ------------------------------------------------------------------ media kit


@transaction.atomic
def creator_set_avatar(*, creator: Creator, actor: User | None, upload) -> Creator:
    """Store ``upload`` as the creator's picture (a square WebP thumbnail, creators/avatars.py) in place of
    any earlier one. Raises ValidationError({"avatar": …}) before anything is stored when the file is refused."""
    check_actor(creator, actor)
    thumbnail = avatar_thumbnail(upload)
    locked = lock_creator(creator)
    previous = locked.avatar.name
    locked.avatar.save("avatar.webp", ContentFile(thumbnail), save=False)  # the name comes from avatar_path
    update_fields(locked, avatar=locked.avatar.name)
    audit(actor=actor, action="creator.set_avatar", obj=locked, avatar=locked.avatar.name, bytes=len(thumbnail))
    _delete_file_on_commit(locked.avatar.storage, previous)
    return locked


@transaction.atomic
def creator_remove_avatar(*, creator: Creator, actor: User | None) -> Creator:
    """Remove the creator's picture: cards and pages show the generated initials again."""
    check_actor(creator, actor)
    locked = lock_creator(creator)
    previous = locked.avatar.name
    if previous:
        update_fields(locked, avatar="")
        audit(actor=actor, action="creator.remove_avatar", obj=locked)
        _delete_file_on_commit(locked.avatar.storage, previous)
    return locked


def _delete_file_on_commit(storage, name: str) -> None:
    """A replaced or removed picture's file goes once the change is committed (never while a rollback could
    bring its row back)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def creator_set_content_samples(
    *, creator: Creator, actor: User | None, samples: Sequence[Mapping]
) -> list[ContentSample]:
    """Replace the creator's content samples with ``samples`` (dicts of url, title and optional platform) in
    the order given, at most MAX_CONTENT_SAMPLES. Raises ValidationError({"content_samples": …}) naming the
    sample and the field of each problem."""
    check_actor(creator, actor)
    if len(samples) > MAX_CONTENT_SAMPLES:
        raise ValidationError(
            {"content_samples": _("List at most %(n)s content samples.") % {"n": MAX_CONTENT_SAMPLES}}
        )
    locked = lock_creator(creator)
    rows, errors = [], []
    for position, sample in enumerate(samples):
        row = ContentSample(
            creator=locked,
            # Stored as a URI: non-ASCII (a Chinese path typed or pasted as text) percent-encoded.
            url=iri_to_uri(str(sample.get("url") or "").strip()),
            title=str(sample.get("title") or "").strip(),
            platform=str(sample.get("platform") or ""),
            position=position,
        )
        try:
            row.full_clean(exclude=["creator"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                name = ContentSample._meta.get_field(field).verbose_name
                errors += [
                    _("Sample %(n)s, %(field)s: %(message)s") % {"n": position + 1, "field": name, "message": m}
                    for m in messages
                ]
        rows.append(row)
    if errors:
        raise ValidationError({"content_samples": errors})
    ContentSample.objects.filter(creator=locked).delete()
    ContentSample.objects.bulk_create(rows)
    audit(
        actor=actor,
        action="creator.set_content_samples",
        obj=locked,
        samples=[{"url": r.url, "title": r.title, "platform": r.platform} for r in rows],
    )
    return rows


@transaction.atomic
def blackout_add(
    *,
    creator: Creator,
    actor: User | None,
    starts_on: date,
    ends_on: date,
    note: str = "",
    today: date | None = None,
) -> BlackoutPeriod:
    """Mark dates (inclusive) on which the creator takes no new work."""
    check_actor(creator, actor)
    today = today or platform_today()
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day must not be before the first day.")})
    if ends_on < today:
        raise ValidationError({"ends_on": _("These dates are already in the past.")})
    locked = lock_creator(creator)
    period = BlackoutPeriod(creator=locked, starts_on=starts_on, ends_on=ends_on, note=note.strip())
    period.full_clean()
    period.save()
    touch(locked)
    audit(
        actor=actor,
        action="creator.blackout_add",
        obj=locked,
        blackout_id=period.pk,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    return period


@transaction.atomic
def blackout_remove(*, creator: Creator, actor: User | None, blackout_id: int) -> None:
    """Delete one of the creator's own blackout periods; NotFound for anyone else's."""
    check_actor(creator, actor)
    locked = lock_creator(creator)
    period = BlackoutPeriod.objects.filter(creator=locked, pk=blackout_id).first()
    if period is None:
        raise NotFound(_("No such blackout period."))
    audit(
        actor=actor,
        action="creator.blackout_remove",
        obj=locked,
        blackout_id=period.pk,
        starts_on=period.starts_on.isoformat(),
        ends_on=period.ends_on.isoformat(),
    )
    period.delete()
    touch(locked)
