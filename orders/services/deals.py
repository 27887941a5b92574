"""Starting and running deals: offers, applications, messages, ratings, timers (deliverables and disputes'
evidence: orders.services.deliverables).

Status changes all go through orders.services.collaborations.collaboration_transition; the
functions here create collaborations or record what happened on one and then call it, in one
transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from brands.access import EDITOR, brand_seat
from brands.models import BrandBlock
from creators.models import Creator, RatePrice
from marketplace.core import Conflict, DomainError, InvalidTransition, NotAllowed, audit, check_amount
from marketplace.core.models import User
from marketplace.core.plugins import plugin
from orders import deposits, flows, negotiation, pay_per_play
from orders.access import CREATOR, acting_side
from orders.models import Collaboration, CollaborationEvent, Order
from orders.services import notifications
from orders.services.collaborations import (
    ACTIONS,
    AUTO_ACCEPT_AFTER,
    OFFER_TTL,
    STAYS_LIVE_FOR,
    collaboration_transition,
)
from orders.services.rights import rights_timers_run
from orders.services.track_record import track_record_refresh
from payouts import services as money
from payouts.services.idempotency import brand_scope, idempotent, system_key

S = Collaboration.Status


# ----------------------------------------------------------------- offers


def current_price(creator: Creator, fmt: str, *, on=None) -> int | None:
    """The creator's rate-card price for a format in force on a day (today by default)."""
    on = on or timezone.localdate()
    return (
        RatePrice.objects.filter(creator=creator, format=fmt, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("amount", flat=True)
        .first()
    )


def _require_editor(actor: User, brand_id: int) -> None:
    brand_seat(actor, need=EDITOR, brand_id=brand_id)


def _check_creator_for(order: Order, creator: Creator) -> None:
    if not creator.is_active or creator.verification != "verified":
        raise Conflict(_("This creator is not active and verified."), field="creator")
    if BrandBlock.objects.filter(brand_id=order.brand_id, creator=creator).exists():
        raise Conflict(_("This creator is blocked by the brand."), field="creator")
    if Collaboration.objects.filter(order=order, creator=creator).exists():
        raise Conflict(_("This creator is already on the order."), field="creator")


def offer_send(
    *,
    order_id: int,
    creator_id: int,
    actor: User,
    idempotency_key: str,
    price: int | None = None,
    note: str = "",
    now: datetime | None = None,
):
    """Offer the creator a place at ``price`` (the brand's choice; their rate-card price when None), with a
    note, and hold that money (brand available → held).

    Idempotent per brand and key. Raises InsufficientFunds when the wallet is short, Conflict when
    the creator cannot take it (blocked, not verified, already on the order, no price given and none
    on the rate card), DomainError on a bad price or note.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError(_("No such order."), field="order")
    _require_editor(actor, order.brand_id)
    if price is not None:
        check_amount(price, field="price")
    note = negotiation.clean_note(note)
    return idempotent(
        scope=brand_scope(order.brand_id),
        key=idempotency_key,
        operation="offer_send",
        params=_offer_params(order_id, creator_id, price, note),
        perform=lambda: _offer_send(
            order_id=order_id, creator_id=creator_id, actor=actor, price=price, note=note, now=now or timezone.now()
        ),
    )


def _offer_params(order_id: int, creator_id: int, price: int | None, note: str) -> dict:
    """What an offer's idempotency key is bound to. A price or a note is named only when given, so an offer at
    the rate card without a note has the fingerprint offers had before they took either: a key stored by an
    earlier version still replays after an upgrade instead of being refused as another request."""
    params = {"order_id": order_id, "creator_id": creator_id}
    if price is not None:
        params["price"] = price
    if note:
        params["note"] = note
    return params


def _offer_send(*, order_id: int, creator_id: int, actor: User, price: int | None, note: str, now: datetime):
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == Order.Status.CLOSED:
        raise Conflict(_("The order is closed: it takes no more offers."), field="order")
    if order.status not in flows.OPEN_FOR_DEALS:
        raise Conflict(_("Publish the order before sending offers."), field="order")
    creator = Creator.objects.filter(pk=creator_id).first()
    if creator is None:
        raise DomainError(_("No such creator."), field="creator")
    _check_creator_for(order, creator)
    listed = current_price(creator, order.format)
    if price is None and listed is None:
        raise Conflict(_("The creator has no rate-card price for this format: give a price."), field="price")
    price = listed if price is None else price
    # The deal's price is the work plus the usage rights the order states, priced in one place (orders.rights)
    # on the price for the work (a per-play deal's maximum); the hold, the negotiation band, a deposit and the
    # contract all read that total (docs/deals.md, "Usage rights with pay per play and deposits").
    work = price
    rights = negotiation.rights_quote(order=order, creator=creator, work_price=work)
    price = work + rights.price
    terms = _play_terms(order, work=work, total=price)
    collaboration = Collaboration.objects.create(
        order=order,
        creator=creator,
        status=S.OFFERED,
        origin=Collaboration.Origin.OFFER,
        currency=order.currency,
        agreed_price=price,
        rights_terms=rights.terms,
        rights_price=rights.price,
        list_price=listed,
        offer_note=note,
        offered_at=now,
        expires_at=now + OFFER_TTL,
        **terms,
        **_expected(order, creator),
    )
    money.hold(
        order_id=order.pk,
        collaboration_id=collaboration.pk,
        amount=collaboration.deposit or price,  # a deposit order holds only the deposit (orders.deposits)
        idempotency_key=system_key("collab", collaboration.pk, "offer", "hold"),
        actor=actor,
    )
    _record(
        collaboration,
        "offer",
        actor,
        old="",
        new=S.OFFERED,
        comment=note,
        data={
            "price": price,
            "list": listed,
            "rights": rights.price,
            **{k: v for k, v in terms.items() if k != "pricing"},
        },
    )
    notifications.collaboration_changed(collaboration, action="offer", actor_role="brand")
    return collaboration


@transaction.atomic
def offer_counter(*, collaboration_id: int, actor: User, price: int, note: str = "", now: datetime | None = None):
    """The creator's one counter to an offer (orders.negotiation): within ±20 % of the offered price, before
    the offer lapses. No money moves until the brand accepts it."""
    return collaboration_transition(
        collaboration_id=collaboration_id,
        action="counter",
        actor=actor,
        comment=negotiation.clean_note(note),
        payload={"price": price, "note": note},
        now=now,
    )


def _play_terms(order: Order, *, work: int, total: int) -> dict:
    """The pricing a deal on ``order`` is made on, frozen on the collaboration: a per-play order's base and
    rate, with ``work`` (the offer's price for the work, or the order's maximum) as the most the plays pay
    (orders.pay_per_play); a deposit order's deposit on ``total``, the deal's price with its usage rights
    (orders.deposits)."""
    if order.pricing == Order.Pricing.DEPOSIT:
        return {"pricing": order.pricing, "deposit": deposits.deposit_for(total)}
    if not order.per_play:
        return {}
    pay_per_play.check_terms(base=order.play_base, rate=order.play_rate, cap=work, currency=order.currency)
    return {"pricing": order.pricing, "play_base": order.play_base, "play_rate": order.play_rate}


@transaction.atomic
def deposit_requote(*, collaboration_id: int, actor: User, price: int, note: str = "", now: datetime | None = None):
    """The creator's one re-quote of a deposit deal (orders.deposits): within ±20 % of the price and 24 hours
    of accepting. No money moves until the brand pays the balance at it."""
    return collaboration_transition(
        collaboration_id=collaboration_id,
        action="requote",
        actor=actor,
        comment=negotiation.clean_note(note),
        payload={"price": price, "note": note},
        now=now,
    )


def _expected(order: Order, creator: Creator) -> dict:
    """What the matcher expected of this creator on this order, frozen at offer time (matching answers)."""
    return plugin("ORDER_MATCHING").expected_for(order, creator)


def _record(c: Collaboration, action: str, actor, *, old: str, new: str, comment: str = "", data=None) -> None:
    CollaborationEvent.objects.create(
        collaboration=c, action=action, old_status=old, new_status=new, actor=actor, comment=comment, data=data or {}
    )
    audit(actor=actor, action=f"collaboration.{action}", obj=c, old=old, new=new, **(data or {}))


# ----------------------------------------------------------- applications


@transaction.atomic
def application_submit(*, order_id: int, actor: User, quote: int, pitch: str, now: datetime | None = None):
    """A creator applies to an open recruitment order with a quote within ±20 % of the listed price."""
    now = now or timezone.now()
    creator = Creator.objects.filter(user=actor).first()
    if creator is None:
        raise NotAllowed(_("Only creators can apply."))
    order = (
        Order.objects.filter(pk=order_id, status__in=flows.OPEN_FOR_DEALS, mode=Order.Mode.RECRUITMENT)
        .exclude(pricing=Order.Pricing.DEPOSIT)
        .first()
    )
    if order is None:
        raise DomainError(_("This order is not open for applications."), field="order")
    if order.apply_by and now > order.apply_by:
        when = formats.date_format(timezone.localtime(order.apply_by), "SHORT_DATETIME_FORMAT")
        raise Conflict(_("Applications closed on %(day)s.") % {"day": when}, field="order")
    if order.per_play:
        # A per-play order's terms are the brand's: the creator applies at them, the maximum is the quote.
        quote = order.per_creator_budget()
    negotiation.check_in_band(quote, reference=order.per_creator_budget(), currency=order.currency, field="quote")
    pitch = (pitch or "").strip()
    if not pitch or len(pitch) > 2000 or "\x00" in pitch:
        raise DomainError(_("Write a short pitch (up to 2,000 characters)."), field="pitch")
    _check_creator_for(order, creator)
    expires = max(order.apply_by or now, now) + OFFER_TTL
    rights = negotiation.rights_quote(order=order, creator=creator, work_price=quote)
    try:
        with transaction.atomic():
            c = Collaboration.objects.create(
                order=order,
                creator=creator,
                status=S.APPLIED,
                origin=Collaboration.Origin.APPLICATION,
                currency=order.currency,
                agreed_price=quote + rights.price,
                rights_terms=rights.terms,
                rights_price=rights.price,
                pitch=pitch,
                offered_at=now,
                expires_at=expires,
                **_play_terms(order, work=quote, total=quote + rights.price),
                **_expected(order, creator),
            )
    except IntegrityError:
        raise Conflict(_("You already applied to this order."), field="order") from None
    _record(c, "apply", actor, old="", new=S.APPLIED, data={"quote": quote, "rights": rights.price})
    notifications.collaboration_changed(c, action="apply", actor_role=CREATOR)
    return c


# ------------------------------------------------------- messages, ratings


@transaction.atomic
def collaboration_comment(*, collaboration_id: int, actor: User, text: str) -> CollaborationEvent:
    """A message on the collaboration's timeline; either party or an admin."""
    c = Collaboration.objects.select_related("order", "creator").get(pk=collaboration_id)
    role = acting_side(c, actor)
    if role in (None, "system"):
        raise NotAllowed(_("Only the brand, the creator or an admin can write here."))
    text = (text or "").strip()
    if not text or len(text) > 4000 or "\x00" in text:
        raise DomainError(_("Write a message (up to 4,000 characters)."), field="text")
    event = CollaborationEvent.objects.create(
        collaboration=c, action="comment", old_status=c.status, new_status=c.status, actor=actor, comment=text
    )
    notifications.collaboration_changed(c, action="comment", actor_role=role, comment=text[:200])
    return event


@transaction.atomic
def collaboration_rate(*, collaboration_id: int, actor: User, rating: int, comment: str = "") -> Collaboration:
    """After completion each side rates the other once (1–5); the creator's record is recomputed."""
    c = Collaboration.objects.select_for_update(no_key=True).select_related("order", "creator").get(pk=collaboration_id)
    role = acting_side(c, actor)
    if role not in ("brand", "creator"):
        raise NotAllowed(_("Only the brand and the creator rate a collaboration."))
    if c.status not in flows.WORK_ACCEPTED:
        raise InvalidTransition(_("Rate once the work is completed."), field="status")
    if c.is_practice:
        raise Conflict(_("A practice collaboration is not rated: nothing in it counts."), field="rating")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(_("Give 1 to 5 stars."), field="rating")
    field = "brand_rating" if role == "brand" else "creator_rating"
    if getattr(c, field) is not None:
        raise Conflict(_("You already rated this collaboration."), field="rating")
    setattr(c, field, rating)
    setattr(c, "brand_comment" if role == "brand" else "creator_comment", (comment or "").strip()[:2000])
    c.save(update_fields=[field, "brand_comment" if role == "brand" else "creator_comment", "updated_at"])
    _record(c, "rate", actor, old=c.status, new=c.status, comment=comment, data={"by": role, "rating": rating})
    notifications.collaboration_changed(c, action="rate", actor_role=role)
    if role == "brand":
        creator_record_refresh(creator_id=c.creator_id)
    return c


def creator_record_refresh(*, creator_id: int) -> None:
    """Fulfilment rate, average rating, their counts and completed orders, from all deals and any
    imported aggregate (orders.services.track_record). Bumps ``updated_at``, so the matcher
    patches the creator's reliability in."""
    track_record_refresh(creator_ids=[creator_id])


# ------------------------------------------------------------------ timers


def timers_run(*, now: datetime | None = None) -> dict[str, int]:
    """Expire offers and applications, auto-accept published work, settle completed work whose post has stayed
    up (the stays-live check), count and confirm plays, forfeit unpaid deposits, flag missed deadlines.

    Each due collaboration goes through the same transition as a person's click, in its own
    transaction; one that another run already moved is skipped, so running twice has one effect.
    Disputed collaborations are never due: their timers are paused.
    """
    now = now or timezone.now()
    counted = {"expire": "expired", "auto_accept": "auto_accepted", "count_plays": "plays_counted"}
    counted.update(auto_confirm_live="live_confirmed")
    counted.update(auto_confirm_plays="plays_confirmed", forfeit_deposit="deposits_forfeited")
    done = dict.fromkeys(counted.values(), 0)
    per_play = Collaboration.Pricing.PER_PLAY
    due = {
        "expire": Collaboration.objects.filter(status__in=ACTIONS["expire"].sources, expires_at__lte=now),
        "auto_accept": Collaboration.objects.filter(
            status__in=ACTIONS["auto_accept"].sources, published_at__lte=now - AUTO_ACCEPT_AFTER
        ),
        # The stays-live check (docs/deals.md, "Settlement"): completed fixed-price and deposit deals whose post
        # has been up STAYS_LIVE_FOR settle; a post reported down is disputed by then, and never due. Practice
        # deals are never settled (no money): left out, or they would fill every run.
        "auto_confirm_live": Collaboration.objects.real().filter(
            status__in=ACTIONS["auto_confirm_live"].sources,
            pricing__in=ACTIONS["auto_confirm_live"].pricings,
            published_at__lte=now - STAYS_LIVE_FOR,
        ),
        # Pay per play (orders.pay_per_play): day 14 counts the plays, three days later they are confirmed.
        "count_plays": Collaboration.objects.filter(
            status__in=ACTIONS["count_plays"].sources,
            pricing=per_play,
            published_at__lte=now - pay_per_play.COUNT_AFTER,
        ),
        # Deposit orders (orders.deposits): a balance not paid within 7 days of acceptance forfeits the deposit.
        "forfeit_deposit": Collaboration.objects.filter(
            status__in=ACTIONS["forfeit_deposit"].sources,
            pricing=Collaboration.Pricing.DEPOSIT,
            accepted_at__lte=now - deposits.BALANCE_WITHIN,
        ),
        "auto_confirm_plays": Collaboration.objects.filter(
            status__in=ACTIONS["auto_confirm_plays"].sources,
            pricing=per_play,
            plays_counted_at__lte=now - pay_per_play.CONFIRM_WITHIN,
        ),
    }
    for action, qs in due.items():
        for pk in qs.values_list("pk", flat=True)[:1000]:
            try:
                collaboration_transition(collaboration_id=pk, action=action, actor=None, now=now)
            except (InvalidTransition, NotAllowed):
                continue  # moved by someone else in the meantime
            done[counted[action]] += 1
    done["deadlines"] = _flag_missed_deadlines(now)
    done.update(rights_timers_run(now=now))
    return done


def _flag_missed_deadlines(now: datetime) -> int:
    """Tell the brand once per collaboration that a deadline passed (it may now cancel for free)."""
    from orders.services.collaborations import missed_deadline

    flagged = 0
    candidates = (
        Collaboration.objects.filter(status__in=flows.IN_DELIVERY)
        .exclude(events__action="deadline")
        .filter(Q(order__script_by__lt=now, status=S.ACCEPTED) | Q(order__publish_until__lt=now.date()))
        .select_related("order", "creator")
    )
    for c in candidates[:1000]:
        which = missed_deadline(c, now=now)
        if not which:
            continue
        with transaction.atomic():
            locked = Collaboration.objects.select_for_update().get(pk=c.pk)
            if locked.events.filter(action="deadline").exists():
                continue
            _record(locked, "deadline", None, old=locked.status, new=locked.status, data={"missed": which})
            notifications.collaboration_changed(c, action="deadline", actor_role="system")
        flagged += 1
    return flagged
