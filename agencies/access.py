"""The agency-seat check, written once: every door (page, API, service) that asks "may this user act for
this agency?" calls ``agency_seat``. ``MEMBER`` lets in owners and managers, ``OWNER`` owners only
(who invite creators and end contracts). A refusal is ``NotAllowed`` (403, code ``not_allowed``).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.models import AgencyMembership
from marketplace.core import NotAllowed

MEMBER, OWNER = "member", "owner"


def agency_seat(user, *, need: str = MEMBER) -> AgencyMembership:
    """The user's agency seat, read afresh, if it allows ``need``; NotAllowed otherwise."""
    seat = None
    if user is not None and getattr(user, "pk", None):
        seat = AgencyMembership.objects.select_related("agency").filter(user=user).first()
    if seat is None:
        raise NotAllowed(_("Only members of an agency can do this."))
    if need == OWNER and not seat.can_manage:
        raise NotAllowed(_("Only an owner of this agency can do that."))
    return seat


def agency_member_required(view=None, *, owner: bool = False):
    """Let in members of an agency (403 for anyone else) and put their seat on ``request.agency_seat``."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            try:
                request.agency_seat = agency_seat(request.user, need=OWNER if owner else MEMBER)
            except NotAllowed as exc:
                raise PermissionDenied(exc.detail) from None
            return view_func(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator(view) if view is not None else decorator
