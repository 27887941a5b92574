"""Which side of a collaboration a user is on, decided in one place for the state machine, the pages,
the API and the downloads.

``collaboration_side`` answers ``"admin"`` (staff), ``"creator"`` (the collaboration's creator),
``"brand"`` (an owner or manager of the order's brand), ``"viewer"`` (a viewer of that brand: may look,
may not act), ``"agency"`` (a member of the agency that represents the creator now) or None (no side: a
404 wherever the collaboration is looked up). ``acting_side`` is the same without viewers, plus
``"system"`` for the timers (``user=None``): the side that may take a step.

An agency takes a creator's step only when its contract grants the power behind it
(``AGENCY_POWERS``): ``delegated_actions`` lists those steps, and the transition function records the
agency member as the actor.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from agencies.selectors import representation_for_member
from brands.access import EDITOR, seat_allows
from brands.models import BrandMembership
from marketplace.core.models import User
from orders.models import Collaboration

BRAND, CREATOR, ADMIN, SYSTEM, VIEWER, AGENCY = "brand", "creator", "admin", "system", "viewer", "agency"

# The creator's steps each power of an agency contract (agencies.models.POWERS) lets the agency take.
AGENCY_POWERS = {
    "answer_offers": frozenset({"accept", "decline", "counter", "withdraw_application", "reserve", "requote"}),
    "submit_deliverables": frozenset({"submit_script", "submit_video", "publish"}),
}


def collaboration_side(c: Collaboration, user: User | None) -> str | None:
    """The user's side of ``c`` (viewers included); None for a guest or a stranger."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_staff:
        return ADMIN
    if c.creator.user_id == user.pk:
        return CREATOR
    # Read afresh (not the request's cached seat): a step taken under a lock must see the role as it is now.
    seat = BrandMembership.objects.filter(user=user, brand_id=c.order.brand_id).first()
    if seat is None:
        if c.is_practice:  # a practice deal is the creator's own exercise: their agency is no side of it
            return None
        return AGENCY if representation_for_member(creator_id=c.creator_id, user=user) is not None else None
    return BRAND if seat_allows(seat, EDITOR) else VIEWER


def acting_side(c: Collaboration, user: User | None) -> str | None:
    """The side that may act on ``c``: ``"system"`` for the timers, None for viewers and strangers."""
    if user is None:
        return SYSTEM
    side = collaboration_side(c, user)
    return None if side == VIEWER else side


def delegated_actions(c: Collaboration, user: User | None) -> frozenset[str]:
    """The creator's steps on ``c`` that ``user`` may take for the creator: those the contract in force
    between the creator and the user's agency grants (empty for anyone else)."""
    rep = None if c.is_practice else representation_for_member(creator_id=c.creator_id, user=user)
    if rep is None:
        return frozenset()
    return frozenset().union(*(actions for power, actions in AGENCY_POWERS.items() if rep.may(power)))


# What the timeline and the API load with each recorded actor, so ``actor_side`` needs no query.
ACTOR_RELATED = ("actor__agency_membership__agency",)


def actor_side(c: Collaboration, actor: User | None) -> str:
    """Who took a recorded step on ``c``, by side: the timers (``"system"``), the creator, an admin, the
    creator's agency (a member of an agency: only the creator's may act) or the brand."""
    if actor is None:
        return SYSTEM
    if actor.pk == c.creator.user_id:
        return CREATOR
    if actor.is_staff:
        return ADMIN
    try:
        actor.agency_membership  # noqa: B018 - loaded with the actor (ACTOR_RELATED)
    except ObjectDoesNotExist:
        return BRAND
    return AGENCY
