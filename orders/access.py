"""Which side of a collaboration a user is on, decided in one place for the state machine, the pages,
the API and the downloads.

``collaboration_side`` answers ``"admin"`` (staff), ``"creator"`` (the collaboration's creator),
``"brand"`` (an owner or manager of the order's brand), ``"viewer"`` (a viewer of that brand: may look,
may not act) or None (no side: a 404 wherever the collaboration is looked up). ``acting_side`` is the
same without viewers, plus ``"system"`` for the timers (``user=None``): the side that may take a step.
"""

from __future__ import annotations

from brands.access import EDITOR, seat_allows
from brands.models import BrandMembership
from marketplace.core.models import User
from orders.models import Collaboration

BRAND, CREATOR, ADMIN, SYSTEM, VIEWER = "brand", "creator", "admin", "system", "viewer"


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
        return None
    return BRAND if seat_allows(seat, EDITOR) else VIEWER


def acting_side(c: Collaboration, user: User | None) -> str | None:
    """The side that may act on ``c``: ``"system"`` for the timers, None for viewers and strangers."""
    if user is None:
        return SYSTEM
    side = collaboration_side(c, user)
    return None if side == VIEWER else side
