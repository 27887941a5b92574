"""Every write to a creator's profile: basics, audience, labels and sign-up here; the rate card and
usage-rights rates in ``rates.py``, the media kit and blackout dates in ``media.py``.

Each service takes keyword-only arguments, locks the creator row, validates with ``full_clean``,
writes inside one transaction and leaves an audit row. ``actor`` is the creator's own user, a
staff member, or ``None`` for system jobs (imports, demo data); anyone else gets NotAllowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from creators.handles import normalise_handle
from creators.models import (
    Creator,
    CreatorLabel,
)
from creators.services.common import (
    MAX_EXTERNAL_LOAD,
    MAX_LABELS,
    check_actor,
    first_of_month,
    first_of_next_month,
    lock_creator,
    platform_today,
    touch,
)
from creators.services.media import (
    blackout_add,
    blackout_remove,
    creator_remove_avatar,
    creator_set_avatar,
    creator_set_content_samples,
)
from creators.services.rates import (
    RATE_CARD_MAX_PRICE,
    RATE_CARD_MIN_PRICE,
    RIGHTS_MAX_BPS,
    check_rate_card_price,
    rate_card_set_price,
    rate_card_set_prices,
    rights_rate_set,
    rights_rates_set,
)
from marketplace.core import audit, update_fields
from marketplace.core.accounts import user_create
from marketplace.core.audience import (
    AGE_BUCKETS,
    GENDERS,
    canonical_region,
    canonical_region_shares,
    countries,
    regions,
    validate_distribution,
)
from marketplace.core.models import Label, User

# ------------------------------------------------------------------ profile

__all__ = [
    "MAX_EXTERNAL_LOAD",
    "MAX_LABELS",
    "RATE_CARD_MAX_PRICE",
    "RATE_CARD_MIN_PRICE",
    "RIGHTS_MAX_BPS",
    "blackout_add",
    "blackout_remove",
    "check_rate_card_price",
    "creator_remove_avatar",
    "creator_set_audience",
    "creator_set_avatar",
    "creator_set_content_samples",
    "creator_set_labels",
    "creator_signup",
    "creator_update_profile",
    "first_of_month",
    "first_of_next_month",
    "platform_today",
    "rate_card_set_price",
    "rate_card_set_prices",
    "rights_rate_set",
    "rights_rates_set",
]


@transaction.atomic
def creator_update_profile(
    *,
    creator: Creator,
    actor: User | None,
    display_name: str,
    bio: str,
    platform: str,
    country: str,
    content_sample: str,
    max_concurrent: int,
    external_load: int | None = None,
) -> Creator:
    """Change the creator's own description and capacity; returns the saved creator.

    ``external_load`` (collaborations running elsewhere) stays as it is when None.
    """
    check_actor(creator, actor)
    locked = lock_creator(creator)
    country = canonical_region(country)
    if country and country not in countries():
        raise ValidationError({"country": _("Unknown country code %(code)s.") % {"code": country}})
    if not isinstance(max_concurrent, int) or max_concurrent < 1:
        raise ValidationError({"max_concurrent": _("Take at least one collaboration at a time.")})
    if external_load is None:
        external_load = locked.external_load
    if not isinstance(external_load, int) or not 0 <= external_load <= MAX_EXTERNAL_LOAD:
        raise ValidationError(
            {"external_load": _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_EXTERNAL_LOAD}}
        )
    values = {
        "display_name": display_name.strip(),
        "bio": bio.strip(),
        "platform": platform,
        "country": country,
        "content_sample": content_sample.strip(),
        "max_concurrent": max_concurrent,
        "external_load": external_load,
    }
    changed = {name: value for name, value in values.items() if getattr(locked, name) != value}
    for name, value in values.items():
        setattr(locked, name, value)
    locked.full_clean()
    if changed:
        update_fields(locked, **changed)
        audit(actor=actor, action="creator.update_profile", obj=locked, fields=sorted(changed))
    return locked


@transaction.atomic
def creator_set_audience(
    *, creator: Creator, actor: User | None, age: Mapping, gender: Mapping, region: Mapping
) -> Creator:
    """Replace the three audience distributions; an empty mapping means "unknown".

    Raises ValidationError keyed by field (audience_age / audience_gender / audience_region),
    each message naming the distribution and, for a bad total, what it sums to.
    """
    check_actor(creator, actor)
    checks = {
        "audience_age": (age, _("Age"), AGE_BUCKETS),
        "audience_gender": (gender, _("Gender"), GENDERS),
        "audience_region": (canonical_region_shares(region), _("Region"), regions()),
    }
    clean: dict[str, dict] = {}
    errors: dict[str, list] = {}
    for field, (shares, kind, allowed) in checks.items():
        try:
            clean[field] = validate_distribution(dict(shares) if shares else {}, kind=kind, allowed=allowed)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    locked = lock_creator(creator)
    for field, value in clean.items():
        setattr(locked, field, value)
    locked.full_clean()
    update_fields(locked, **clean)
    audit(actor=actor, action="creator.set_audience", obj=locked, **clean)
    return locked


@transaction.atomic
def creator_set_labels(
    *, creator: Creator, actor: User | None, labels: Sequence[tuple[int, float]]
) -> list[CreatorLabel]:
    """Replace the creator's content labels with ``labels`` (label id, weight in (0, 1]), at most 10."""
    check_actor(creator, actor)
    _validate_labels(labels)
    locked = lock_creator(creator)
    CreatorLabel.objects.filter(creator=locked).delete()
    rows = [CreatorLabel(creator=locked, label_id=label_id, weight=float(weight)) for label_id, weight in labels]
    for row in rows:
        row.full_clean(exclude=["creator", "label"], validate_unique=False, validate_constraints=False)
    CreatorLabel.objects.bulk_create(rows)
    touch(locked)
    audit(actor=actor, action="creator.set_labels", obj=locked, labels=[[i, float(w)] for i, w in labels])
    return rows


def _validate_labels(labels: Sequence[tuple[int, float]]) -> None:
    if len(labels) > MAX_LABELS:
        raise ValidationError(
            {
                "labels": _("Choose at most %(max)d labels; you chose %(count)d.")
                % {"max": MAX_LABELS, "count": len(labels)}
            }
        )
    ids = [label_id for label_id, _weight in labels]
    if len(set(ids)) != len(ids):
        raise ValidationError({"labels": _("Each label can be chosen only once.")})
    for _label_id, weight in labels:
        if not isinstance(weight, int | float) or not math.isfinite(weight) or not 0 < weight <= 1:
            raise ValidationError({"labels": _("Label weights must be more than 0 and at most 1.")})
    if Label.objects.filter(pk__in=ids).count() != len(ids):
        raise ValidationError({"labels": _("Some of the chosen labels do not exist.")})


@transaction.atomic
def creator_signup(*, email: str, password: str, display_name: str, handle: str) -> Creator:
    """Create the user and the creator profile linked to it."""
    try:
        handle = normalise_handle(handle)
    except ValidationError as exc:
        raise ValidationError({"handle": exc.messages}) from None
    if Creator.objects.filter(handle__iexact=handle).exists():
        raise ValidationError({"handle": _("This handle is taken.")})
    user = user_create(email=email, password=password, full_name=display_name)
    creator = Creator(user=user, handle=handle, display_name=display_name.strip())
    creator.full_clean()
    creator.save()
    audit(actor=user, action="account.signed_up", obj=user, kind="creator", handle=handle)
    return creator
