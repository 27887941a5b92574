"""What the creator pages (the creators app, a layer below) read from the saved lists.

creators may not import matching; the directory and the creator page reach this through the plug-in point the
wiring names (``settings.CREATOR_LISTS``, loaded by ``marketplace.core.plugins.plugin``).
"""

from __future__ import annotations

from brands.access import seat_allows
from brands.selectors import membership_for_user
from matching.lists import favourite_ids


def favourites_of(user, creator_ids) -> set[int] | None:
    """Which of these creators the user's brand has starred; None for a user without a brand seat (who gets
    no star and no "save" buttons)."""
    seat = membership_for_user(user) if getattr(user, "is_authenticated", False) else None
    if not seat_allows(seat):
        return None
    return favourite_ids(seat.brand_id, creator_ids)
