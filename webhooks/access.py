"""Whose endpoints a user manages, written once: a brand's owners and managers manage the brand's, an agency's
owners and managers the agency's (docs/webhooks.md). Everyone else is refused (``NotAllowed``: 403)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from agencies.access import MEMBER, agency_seat
from brands.access import EDITOR, brand_seat
from marketplace.core import NotAllowed
from marketplace.core.roles import role_of
from webhooks.events import catalogue_for


@dataclass(frozen=True)
class Owner:
    kind: str  # "brand" or "agency"
    pk: int

    @property
    def lookup(self) -> dict[str, int]:
        """The owner as a filter on an endpoint or an event (``brand_id=…`` or ``agency_id=…``)."""
        return {f"{self.kind}_id": self.pk}

    @property
    def event_types(self) -> dict[str, object]:
        """The events this owner's endpoints may choose, with their descriptions."""
        return catalogue_for(self.kind)


def webhook_owner(user) -> Owner:
    """The account whose endpoints ``user`` manages; NotAllowed for anyone who manages none."""
    role = role_of(user)
    if role is not None and role.is_agency:
        return Owner("agency", agency_seat(user, need=MEMBER).agency_id)
    return Owner("brand", brand_seat(user, need=EDITOR).brand_id)


def webhook_owner_required(view):
    """Pages: let in whoever manages endpoints (403 for anyone else) and put the owner on ``request.webhook_owner``."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            request.webhook_owner = webhook_owner(request.user)
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from None
        return view(request, *args, **kwargs)

    return login_required(wrapped)
