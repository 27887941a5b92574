"""What a webhook can say: the event types (one catalogue), which domain facts become which event, and the body.

The apps below announce facts through ``marketplace.core.events.announce`` in the transaction that makes
them ("collaboration.accept", "order.published"); :func:`event_type_for` names the public event, if any,
and :func:`event_body` is what every endpoint subscribed to it receives: the object as the API shows it.
"""

from __future__ import annotations

import json
import secrets

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer

from agencies.models import Representation
from orders.models import Collaboration, Order
from payouts.models import Payout

EVENT_TYPES: dict[str, object] = {
    "order.published": _("An order was published"),
    "offer.accepted": _("A creator accepted an offer (or you accepted their counter-offer)"),
    "offer.declined": _("A creator declined an offer"),
    "offer.expired": _("An offer or application lapsed unanswered"),
    "script.submitted": _("A creator submitted a script"),
    "video.submitted": _("A creator submitted a video"),
    "collaboration.published": _("A creator published the post"),
    "work.accepted": _("The published work was accepted (by you, or automatically after 7 days)"),
    "collaboration.settled": _("The post stayed live and the payment settled"),
    "dispute.opened": _("A dispute was opened"),
    "dispute.decided": _("An admin decided a dispute"),
    # The ways to pay of docs/deals.md: a deposit deal's re-quote, balance and forfeit, a pay-per-play deal's
    # counted plays (confirmed ones settle the deal: collaboration.settled), and paid extensions of usage rights.
    "offer.requoted": _("A creator re-quoted the price of a deposit deal"),
    "balance.paid": _("A deposit deal's balance was paid: the price is in escrow"),
    "deposit.forfeited": _("A deposit deal's balance went unpaid: the deposit went to the creator"),
    "plays.counted": _("The plays of a pay-per-play deal were counted: confirm or dispute them within 3 days"),
    "rights.extended": _("The usage rights of a deal were extended and paid"),
}

# A payout's event goes to whoever owns the payout, where that owner can have endpoints: an agency's payout to the
# agency. A creator has no endpoints (docs/webhooks.md), and a brand never hears of anyone's payout, so the
# brand's catalogue above does not offer it.
PAYOUT_EVENT_TYPES: dict[str, object] = {
    "payout.sent": _("A payout was sent to your bank account"),
}

ALL_EVENT_TYPES: dict[str, object] = {**EVENT_TYPES, **PAYOUT_EVENT_TYPES}

# An agency hears of its roster's deals (every collaboration event; orders are the brand's) and of its payouts.
# Where the brand's wording says "you" (the brand), the agency reads who did it instead.
AGENCY_WORDING: dict[str, object] = {
    "offer.accepted": _("A creator accepted an offer (or the brand accepted their counter-offer)"),
    "work.accepted": _("The published work was accepted (by the brand, or automatically after 7 days)"),
}
AGENCY_EVENT_TYPES: dict[str, object] = {
    **{name: AGENCY_WORDING.get(name, text) for name, text in EVENT_TYPES.items() if name != "order.published"},
    **PAYOUT_EVENT_TYPES,
}


def catalogue_for(owner_kind: str) -> dict[str, object]:
    """The events an owner of this kind ("brand", "agency") may subscribe to."""
    return AGENCY_EVENT_TYPES if owner_kind == "agency" else EVENT_TYPES


EVENT_CHOICES = sorted(ALL_EVENT_TYPES)

# A collaboration's step → its public event; a step that leaves the deal disputed is "dispute.opened" whatever
# its name (opening one, reporting the post down, the third rejected script).
FROM_STEP = {
    "accept": "offer.accepted",
    "accept_counter": "offer.accepted",
    "reserve": "offer.accepted",  # a deposit offer accepted: the deposit reserves the creator
    "decline": "offer.declined",
    "expire": "offer.expired",
    "submit_script": "script.submitted",
    "submit_video": "video.submitted",
    "publish": "collaboration.published",
    "accept_work": "work.accepted",
    "auto_accept": "work.accepted",
    "confirm_live": "collaboration.settled",
    "auto_confirm_live": "collaboration.settled",
    "resolve": "dispute.decided",
    "requote": "offer.requoted",
    "pay_balance": "balance.paid",
    "forfeit_deposit": "deposit.forfeited",
    "count_plays": "plays.counted",
    "confirm_plays": "collaboration.settled",
    "auto_confirm_plays": "collaboration.settled",
    "extend_rights": "rights.extended",
}


def event_type_for(fact: str, obj) -> str | None:
    if fact in ("order.published", "payout.sent"):
        return fact
    kind, _dot, step = fact.partition(".")
    if kind != "collaboration" or obj.is_practice:  # a practice deal tells no integration anything
        return None
    if obj.status == Collaboration.Status.DISPUTED:
        return "dispute.opened"
    return FROM_STEP.get(step)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def audience_of(obj) -> tuple[str, Q]:
    """The announced object's kind, and which endpoints' owners are told of it, as one filter (one query, from the
    row the transition holds): an order's brand; a collaboration's brand and the agency that represents its creator
    now; an agency's payout the agency. A creator's payout: nobody (creators have no endpoints)."""
    if isinstance(obj, Payout):
        return "payout", Q(agency_id=obj.agency_id) if obj.agency_id is not None else Q(pk__in=[])
    if isinstance(obj, Order):
        return "order", Q(brand_id=obj.brand_id)
    representing = Q(
        agency__representations__creator_id=obj.creator_id,
        agency__representations__status=Representation.Status.ACTIVE,
    )
    return "collaboration", Q(brand_id=obj.order.brand_id) | representing


def api_view_of(obj) -> dict:
    """The object as the API shows it (``GET /api/v1/orders/{id}/``, a collaboration in its list form, a payout as
    ``GET /api/v1/agency/payouts/`` lists it)."""
    from orders.api.orders import OrderSerializer
    from orders.api.serializers import CollaborationSerializer
    from payouts.api import PayoutSerializer

    if isinstance(obj, Payout):
        return PayoutSerializer(obj).data
    if isinstance(obj, Order):
        return OrderSerializer(obj).data
    return CollaborationSerializer(Collaboration.objects.select_related("order__brand", "creator").get(pk=obj.pk)).data


def event_body(*, event_id: str, event_type: str, kind: str, data: dict, at=None) -> dict:
    """The JSON every endpoint receives: its id (also the ``webhook-id`` header), type, time and the object."""
    at = at or timezone.now()
    return {
        "id": event_id,
        "type": event_type,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "object": kind,
        "data": json.loads(JSONRenderer().render(data)),
    }
