"""What the deal operations share: parsers, error maps, caller-scoped lookups."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser

from agencies.selectors import roster_creator_ids
from creators.models import Creator
from marketplace.core.api.common import JSONParser
from marketplace.core.api.fields import validated
from marketplace.core.roles import role_of
from orders.access import SYSTEM
from orders.models import Collaboration
from orders.selectors import deals as reads
from orders.services.collaborations import ACTIONS
from payouts.services.idempotency import brand_scope, creator_scope, staff_scope

S = Collaboration.Status
# Steps people take through the API: every step but the timers' (those only the system takes: expire,
# auto_accept, count_plays, auto_confirm_plays); resolve is /disputes/{id}/decide/.
API_ACTIONS = [name for name, step in ACTIONS.items() if step.actors != {SYSTEM}]
# The steps that move money need an Idempotency-Key and count against the money throttle.
MONEY_STEPS = {name for name in API_ACTIONS if ACTIONS[name].money}


class JsonPost:
    parser_classes = [JSONParser]


class UploadPost:
    parser_classes = [MultiPartParser]


def _valid(serializer_class, request) -> dict:
    """The request's validated data, or a 400 whose errors are flat lists of text (as the error body says)."""
    return validated(serializer_class(data=request.data))


# ------------------------------------------------------------------ lookups


def _fresh(pk: int) -> Collaboration:
    return Collaboration.objects.select_related("order__brand", "creator").get(pk=pk)


def _party(request, pk: int) -> tuple[Collaboration, str]:
    """The collaboration for a POST: 404 unless the caller sees it, 403 for a brand's read-only viewers."""
    c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
    if side == "viewer":
        raise PermissionDenied(_("Viewers of a brand cannot act on its collaborations."))
    return c, side


def _caller_scope(request, c: Collaboration, side: str) -> str:
    """Whose keys an Idempotency-Key belongs to: the brand's, the creator's, or this admin's or agency
    member's own."""
    if side == "brand":
        return brand_scope(c.order.brand_id)
    if side == "creator":
        return creator_scope(c.creator_id)
    return staff_scope(request.user.pk)


def _own_creator(request) -> Creator:
    role = role_of(request.user)
    if role is None or not role.is_creator:
        raise PermissionDenied(_("Only creators can do this."))
    return request.user.creator


def _visible_collaborations(user):
    role = role_of(user)
    qs = Collaboration.objects.select_related("order__brand", "creator")
    if role is None:
        return qs.none()
    if role.is_staff:
        return qs
    if role.is_brand:
        return qs.filter(order__brand_id=user.brand_membership.brand_id)
    if role.is_creator:
        return qs.filter(creator=user.creator)
    # An agency's members see the real collaborations of the creators it represents now, and no others (a practice
    # deal is the creator's own exercise).
    return qs.real().filter(creator_id__in=roster_creator_ids(user))
