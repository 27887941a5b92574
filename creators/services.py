"""Every write to a creator's profile: basics, audience, labels, rate card and blackout dates.

Each service takes keyword-only arguments, locks the creator row, validates with ``full_clean``,
writes inside one transaction and leaves an audit row. ``actor`` is the creator's own user, a
staff member, or ``None`` for system jobs (imports, demo data); anyone else gets NotAllowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from creators.avatars import avatar_thumbnail
from creators.models import (
    MAX_CONTENT_SAMPLES,
    BlackoutPeriod,
    ContentSample,
    Creator,
    CreatorLabel,
    RatePrice,
    RightsRate,
    UsageRight,
)
from marketplace.core import NotAllowed, NotFound, audit, update_fields
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
from marketplace.core.models import ContentFormat, Label, User

MAX_LABELS = 10
MAX_EXTERNAL_LOAD = 50  # the same bound as the capacity itself (forms and API)


def platform_today() -> date:
    """Today in the platform's time zone: month boundaries must not depend on the viewer's zone."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _check_actor(creator: Creator, actor: User | None) -> None:
    if actor is None or actor.is_staff or (creator.user_id is not None and actor.pk == creator.user_id):
        return
    raise NotAllowed(_("Only the creator can change this profile."))


def _touch(creator: Creator) -> None:
    """Bump updated_at: the matcher refreshes its snapshot from creators changed since a watermark."""
    update_fields(creator)


def _lock(creator: Creator) -> Creator:
    """Lock the creator row so concurrent edits of one profile run one after the other."""
    return Creator.objects.select_for_update().get(pk=creator.pk)


# ------------------------------------------------------------------ profile


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
    _check_actor(creator, actor)
    locked = _lock(creator)
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
    _check_actor(creator, actor)
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
    locked = _lock(creator)
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
    _check_actor(creator, actor)
    _validate_labels(labels)
    locked = _lock(creator)
    CreatorLabel.objects.filter(creator=locked).delete()
    rows = [CreatorLabel(creator=locked, label_id=label_id, weight=float(weight)) for label_id, weight in labels]
    for row in rows:
        row.full_clean(exclude=["creator", "label"], validate_unique=False, validate_constraints=False)
    CreatorLabel.objects.bulk_create(rows)
    _touch(locked)
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


# ---------------------------------------------------------------- rate card


# The bounds of one rate-card price (CNY 1.00 to CNY 10,000,000.00). The platform's limit for any amount
# (marketplace.core.MAX_AMOUNT) is far higher; a price is a single deal's.
RATE_CARD_MIN_PRICE = 100
RATE_CARD_MAX_PRICE = 1_000_000_000


def check_rate_card_price(amount: int) -> None:
    """Raise ValidationError (field ``amount``) unless ``amount`` is a whole price within the bounds."""
    from marketplace.core import format_money

    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError({"amount": _("The price must be more than zero.")})
    if not RATE_CARD_MIN_PRICE <= amount <= RATE_CARD_MAX_PRICE:
        raise ValidationError(
            {
                "amount": _("A price must be between %(low)s and %(high)s.")
                % {
                    "low": format_money(RATE_CARD_MIN_PRICE, settings.CURRENCY),
                    "high": format_money(RATE_CARD_MAX_PRICE, settings.CURRENCY),
                }
            }
        )


