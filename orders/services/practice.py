"""Novice tasks: a practice offer from the built-in practice brand (docs/indices.md, "Novice tasks").

A creator in the departure stage asks for a practice offer from the growth page and walks the real flow on it:
answer the offer, submit a script, upload a video, publish with a test link, enter results. The deal runs on
the same transition function as every other; orders.services.collaborations states what makes it practice
(the steps it takes, no money at any step, the system answering for the practice brand), and
``Collaboration.objects.real()`` leaves it out of every aggregate.

The practice brand is one system brand (``Brand.is_practice``) ensured here: no seat, so no one can log in
as it, act for it or see its orders; it is never verified, so no directory or search lists it.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brands.models import Brand
from creators.models import Creator, RatePrice
from marketplace.core import Conflict, audit
from marketplace.core.models import ContentFormat
from orders import flows
from orders.models import Collaboration, CollaborationEvent, Order
from orders.services import notifications

PRACTICE_BRAND_SLUG = "starmap-practice-brand"
PRACTICE_BRAND_NAME = "Starmap Practice Brand"
# The price shown on a practice offer when the creator has no rate card yet (minor units): nothing is paid.
PRACTICE_PRICE = 100_00
DEFAULT_FORMAT = ContentFormat.SHORT_21_60
# A practice deal still running: the creator finishes (or declines) it before asking for another.
PRACTICE_OPEN = flows.AWAITING_CREATOR | flows.IN_DELIVERY | {Collaboration.Status.PUBLISHED}


def practice_brand_ensure() -> Brand:
    """The practice brand, made once (idempotent; safe under concurrent callers through the unique slug)."""
    brand, _created = Brand.objects.get_or_create(
        slug=PRACTICE_BRAND_SLUG,
        defaults={
            "name": PRACTICE_BRAND_NAME,
            "is_practice": True,
            "description": "The built-in brand of the novice tasks: a system account no one logs into.",
        },
    )
    return brand


def practice_open(creator: Creator) -> Collaboration | None:
    """The creator's practice deal still running, if any."""
    return Collaboration.objects.practice().filter(creator=creator, status__in=PRACTICE_OPEN).first()


@transaction.atomic
def practice_offer_send(*, creator: Creator, now: datetime | None = None) -> Collaboration:
    """Send the creator a practice offer from the practice brand, one at a time. Moves no money (no hold).

    Raises Conflict when a practice deal of theirs is still running.
    """
    now = now or timezone.now()
    Creator.objects.select_for_update().filter(pk=creator.pk).values_list("pk").first()  # one at a time
    if practice_open(creator) is not None:
        raise Conflict(_("Finish your practice offer before asking for another."), field="creator")
    brand = practice_brand_ensure()
    fmt, price = _format_and_price(creator)
    order = Order.objects.create(
        brand=brand,
        title=_("Practice: your first collaboration"),
        description=_(
            "A practice brief from the Starmap Practice Brand. Accept the offer, write a short script, upload "
            "a video, publish it with a test link and enter your first results. The practice brand answers "
            "each step at once. No money moves and nothing here counts in your record."
        ),
        product_name=_("Practice product"),
        format=fmt,
        currency=settings.CURRENCY,
        price_per_creator=price,
        creators_wanted=1,
        status=Order.Status.PUBLISHED,
        published_at=now,
    )
    c = Collaboration.objects.create(
        order=order,
        creator=creator,
        status=Collaboration.Status.OFFERED,
        origin=Collaboration.Origin.PRACTICE,
        currency=order.currency,
        agreed_price=price,
        offered_at=now,
        expires_at=None,  # a practice offer waits for the creator: no timer closes it
    )
    CollaborationEvent.objects.create(
        collaboration=c, action="offer", old_status="", new_status=c.status, actor=None, data={"practice": True}
    )
    audit(actor=creator.user, action="collaboration.practice_offer", obj=c, new=c.status)
    notifications.collaboration_changed(c, action="offer", actor_role="brand")
    return c


def _format_and_price(creator: Creator) -> tuple[str, int]:
    """The creator's first rate-card format and price (the offer is shown against it), else a default."""
    row = (
        RatePrice.objects.filter(creator=creator, effective_from__lte=timezone.localdate(), amount__gt=0)
        .order_by("format", "-effective_from")
        .values_list("format", "amount")
        .first()
    )
    return row if row else (DEFAULT_FORMAT, PRACTICE_PRICE)
