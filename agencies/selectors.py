"""Reads of the agencies app, scoped to the viewer: an agency sees its own roster and invitations only."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from agencies.models import Agency, AgencyMembership, Representation

R = Representation.Status


def seat_of(user) -> AgencyMembership | None:
    """The user's agency seat (None for none), read afresh."""
    if user is None or not getattr(user, "pk", None):
        return None
    return AgencyMembership.objects.select_related("agency").filter(user=user).first()


def representation_of(creator_id: int) -> Representation | None:
    """The creator's contract in force (None when the creator has no agency)."""
    return Representation.objects.select_related("agency").filter(creator_id=creator_id, status=R.ACTIVE).first()


def representation_for_member(*, creator_id: int, user) -> Representation | None:
    """The contract in force between ``creator_id`` and the user's agency; None unless the user sits in the
    agency that represents the creator now."""
    if user is None or not getattr(user, "pk", None):
        return None
    return (
        Representation.objects.select_related("agency")
        .filter(creator_id=creator_id, status=R.ACTIVE, agency__memberships__user=user)
        .first()
    )


def agency_terms(creator_id: int) -> dict:
    """The money terms of the creator's contract in force, as the ledger takes them (``agency_id``,
    ``agency_bps``); empty when the creator has no agency."""
    rep = representation_of(creator_id)
    return {"agency_id": rep.agency_id, "agency_bps": rep.share_bps} if rep is not None else {}


def agency_bps_in_force(creator_ref) -> Subquery:
    """``agency_terms``' share as a subquery (None without an agency), to annotate many rows in one query;
    ``creator_ref`` is the outer query's creator id (an ``OuterRef``)."""
    return Subquery(Representation.objects.filter(creator_id=creator_ref, status=R.ACTIVE).values("share_bps")[:1])


def roster_for_agency(agency: Agency) -> QuerySet[Representation]:
    """The agency's creators (contracts in force), with what the roster page shows in the same query."""
    return (
        Representation.objects.filter(agency=agency, status=R.ACTIVE)
        .select_related("creator")
        .order_by("creator__display_name", "pk")
    )


def invitations_for_agency(agency: Agency) -> QuerySet[Representation]:
    return Representation.objects.filter(agency=agency, status=R.INVITED).select_related("creator")


def representations_for_creator(creator) -> QuerySet[Representation]:
    """The creator's invitations and contract in force, newest first."""
    return Representation.objects.filter(creator=creator, status__in=Representation.LIVE).select_related("agency")


def roster_creator_ids(user) -> QuerySet:
    """The ids of the creators the user's agency represents now (a subquery; empty for anyone else)."""
    if user is None or not getattr(user, "pk", None):
        return Representation.objects.none().values("creator_id")
    return Representation.objects.filter(status=R.ACTIVE, agency__memberships__user=user).values("creator_id")
