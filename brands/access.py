"""The brand-seat check, written once: every door (page, API, service, import) that asks "may this user
act for this brand?" calls ``brand_seat``, so the rule and its messages cannot drift apart.

Seats: a user holds at most one (brands.BrandMembership). ``MEMBER`` lets in any role, ``EDITOR`` an
owner or a manager (who change orders, send offers, import results, top up the wallet), ``OWNER``
an owner (who manages members). A refusal is ``NotAllowed`` (403, code ``not_allowed``); pages turn
it into their 403 page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from brands.models import BrandMembership
from brands.selectors import membership_for_user
from marketplace.core import NotAllowed

MEMBER, EDITOR, OWNER = "member", "editor", "owner"


def seat_allows(seat: BrandMembership | None, need: str = MEMBER) -> bool:
    """Whether ``seat`` (None for no seat) allows what ``need`` names, without raising."""
    if seat is None:
        return False
    if need == EDITOR:
        return seat.can_edit_orders
    if need == OWNER:
        return seat.can_manage_members
    return True


def refusal(need: str) -> str:
    """The one message for a seat that does not allow ``need``."""
    if need == OWNER:
        return _("Only an owner of this brand can do that.")
    if need == EDITOR:
        return _("Only owners and managers of the brand can do this.")
    return _("Only members of a brand can use this operation.")


def brand_seat(user, *, need: str = MEMBER, brand_id: int | None = None) -> BrandMembership:
    """The user's seat, if it allows ``need`` (in brand ``brand_id`` when given); NotAllowed otherwise.

    Without ``brand_id`` (a request acting for the caller's own brand) the seat comes from the request's
    cache (``membership_for_user``); with it (a service acting on one brand's row) it is read afresh in the
    caller's transaction, so a role changed a moment ago counts.
    """
    if brand_id is None:
        seat = membership_for_user(user)
    elif user is None or not getattr(user, "pk", None):
        seat = None
    else:
        seat = BrandMembership.objects.select_related("brand").filter(user=user, brand_id=brand_id).first()
    if seat is None:
        raise NotAllowed(refusal(MEMBER))
    if not seat_allows(seat, need):
        raise NotAllowed(refusal(need))
    return seat


def brand_member_required(view=None, *, editor: bool = False, owner: bool = False):
    """Let in members of a brand (403 for anyone else) and put their seat on ``request.membership``.

    ``editor`` also requires an owner or manager (who may change orders); ``owner`` an owner.
    Guests are sent to the login page.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            try:
                membership = brand_seat(request.user, need=OWNER if owner else EDITOR if editor else MEMBER)
            except NotAllowed as exc:
                raise PermissionDenied(exc.detail) from None
            request.membership = membership
            return view_func(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator(view) if view is not None else decorator