@transaction.atomic
def rate_card_set_price(
    *, creator: Creator, actor: User | None, format: str, amount: int | None, today: date | None = None
) -> RatePrice | None:
    """Set the creator's price for one format, following Xingtu's next-month rule; ``None`` stops offering it.

    With no price in force today (never priced, or no longer offered), the price takes effect from
    the first of this month, or from the first of next month when the format already changed this
    month. Otherwise it takes effect from the first of next month; a pending row for that month is
    replaced, and asking for the price already in force withdraws the pending change. Stopping
    follows the same rule: brands can still send offers at the price in force until next month.
    Rows already in force are never touched, so quotes in flight keep their price. Returns the row
    that carries ``amount`` (None when nothing is priced or pending). See docs/rate-card.md.
    """
    _check_actor(creator, actor)
    if format not in ContentFormat.values:
        raise ValidationError({"format": _("Unknown format %(format)s.") % {"format": format}})
    if amount is not None:
        check_rate_card_price(amount)
    today = today or platform_today()
    locked = _lock(creator)
    rows = list(RatePrice.objects.filter(creator=locked, format=format).order_by("-effective_from"))
    in_force = next((r for r in rows if r.effective_from <= today), None)
    pending = next((r for r in reversed(rows) if r.effective_from > today), None)
    offered = in_force is not None and in_force.amount is not None
    if pending is not None and pending.amount == amount:
        return pending
    if not offered and amount is None:
        if pending is not None:
            _withdraw_pending(locked, actor, pending)
        return None
    if (in_force.amount if in_force else None) == amount:
        if pending is not None:
            _withdraw_pending(locked, actor, pending)
        return in_force
    if not offered and (in_force is None or in_force.effective_from < first_of_month(today)):
        return _add_price(locked, actor, format, amount, first_of_month(today), replaces=pending)
    return _add_price(locked, actor, format, amount, first_of_next_month(today), replaces=pending)


def _withdraw_pending(creator: Creator, actor: User | None, pending: RatePrice) -> None:
    pending.delete()
    _touch(creator)
    audit(actor=actor, action="rate_card.withdraw_change", obj=creator, format=pending.format, amount=pending.amount)


def _add_price(
    creator: Creator,
    actor: User | None,
    format: str,
    amount: int | None,
    effective_from: date,
    *,
    replaces: RatePrice | None,
) -> RatePrice:
    # A pending row is not in force yet, so no quote can rest on it: replacing it is safe.
    if replaces is not None:
        replaces.delete()
    row = RatePrice(
        creator=creator, format=format, amount=amount, currency=settings.CURRENCY, effective_from=effective_from
    )
    row.full_clean(validate_unique=False)
    row.save()
    _touch(creator)
    audit(
        actor=actor,
        action="rate_card.set_price" if amount is not None else "rate_card.stop_offering",
        obj=creator,
        format=format,
        amount=amount,
        currency=row.currency,
        effective_from=effective_from.isoformat(),
        replaced_amount=replaces.amount if replaces else None,
    )
    return row


@transaction.atomic
def rate_card_set_prices(
    *, creator: Creator, actor: User | None, prices: Mapping[str, int | None], today: date | None = None
) -> list[RatePrice | None]:
    """Set several formats at once, all or nothing (the rate-card form saves every format together);
    a format mapped to None stops being offered."""
    return [
        rate_card_set_price(creator=creator, actor=actor, format=fmt, amount=amount, today=today)
        for fmt, amount in prices.items()
    ]


# ------------------------------------------------------------- rights rates

# The largest share of the fee one right may cost per month: the whole fee (docs/deals.md, "Usage rights").
RIGHTS_MAX_BPS = 10_000


@transaction.atomic
def rights_rate_set(
    *,
    creator: Creator,
    actor: User | None,
    right: str,
    percent_bps: int | None = None,
    monthly_amount: int | None = None,
) -> RightsRate | None:
    """Price one usage right per month, as a share of the fee (``percent_bps``) or an amount
    (``monthly_amount``); neither stops pricing it (the right is then included at no charge). In force at once:
    deals keep the rates they were offered at. Raises ValidationError naming the field."""
    _check_actor(creator, actor)
    if right not in UsageRight.values:
        raise ValidationError({"right": _("Unknown right %(right)s.") % {"right": right}})
    if percent_bps is not None and monthly_amount is not None:
        raise ValidationError({"percent_bps": _("Give a percentage or an amount per month, not both.")})
    if percent_bps is not None and (
        not isinstance(percent_bps, int) or isinstance(percent_bps, bool) or not 0 < percent_bps <= RIGHTS_MAX_BPS
    ):
        raise ValidationError({"percent_bps": _("A percentage must be more than 0 and at most 100.")})
    if monthly_amount is not None:
        check_rate_card_price(monthly_amount)
    locked = _lock(creator)
    old = RightsRate.objects.filter(creator=locked, right=right).first()
    if old is not None and (old.percent_bps, old.monthly_amount) == (percent_bps, monthly_amount):
        return old
    if old is not None:
        old.delete()
    row = None
    if percent_bps is not None or monthly_amount is not None:
        row = RightsRate(
            creator=locked,
            right=right,
            percent_bps=percent_bps,
            monthly_amount=monthly_amount,
            currency=settings.CURRENCY,
        )
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
    _touch(locked)
    audit(
        actor=actor,
        action="rights_rate.set",
        obj=locked,
        right=right,
        percent_bps=percent_bps,
        monthly_amount=monthly_amount,
    )
    return row


