"""What a webhook can say: the event types (one catalogue), which domain facts become which event, and the body.

The apps below announce facts through ``marketplace.core.events.announce`` in the transaction that makes
them ("collaboration.accept", "order.published"); :func:`event_type_for` names the public event, if any,
and :func:`event_body` is what every endpoint subscribed to it receives: the object as the API shows it.
"""

from __future__ import annotations

import json
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer

from orders.models import Collaboration, Order

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
}

EVENT_CHOICES = sorted(EVENT_TYPES)

# A collaboration's step → its public event; a step that leaves the deal disputed is "dispute.opened" whatever
# its name (opening one, reporting the post down, the third rejected script).
FROM_STEP = {
    "accept": "offer.accepted",
    "accept_counter": "offer.accepted",
    "decline": "offer.declined",
    "expire": "offer.expired",
    "submit_script": "script.submitted",
    "submit_video": "video.submitted",
    "publish": "collaboration.published",
    "accept_work": "work.accepted",
    "auto_accept": "work.accepted",
    "confirm_live": "collaboration.settled",
    "resolve": "dispute.decided",
}


def event_type_for(fact: str, obj) -> str | None:
    if fact == "order.published":
        return fact
    kind, _dot, step = fact.partition(".")
    if kind != "collaboration":
        return None
    if obj.status == Collaboration.Status.DISPUTED:
        return "dispute.opened"
    return FROM_STEP.get(step)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def owner_of(obj) -> tuple[str, int]:
    """(kind, brand id) of an announced object, from the row the transition holds (no query)."""
    if isinstance(obj, Order):
        return "order", obj.brand_id
    return "collaboration", obj.order.brand_id


def api_view_of(obj) -> dict:
    """The object as the API shows it (``GET /api/v1/orders/{id}/``, a collaboration in its list form)."""
    from orders.api.orders import OrderSerializer
    from orders.api.serializers import CollaborationSerializer

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
