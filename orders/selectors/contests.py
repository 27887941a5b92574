"""Reads of submission contests, scoped to the viewer: the one scope the API and the pages share."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from brands.models import BrandMembership
from orders.models import Contest, ContestEntry, Order


def visible_contests(user) -> QuerySet[Contest]:
    """Staff see every contest; a brand's members their brand's; creators every published contest (an open
    call) and the ones they entered; nobody else any."""
    qs = Contest.objects.select_related("order", "order__brand")
    if not user.is_authenticated:
        return qs.none()
    if user.is_staff:
        return qs
    if hasattr(user, "creator"):
        return qs.filter(Q(order__status=Order.Status.PUBLISHED) | Q(entries__creator__user=user)).distinct()
    brands = BrandMembership.objects.filter(user=user).values("brand_id")
    return qs.filter(order__brand_id__in=brands)


def contest_for_viewer(*, user, pk: int) -> Contest:
    """One contest the viewer may see; Http404 otherwise (an id reveals nothing)."""
    contest = visible_contests(user).filter(pk=pk).first()
    if contest is None:
        raise Http404
    return contest


def contests_to_enter(*, user) -> QuerySet[Contest]:
    """Open contests a creator has not entered yet, closing soonest first."""
    return (
        visible_contests(user)
        .filter(status=Contest.Status.OPEN, order__status=Order.Status.PUBLISHED)
        .exclude(entries__creator__user=user)
        .order_by("submit_until", "pk")
    )


def entries_of_creator(*, user) -> QuerySet[ContestEntry]:
    """The creator's own entries, newest first, with their contest."""
    return (
        ContestEntry.objects.filter(creator__user=user)
        .select_related("contest__order", "contest__order__brand")
        .order_by("-submitted_at", "-pk")
    )


def entry_for_viewer(*, user, pk: int) -> ContestEntry:
    """An entry its creator, the brand's members or staff may act on; Http404 for anyone else."""
    from orders.services.contests import entry_side

    entry = ContestEntry.objects.select_related("contest__order", "creator").filter(pk=pk).first()
    if entry is None or entry_side(entry, user) is None:
        raise Http404
    return entry


def disputed_contests() -> QuerySet[Contest]:
    """Contests whose results are disputed, for the staff queue: oldest ranking first."""
    return (
        Contest.objects.filter(status=Contest.Status.DISPUTED)
        .select_related("order", "order__brand")
        .order_by("ranked_at", "pk")
    )