@transaction.atomic
def rights_rates_set(
    *, creator: Creator, actor: User | None, rates: Mapping[str, tuple[int | None, int | None]]
) -> list[RightsRate | None]:
    """Set several rights at once, all or nothing: ``{right: (percent_bps, monthly_amount)}``."""
    return [
        rights_rate_set(creator=creator, actor=actor, right=right, percent_bps=bps, monthly_amount=amount)
        for right, (bps, amount) in rates.items()
    ]


# ----------------------------------------------------------------- blackouts


# ------------------------------------------------------------------ media kit


@transaction.atomic
def creator_set_avatar(*, creator: Creator, actor: User | None, upload) -> Creator:
    """Store ``upload`` as the creator's picture (a square WebP thumbnail, creators/avatars.py) in place of
    any earlier one. Raises ValidationError({"avatar": …}) before anything is stored when the file is refused."""
    _check_actor(creator, actor)
    thumbnail = avatar_thumbnail(upload)
    locked = _lock(creator)
    previous = locked.avatar.name
    locked.avatar.save("avatar.webp", ContentFile(thumbnail), save=False)  # the name comes from avatar_path
    update_fields(locked, avatar=locked.avatar.name)
    audit(actor=actor, action="creator.set_avatar", obj=locked, avatar=locked.avatar.name, bytes=len(thumbnail))
    _delete_file_on_commit(locked.avatar.storage, previous)
    return locked


@transaction.atomic
def creator_remove_avatar(*, creator: Creator, actor: User | None) -> Creator:
    """Remove the creator's picture: cards and pages show the generated initials again."""
    _check_actor(creator, actor)
    locked = _lock(creator)
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
    _check_actor(creator, actor)
    if len(samples) > MAX_CONTENT_SAMPLES:
        raise ValidationError(
            {"content_samples": _("List at most %(n)s content samples.") % {"n": MAX_CONTENT_SAMPLES}}
        )
    locked = _lock(creator)
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
    _check_actor(creator, actor)
    today = today or platform_today()
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day must not be before the first day.")})
    if ends_on < today:
        raise ValidationError({"ends_on": _("These dates are already in the past.")})
    locked = _lock(creator)
    period = BlackoutPeriod(creator=locked, starts_on=starts_on, ends_on=ends_on, note=note.strip())
    period.full_clean()
    period.save()
    _touch(locked)
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
    _check_actor(creator, actor)
    locked = _lock(creator)
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
    _touch(locked)


@transaction.atomic
def creator_signup(*, email: str, password: str, display_name: str, handle: str) -> Creator:
    """Create the user and the creator profile linked to it."""
    handle = handle.strip().lower()
    if Creator.objects.filter(handle__iexact=handle).exists():
        raise ValidationError({"handle": _("This handle is taken.")})
    user = user_create(email=email, password=password, full_name=display_name)
    creator = Creator(user=user, handle=handle, display_name=display_name.strip())
    creator.full_clean()
    creator.save()
    audit(actor=user, action="account.signed_up", obj=user, kind="creator", handle=handle)
    return creator
