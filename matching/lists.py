"""A brand's saved lists of creators and its favourites: the writes (services) and reads (selectors).

Every function takes the brand's id from the caller's seat (``brands.access.brand_seat``), never from the
request: a list of another brand is not found (Http404 on the pages), whatever its id.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from creators.models import Creator
from marketplace.core import audit
from matching.models import CreatorList, CreatorListEntry

MAX_LISTS = 100  # per brand
MAX_ENTRIES = 500  # per list
COMPARE_MAX = 4  # creators side by side


# ------------------------------------------------------------------ reads


def lists_for_brand(brand_id: int) -> QuerySet[CreatorList]:
    """The brand's lists, favourites first, each with ``size`` (its number of creators)."""
    return CreatorList.objects.filter(brand_id=brand_id).annotate(size=Count("entries"))


def list_get_for_brand(*, brand_id: int, pk: int, lock: bool = False) -> CreatorList:
    """One of the brand's lists; Http404 for an unknown id and for another brand's list alike."""
    lists = CreatorList.objects.select_for_update() if lock else CreatorList.objects
    found = lists.filter(brand_id=brand_id, pk=pk).first()
    if found is None:
        raise Http404
    return found


def list_creators(creator_list: CreatorList) -> list[Creator]:
    """The creators on the list, last added first (hidden creators are left out)."""
    ids = list(creator_list.entries.values_list("creator_id", flat=True))
    by_id = Creator.objects.filter(is_active=True).in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def favourite_ids(brand_id: int, creator_ids) -> set[int]:
    """Which of these creators the brand has starred."""
    return set(
        CreatorListEntry.objects.filter(
            creator_list__brand_id=brand_id, creator_list__is_favourites=True, creator_id__in=list(creator_ids)
        ).values_list("creator_id", flat=True)
    )


def creators_by_ids(creator_ids: list[int]) -> list[Creator]:
    """Active creators by id, in the order given (unknown and hidden ones left out), with their rate cards."""
    by_id = Creator.objects.filter(is_active=True).prefetch_related("rate_prices").in_bulk(creator_ids)
    return [by_id[i] for i in creator_ids if i in by_id]


def creators_for_compare(creator_ids: list[int]) -> list[Creator]:
    """The first COMPARE_MAX of these creators that brands can see."""
    return creators_by_ids(creator_ids)[:COMPARE_MAX]


def list_ids_holding(brand_id: int, creator_id: int) -> set[int]:
    """The brand's lists this creator is on."""
    return set(
        CreatorListEntry.objects.filter(creator_list__brand_id=brand_id, creator_id=creator_id).values_list(
            "creator_list_id", flat=True
        )
    )


# ------------------------------------------------------------------ writes


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the list a name.")})
    return name


def _save(creator_list: CreatorList) -> CreatorList:
    creator_list.full_clean(exclude=["brand", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            creator_list.save()
    except IntegrityError:
        raise ValidationError({"name": _("You already have a list with this name.")}) from None
    return creator_list


@transaction.atomic
def creator_list_create(*, brand_id: int, actor, name: str) -> CreatorList:
    """A new, empty list. ValidationError for an empty or taken name, or past MAX_LISTS lists."""
    if CreatorList.objects.filter(brand_id=brand_id).count() >= MAX_LISTS:
        raise ValidationError({"name": _("A brand can keep at most %(n)s lists.") % {"n": MAX_LISTS}})
    creator_list = _save(CreatorList(brand_id=brand_id, name=_clean_name(name), created_by=actor))
    audit(actor=actor, action="creator_list.create", obj=creator_list, name=creator_list.name)
    return creator_list


@transaction.atomic
def creator_list_rename(*, brand_id: int, pk: int, actor, name: str) -> CreatorList:
    creator_list = list_get_for_brand(brand_id=brand_id, pk=pk, lock=True)
    if creator_list.is_favourites:
        raise ValidationError({"name": _("Favourites cannot be renamed.")})
    old = creator_list.name
    creator_list.name = _clean_name(name)
    _save(creator_list)
    audit(actor=actor, action="creator_list.rename", obj=creator_list, old=old, new=creator_list.name)
    return creator_list


@transaction.atomic
def creator_list_delete(*, brand_id: int, pk: int, actor) -> str:
    """Deletes the list and its entries (never the creators); returns its name."""
    creator_list = list_get_for_brand(brand_id=brand_id, pk=pk, lock=True)
    if creator_list.is_favourites:
        raise ValidationError(_("Favourites cannot be deleted; remove the creators instead."))
    audit(actor=actor, action="creator_list.delete", obj=creator_list, name=creator_list.name)
    creator_list.delete()
    return creator_list.name


def creator_get_active(creator_id: int) -> Creator:
    """A creator brands can see; Http404 for an unknown or hidden one."""
    creator = Creator.objects.filter(pk=creator_id, is_active=True).first()
    if creator is None:
        raise Http404
    return creator


@transaction.atomic
def creator_list_add(*, brand_id: int, pk: int, actor, creator_id: int) -> bool:
    """Puts the creator on the list; False when they were on it already. Http404 for an unknown creator."""
    creator_list = list_get_for_brand(brand_id=brand_id, pk=pk, lock=True)
    return _add(creator_list, creator_get_active(creator_id), actor)


def _add(creator_list: CreatorList, creator: Creator, actor) -> bool:
    if creator_list.entries.filter(creator=creator).exists():
        return False
    if creator_list.entries.count() >= MAX_ENTRIES:
        raise ValidationError(_("A list holds at most %(n)s creators.") % {"n": MAX_ENTRIES})
    CreatorListEntry.objects.create(creator_list=creator_list, creator=creator, added_by=actor)
    creator_list.save(update_fields=["updated_at"])
    audit(actor=actor, action="creator_list.add", obj=creator_list, creator=creator.pk)
    return True


@transaction.atomic
def creator_list_remove(*, brand_id: int, pk: int, actor, creator_id: int) -> bool:
    """Takes the creator off the list; False when they were not on it."""
    creator_list = list_get_for_brand(brand_id=brand_id, pk=pk, lock=True)
    removed, _rows = creator_list.entries.filter(creator_id=creator_id).delete()
    if removed:
        creator_list.save(update_fields=["updated_at"])
        audit(actor=actor, action="creator_list.remove", obj=creator_list, creator=creator_id)
    return bool(removed)


@transaction.atomic
def favourite_toggle(*, brand_id: int, actor, creator_id: int) -> bool:
    """Stars the creator, or unstars one already starred; True when the creator is a favourite now.

    The favourites list is made on first use (get_or_create under its unique constraint, so two first
    stars at once make one list)."""
    creator = creator_get_active(creator_id)
    favourites, _made = CreatorList.objects.get_or_create(
        brand_id=brand_id, is_favourites=True, defaults={"name": "", "created_by": actor}
    )
    favourites = CreatorList.objects.select_for_update().get(pk=favourites.pk)
    if creator_list_remove(brand_id=brand_id, pk=favourites.pk, actor=actor, creator_id=creator.pk):
        return False
    return _add(favourites, creator, actor)
