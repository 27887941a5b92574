"""Who may open a page: decorators shared by the brand, order, deal and money views."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from brands.selectors import membership_for_user


def brand_member_required(view=None, *, editor: bool = False, owner: bool = False):
    """Let in members of a brand (403 for anyone else) and put their seat on ``request.membership``.

    ``editor`` also requires an owner or manager (who may change orders); ``owner`` an owner.
    Guests are sent to the login page.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            membership = membership_for_user(request.user)
            if membership is None:
                raise PermissionDenied
            if (editor and not membership.can_edit_orders) or (owner and not membership.can_manage_members):
                raise PermissionDenied
            request.membership = membership
            return view_func(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator(view) if view is not None else decorator


def staff_required(view):
    """Staff only: guests go to the login page, everyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)
