"""The collaboration state machine of SPEC §3: one table, one transition function.

``ACTIONS`` says, for every action, the states it starts from, the state it leads to, who may take
it and which money step it moves. ``collaboration_transition`` is the only code that changes a
collaboration's status: it locks the row, checks actor, state, deadline and limits, moves the money
through the payouts services in the same transaction, writes the event and audit rows and queues
the notifications. Timers (offer expiry, auto-acceptance) call it with ``actor=None``.

A practice deal (a novice task, orders.services.practice; ``Collaboration.is_practice``) walks the same table
with three rules stated here and nowhere else: it takes only the ``PRACTICE_STEPS``; every step's money kind
resolves to none (``money_kind``: no hold, no escrow, no ledger transaction, no idempotency key); and the
system plays the practice brand, answering each creator step in ``PRACTICE_REPLIES`` at once through this same
function (actor None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.selectors import agency_terms
from marketplace.core import Conflict, DomainError, InvalidTransition, NotAllowed, audit, check_transition
from marketplace.core.events import announce
from marketplace.core.models import User
from marketplace.core.transitions import status_label
from orders import deposits, flows, negotiation, pay_per_play, rights
from orders.access import ADMIN, AGENCY, BRAND, CREATOR, SYSTEM, acting_side, delegated_actions
from orders.models import Collaboration, CollaborationEvent, Dispute, Order
from orders.services import notifications
from orders.services.track_record import TRACK_RECORD_FIELDS, track_record_refresh
from payouts import services as money
from payouts.services.idempotency import system_key

S = Collaboration.Status

OFFER_TTL = negotiation.OFFER_TTL
AUTO_ACCEPT_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    label: object = ""  # the step as people say it, translated ("approve the script"): refusals name it
    # escrow, adjust_escrow, release_hold, hold_escrow, cancel, settle, decide, pay_balance, forfeit, pay_plays,
    # rights_extension
    money: str = ""
    needs_comment: bool = False
    # The pricings (Collaboration.Pricing) the step applies to; any other deal is refused it (409).
    pricings: frozenset[str] = frozenset(Collaboration.Pricing.values)


# The target of a step that changes something on the deal but not its status (extending the usage rights).
STAYS = ""


def _step(sources, target, actors, **kw) -> Step:
    if "pricings" in kw:
        kw["pricings"] = frozenset(kw["pricings"])
    return Step(frozenset(sources), target, frozenset(actors), **kw)


FIXED, PER_PLAY, DEPOSIT = Collaboration.Pricing.FIXED, Collaboration.Pricing.PER_PLAY, Collaboration.Pricing.DEPOSIT


ACTIONS: dict[str, Step] = {
    # Direct offers (指派): money was held when the offer was sent.
    "accept": _step(
        {S.OFFERED},
        S.ACCEPTED,
        {CREATOR},
        money="escrow",
        pricings={FIXED, PER_PLAY},
        label=gettext_lazy("accept the offer"),
    ),
    "decline": _step(
        flows.OPEN_OFFER, S.CLOSED, {CREATOR}, money="release_hold", label=gettext_lazy("decline the offer")
    ),
    "withdraw": _step(
        flows.OPEN_OFFER, S.CLOSED, {BRAND}, money="release_hold", label=gettext_lazy("withdraw the offer")
    ),
    # Negotiation (orders.negotiation): one counter within ±20 % and the offer's 72 hours; the brand
    # accepts it (the hold becomes the counter's price, then escrow) or declines it (the offer stands).
    "counter": _step({S.OFFERED}, S.COUNTERED, {CREATOR}, pricings={FIXED}, label=gettext_lazy("counter the offer")),
    "accept_counter": _step(
        flows.COUNTERED_OFFER,
        S.ACCEPTED,
        {BRAND},
        money="adjust_escrow",
        label=gettext_lazy("accept the counter-offer"),
    ),
    "decline_counter": _step(
        flows.COUNTERED_OFFER, S.OFFERED, {BRAND}, label=gettext_lazy("decline the counter-offer")
    ),
    "expire": _step(
        flows.AWAITING_ANSWER, S.CLOSED, {SYSTEM}, money="release_hold", label=gettext_lazy("expire the offer")
    ),
    # Recruitment (招募): money is held when the brand selects an applicant.
    "select": _step({S.APPLIED}, S.ACCEPTED, {BRAND}, money="hold_escrow", label=gettext_lazy("select the applicant")),
    "reject_application": _step({S.APPLIED}, S.CLOSED, {BRAND}, label=gettext_lazy("turn the application down")),
    "withdraw_application": _step({S.APPLIED}, S.CLOSED, {CREATOR}, label=gettext_lazy("withdraw the application")),
    # Delivery.
    "submit_script": _step({S.ACCEPTED}, S.SCRIPT_SUBMITTED, {CREATOR}, label=gettext_lazy("submit a script")),
    "approve_script": _step({S.SCRIPT_SUBMITTED}, S.SCRIPT_APPROVED, {BRAND}, label=gettext_lazy("approve the script")),
    "reject_script": _step(
        {S.SCRIPT_SUBMITTED}, S.ACCEPTED, {BRAND}, needs_comment=True, label=gettext_lazy("send the script back")
    ),
    "submit_video": _step({S.SCRIPT_APPROVED}, S.VIDEO_SUBMITTED, {CREATOR}, label=gettext_lazy("upload a video")),
    "approve_video": _step({S.VIDEO_SUBMITTED}, S.VIDEO_APPROVED, {BRAND}, label=gettext_lazy("approve the video")),
    "request_revision": _step(
        {S.VIDEO_SUBMITTED},
        S.SCRIPT_APPROVED,
        {BRAND},
        needs_comment=True,
        label=gettext_lazy("ask for a video revision"),
    ),
    "publish": _step({S.VIDEO_APPROVED}, S.PUBLISHED, {CREATOR}, label=gettext_lazy("publish the post")),
    "accept_work": _step({S.PUBLISHED}, S.COMPLETED, {BRAND}, label=gettext_lazy("accept the work")),
    "auto_accept": _step({S.PUBLISHED}, S.COMPLETED, {SYSTEM}, label=gettext_lazy("accept the work automatically")),
    # Settlement after the stays-live check; a failed check opens a dispute.
    "confirm_live": _step(
        {S.COMPLETED},
        S.SETTLED,
        {BRAND, CREATOR},
        money="settle",
        pricings={FIXED, DEPOSIT},
        label=gettext_lazy("confirm the post is live"),
    ),
    "report_down": _step(
        {S.COMPLETED}, S.DISPUTED, {BRAND, CREATOR}, needs_comment=True, label=gettext_lazy("report the post down")
    ),
    # Brand cancellation pays the stage fee stored on the order and refunds the rest.
    "cancel": _step(
        flows.IN_DELIVERY, S.CANCELLED, {BRAND}, money="cancel", label=gettext_lazy("cancel the collaboration")
    ),
    # Disputes freeze the money and pause the timers until an admin decides.
    "open_dispute": _step(
        flows.IN_DELIVERY | {S.PUBLISHED},
        S.DISPUTED,
        {BRAND, CREATOR},
        needs_comment=True,
        label=gettext_lazy("open a dispute"),
    ),
    "resolve": _step({S.DISPUTED}, S.RESOLVED, {ADMIN}, money="decide", label=gettext_lazy("decide the dispute")),
    # Deposit orders (orders.deposits): accepting reserves the creator against the deposit held with the offer;
    # one re-quote within 24 hours and ±20 %; the brand pays the balance within 7 days (the price goes into
    # escrow and the deal runs as a fixed-price one) or the deposit is forfeited to the creator.
    "reserve": _step(
        {S.OFFERED},
        S.DEPOSIT_PAID,
        {CREATOR},
        pricings={DEPOSIT},
        label=gettext_lazy("accept the offer and its deposit"),
    ),
    "requote": _step(
        {S.DEPOSIT_PAID}, S.REQUOTED, {CREATOR}, pricings={DEPOSIT}, label=gettext_lazy("re-quote the price")
    ),
    "decline_requote": _step(
        {S.REQUOTED}, S.DEPOSIT_PAID, {BRAND}, pricings={DEPOSIT}, label=gettext_lazy("decline the re-quote")
    ),
    "pay_balance": _step(
        flows.AWAITING_BALANCE,
        S.ACCEPTED,
        {BRAND},
        money="pay_balance",
        pricings={DEPOSIT},
        label=gettext_lazy("pay the balance"),
    ),
    "forfeit_deposit": _step(
        flows.AWAITING_BALANCE,
        S.CLOSED,
        {SYSTEM},
        money="forfeit",
        pricings={DEPOSIT},
        label=gettext_lazy("forfeit the deposit"),
    ),
    # Pay per play (orders.pay_per_play): 14 days after publishing the plays are counted from the day-14
    # results; the brand confirms the figures (or they are confirmed after 3 days) and the deal pays
    # base + plays × rate, at most the maximum in escrow, the rest refunded; a disagreement is a dispute.
    "count_plays": _step(
        {S.COMPLETED}, S.PLAYS_COUNTED, {SYSTEM}, pricings={PER_PLAY}, label=gettext_lazy("count the plays")
    ),
    "confirm_plays": _step(
        {S.PLAYS_COUNTED},
        S.SETTLED,
        {BRAND},
        money="pay_plays",
        pricings={PER_PLAY},
        label=gettext_lazy("confirm the plays"),
    ),
    "auto_confirm_plays": _step(
        {S.PLAYS_COUNTED},
        S.SETTLED,
        {SYSTEM},
        money="pay_plays",
        pricings={PER_PLAY},
        label=gettext_lazy("confirm the plays automatically"),
    ),
    "dispute_plays": _step(
        {S.PLAYS_COUNTED},
        S.DISPUTED,
        {BRAND, CREATOR},
        needs_comment=True,
        pricings={PER_PLAY},
        label=gettext_lazy("dispute the plays"),
    ),
    # Usage rights (orders.rights): after the work is accepted the brand may pay for more months of the rights
    # the deal agreed; the status stays where it is (STAYS), the rights' end date moves.
    "extend_rights": _step(
        flows.WORK_ACCEPTED,
        STAYS,
        {BRAND},
        money="rights_extension",
        label=gettext_lazy("extend the usage rights"),
    ),
}

# A practice deal (module docstring) takes these steps only: the offer answered, the script, the video and the
# post, each answered by the system playing the practice brand (PRACTICE_REPLIES). No counter, cancellation,
# dispute or settlement: there is no money to negotiate, refund, freeze or pay.
PRACTICE_STEPS = frozenset(
    {"accept", "decline", "submit_script", "approve_script", "submit_video", "approve_video", "publish"}
    | {"accept_work", "auto_accept"}
)
# The practice brand's answer to each creator step, taken by the system right after it.
PRACTICE_REPLIES = {"submit_script": "approve_script", "submit_video": "approve_video", "publish": "accept_work"}


def money_kind(step: Step, collaboration: Collaboration) -> str:
    """The money a step moves on this deal: the table's ``money``, and none at all on a practice deal."""
    return "" if collaboration.is_practice else step.money


# The same rules as {from: {to, ...}}, the shape marketplace.core.check_transition reads.
COLLABORATION_FLOW: dict[str, set[str]] = {}
for _action, _s in ACTIONS.items():
    for _source in _s.sources if _s.target != STAYS else ():
        COLLABORATION_FLOW.setdefault(_source, set()).add(_s.target)
# The third script rejection sends the script to admin review (a dispute).
COLLABORATION_FLOW[S.SCRIPT_SUBMITTED].add(S.DISPUTED)


@dataclass
class Context:
    """What one transition is doing; handlers add changes, money steps and notices to it."""

    collaboration: Collaboration
    action: str
    step: Step
    actor: User | None
    role: str
    now: datetime
    comment: str = ""
    payload: dict = field(default_factory=dict)
    target: str = ""
    changes: dict = field(default_factory=dict)
    event_data: dict = field(default_factory=dict)


# ------------------------------------------------------------------ roles


def allowed_actions(collaboration: Collaboration, actor: User | None) -> list[str]:
    """Actions this actor may try now (the page shows these and only these)."""
    role = acting_side(collaboration, actor)
    delegated = delegated_actions(collaboration, actor) if role == AGENCY else frozenset()
    return [
        name
        for name, step in ACTIONS.items()
        if collaboration.status in step.sources
        and (role in step.actors or (name in delegated and CREATOR in step.actors))
        and collaboration.pricing in step.pricings
        and (name in PRACTICE_STEPS or not collaboration.is_practice)
        and _guard_ok(collaboration, name)
    ]


def _guard_ok(collaboration: Collaboration, action: str) -> bool:
    if action == "request_revision":
        return collaboration.video_revisions < collaboration.order.video_revision_limit
    if action == "extend_rights":
        return bool(collaboration.rights_terms and collaboration.rights_until)
    if action == "counter":
        return not negotiation.counter_refusal(
            counters_made=_counters_made(collaboration), expires_at=collaboration.expires_at, now=timezone.now()
        )
    if action == "requote":
        return not _requote_refusal(collaboration, timezone.now())
    return True


def _requote_refusal(c: Collaboration, now: datetime) -> str:
    """Why the creator may not re-quote a deposit deal now ("" when they may): once, within 24 h of accepting."""
    if _counters_made(c) >= deposits.REQUOTES_ALLOWED:
        return _("You can re-quote once, and you already did.")
    if c.accepted_at is None or now > c.accepted_at + deposits.REQUOTE_WITHIN:
        return _("A re-quote comes within 24 hours of accepting.")
    return ""


def _counters_made(c: Collaboration) -> int:
    return int(c.countered_at is not None)


# ------------------------------------------------------------- refusals


def refusal_not_yours(action: str) -> str:
    """A step this side never takes, in words: the step's label, translated (never its code)."""
    return _("You cannot %(action)s on this collaboration.") % {"action": ACTIONS[action].label}


def refusal_not_this_pricing(action: str, pricing: str) -> str:
    """A step that does not apply to this kind of deal (a counter on a per-play offer, …), in words."""
    return _("You cannot %(action)s on a deal paid as “%(pricing)s”.") % {
        "action": ACTIONS[action].label,
        "pricing": Collaboration.Pricing(pricing).label,
    }


def refusal_not_now(action: str, status: str) -> str:
    """A step not open from this status, in words: the step's and the status's labels, translated."""
    return _("You cannot %(action)s now: the collaboration is %(status)s.") % {
        "action": ACTIONS[action].label,
        "status": status_label(COLLABORATION_FLOW, status),
    }


# ------------------------------------------------------------- transition


@transaction.atomic
def collaboration_transition(
    *,
    collaboration_id: int,
    action: str,
    actor: User | None,
    comment: str = "",
    payload: dict | None = None,
    now: datetime | None = None,
) -> Collaboration:
    """Take ``action`` on a collaboration, or raise without any effect.

    Raises NotAllowed (the actor has no such right), InvalidTransition (not from this state),
    DomainError subclasses for deadlines, limits, slots and money (InsufficientFunds). Locks the
    collaboration and, for steps that take a slot, the order.
    """
    step = ACTIONS.get(action)
    if step is None:
        raise DomainError(_("Unknown action %(action)s.") % {"action": action}, field="action")
    c = Collaboration.objects.select_for_update(no_key=True).select_related("order", "creator").get(pk=collaboration_id)
    role = acting_side(c, actor)
    on_behalf = role == AGENCY and CREATOR in step.actors and action in delegated_actions(c, actor)
    if on_behalf:
        role = CREATOR  # the agency takes the creator's step; the event and audit rows name its member
    if c.is_practice and role == SYSTEM and BRAND in step.actors:
        role = BRAND  # the system plays the practice brand, which no one logs into
    if c.is_practice and action not in PRACTICE_STEPS:
        raise NotAllowed(refusal_not_yours(action))
    if role not in step.actors:
        raise NotAllowed(refusal_not_yours(action))
    if c.status not in step.sources:
        raise InvalidTransition(refusal_not_now(action, c.status), field="status")
    if c.pricing not in step.pricings:
        raise InvalidTransition(refusal_not_this_pricing(action, c.pricing), field="status")
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise DomainError(_("Please say why."), field="comment")
    ctx = Context(c, action, step, actor, role, now or timezone.now(), comment, payload or {}, step.target or c.status)
    if on_behalf:
        ctx.event_data["on_behalf_of_creator"] = True
    HANDLERS.get(action, _noop)(ctx)
    if step.target != STAYS:
        check_transition(COLLABORATION_FLOW, current=c.status, to=ctx.target)
    _move_money(ctx)
    old = c.status
    ctx.changes["status"] = ctx.target
    for name, value in ctx.changes.items():
        setattr(c, name, value)
    c.save(update_fields=[*ctx.changes, "updated_at"])
    CollaborationEvent.objects.create(
        collaboration=c,
        action=action,
        old_status=old,
        new_status=ctx.target,
        actor=actor,
        comment=comment,
        data=ctx.event_data,
    )
    audit(actor=actor, action=f"collaboration.{action}", obj=c, old=old, new=ctx.target, **ctx.event_data)
    if TRACK_RECORD_FIELDS & set(ctx.changes):
        # Completing, publishing on time, accepting: the creator's shown record (completed orders, fulfilment)
        # follows at once, as it does after a rating, so the API and the ranking agree with the deal history.
        track_record_refresh(creator_ids=[c.creator_id])
    notifications.collaboration_changed(c, action=action, actor_role=AGENCY if on_behalf else role, comment=comment)
    announce(f"collaboration.{action}", c)  # the brand's webhooks, after commit
    if c.is_practice and action in PRACTICE_REPLIES:
        return collaboration_transition(collaboration_id=c.pk, action=PRACTICE_REPLIES[action], actor=None, now=now)
    return c


def _noop(ctx: Context) -> None:
    return None


# --------------------------------------------------------------- handlers


def _take_slot(ctx: Context) -> None:
    """Lock the order, then check its slots and the creator's capacity (race-safe under the lock)."""
    order = Order.objects.select_for_update().get(pk=ctx.collaboration.order_id)
    if order.status not in flows.OPEN_FOR_DEALS:
        raise Conflict(_("The order is no longer open."), field="order")
    if flows.slots_filled(order) >= order.creators_wanted:
        raise Conflict(_("All %(n)s places on this order are taken.") % {"n": order.creators_wanted}, field="order")
    if not ctx.collaboration.is_practice and not flows.has_free_capacity(ctx.collaboration.creator):
        raise Conflict(_("The creator has no free capacity."), field="creator")
    ctx.changes.update(accepted_at=ctx.now, responded_at=ctx.now, accepted=True)


def _on_accept(ctx: Context) -> None:
    if ctx.collaboration.expires_at and ctx.now > ctx.collaboration.expires_at:
        raise InvalidTransition(_("This offer has expired."), field="status")
    _take_slot(ctx)


def _on_counter(ctx: Context) -> None:
    """The creator's one counter: a price within the band of the offered price and an optional note."""
    c = ctx.collaboration
    refusal = negotiation.counter_refusal(counters_made=_counters_made(c), expires_at=c.expires_at, now=ctx.now)
    if refusal:
        raise InvalidTransition(refusal, field="price")
    price = ctx.payload.get("price")
    negotiation.check_in_band(price, reference=c.agreed_price, currency=c.currency, field="price")
    negotiation.check_counter_covers_rights(price, rights_price=c.rights_price, currency=c.currency, field="price")
    note = negotiation.clean_note(ctx.payload.get("note"))
    ctx.changes.update(counter_price=price, counter_note=note, countered_at=ctx.now)
    ctx.event_data.update(offered=c.agreed_price, counter=price)


def _on_accept_counter(ctx: Context) -> None:
    """The deal is made at the counter's price; the offer's own clock still runs (docs/deals.md)."""
    c = ctx.collaboration
    if c.expires_at and ctx.now > c.expires_at:
        raise InvalidTransition(_("This offer has expired."), field="status")
    _take_slot(ctx)
    ctx.changes["agreed_price"] = c.counter_price
    ctx.event_data.update(offered=c.agreed_price, agreed=c.counter_price)


def _on_decline_counter(ctx: Context) -> None:
    ctx.event_data.update(offered=ctx.collaboration.agreed_price, counter=ctx.collaboration.counter_price)


def _on_close(ctx: Context) -> None:
    ctx.changes.update(closed_at=ctx.now, responded_at=ctx.collaboration.responded_at or ctx.now)
    if ctx.action in ("decline", "expire", "withdraw", "reject_application", "withdraw_application"):
        ctx.changes["accepted"] = False


def _on_expire(ctx: Context) -> None:
    if ctx.collaboration.expires_at is None or ctx.now < ctx.collaboration.expires_at:
        raise InvalidTransition(_("This offer has not expired yet."), field="status")
    _on_close(ctx)


def _on_reject_script(ctx: Context) -> None:
    c = ctx.collaboration
    rejections = c.script_rejections + 1
    ctx.changes["script_rejections"] = rejections
    if rejections >= c.order.script_rejection_limit:
        # The limit is reached: an admin reviews the script instead of another round.
        ctx.target = S.DISPUTED
        Dispute.objects.create(
            collaboration=c,
            opened_by=ctx.actor,
            previous_status=c.status,
            reason=_("Script rejected %(n)s times; admin review.") % {"n": rejections} + "\n" + ctx.comment,
        )
        ctx.event_data["admin_review"] = True


def _on_request_revision(ctx: Context) -> None:
    c = ctx.collaboration
    if c.video_revisions >= c.order.video_revision_limit:
        raise Conflict(
            _("The %(n)s revision rounds of this order are used up: approve the video or open a dispute.")
            % {"n": c.order.video_revision_limit},
            field="status",
        )
    ctx.changes["video_revisions"] = c.video_revisions + 1


def _on_publish(ctx: Context) -> None:
    c = ctx.collaboration
    url = (ctx.payload.get("post_url") or "").strip()
    if not url.startswith(("https://", "http://")):
        raise DomainError(_("Give the web address of the published post."), field="post_url")
    if c.order.publish_from and ctx.now.date() < c.order.publish_from:
        raise Conflict(_("The publish window opens on %(day)s.") % {"day": c.order.publish_from}, field="post_url")
    on_time = c.order.publish_until is None or ctx.now.date() <= c.order.publish_until
    ctx.changes.update(post_url=url[:500], published_at=ctx.now, completed_on_time=on_time)
    if c.rights_terms:  # the usage rights run from publication for the days agreed
        ctx.changes["rights_until"] = ctx.now + timedelta(days=c.rights_terms["days"])


def _on_complete(ctx: Context) -> None:
    if ctx.action == "auto_accept" and ctx.now < ctx.collaboration.published_at + AUTO_ACCEPT_AFTER:
        raise InvalidTransition(_("Automatic acceptance is not due yet."), field="status")
    ctx.changes["completed_at"] = ctx.now


def _on_dispute(ctx: Context) -> None:
    c = ctx.collaboration
    Dispute.objects.create(collaboration=c, opened_by=ctx.actor, previous_status=c.status, reason=ctx.comment)


def _on_settle(ctx: Context) -> None:
    ctx.changes["settled_at"] = ctx.now


def _on_cancel(ctx: Context) -> None:
    ctx.changes["closed_at"] = ctx.now
    ctx.event_data["share_bps"] = cancellation_share(ctx.collaboration, now=ctx.now)


def _on_resolve(ctx: Context) -> None:
    c = ctx.collaboration
    decision = ctx.payload.get("decision")
    if decision not in Dispute.Decision.values:
        raise DomainError(_("Choose release, refund or split."), field="decision")
    creator_amount = {"release": c.agreed_price, "refund": 0}.get(decision, ctx.payload.get("creator_amount"))
    brand_amount = c.agreed_price - creator_amount if decision != "split" else ctx.payload.get("brand_amount")
    if decision == "split":
        if (
            not isinstance(creator_amount, int)
            or not isinstance(brand_amount, int)
            or min(creator_amount, brand_amount) < 0
        ):
            raise DomainError(_("Give both amounts as whole minor units, zero or more."), field="creator_amount")
        if creator_amount + brand_amount != c.agreed_price:
            raise DomainError(
                _("The two parts must add up to the amount in escrow (%(amount)s).") % {"amount": c.agreed_price},
                field="brand_amount",
            )
    dispute = Dispute.objects.select_for_update().get(collaboration=c, status=Dispute.Status.OPEN)
    dispute.status, dispute.decision, dispute.decision_reason = Dispute.Status.RESOLVED, decision, ctx.comment
    dispute.creator_amount, dispute.brand_amount = creator_amount, brand_amount
    dispute.decided_by, dispute.decided_at = ctx.actor, ctx.now
    dispute.save()
    ctx.payload["creator_amount"] = creator_amount
    ctx.event_data.update(decision=decision, creator_amount=creator_amount, brand_amount=brand_amount)
    ctx.changes["closed_at"] = ctx.now
    if decision == "refund" and c.rights_until and c.rights_until > ctx.now:
        ctx.changes["rights_until"] = ctx.now  # the brand got all its money back: no rights to use the work


def _on_extend_rights(ctx: Context) -> None:
    """More months of the deal's rights at the rates agreed. The brand names the end date it extends (what its
    page showed): a second payment for the same end date, from a second click or tab, is refused (Conflict)."""
    c = ctx.collaboration
    if not c.rights_terms or c.rights_until is None:
        raise Conflict(_("This deal has no usage rights to extend."), field="months")
    seen = ctx.payload.get("rights_until")
    seen = _when(seen)
    if seen != c.rights_until:
        raise Conflict(_("The usage rights were extended meanwhile: look at the new end date."), field="months")
    months = ctx.payload.get("months")
    price = rights.extension_price(c, months=months)
    until = rights.extended_until(c, months=months, now=ctx.now)
    ctx.changes.update(rights_until=until, rights_notice_at=None, rights_lapsed_at=None)
    ctx.event_data.update(months=months, price=price, until=until.isoformat(), previous=c.rights_until.isoformat())


def _when(value) -> datetime | None:
    """A moment as a page or a client sends it (a datetime, or ISO 8601 text); None when unreadable."""
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _on_reserve(ctx: Context) -> None:
    """The creator accepts a deposit offer: the order's place and their capacity are taken as for any
    acceptance; the deposit held with the offer now reserves them (no money moves)."""
    _on_accept(ctx)
    ctx.event_data.update(deposit=ctx.collaboration.deposit, price=ctx.collaboration.agreed_price)


def _on_requote(ctx: Context) -> None:
    """The creator's one re-quote of a deposit deal: within the negotiation band of the price, within 24 h."""
    c = ctx.collaboration
    refusal = _requote_refusal(c, ctx.now)
    if refusal:
        raise InvalidTransition(refusal, field="price")
    price = ctx.payload.get("price")
    negotiation.check_in_band(price, reference=c.agreed_price, currency=c.currency, field="price")
    # As a counter: the re-quote is the deal's whole price, and the usage rights keep the price they were offered at.
    negotiation.check_counter_covers_rights(price, rights_price=c.rights_price, currency=c.currency, field="price")
    note = negotiation.clean_note(ctx.payload.get("note"))
    ctx.changes.update(counter_price=price, counter_note=note, countered_at=ctx.now)
    ctx.event_data.update(price=c.agreed_price, requote=price)


def _on_decline_requote(ctx: Context) -> None:
    ctx.event_data.update(price=ctx.collaboration.agreed_price, requote=ctx.collaboration.counter_price)


def _balance_due(c: Collaboration):
    return c.accepted_at + deposits.BALANCE_WITHIN


def _on_pay_balance(ctx: Context) -> None:
    """The brand pays the balance within 7 days of the acceptance: at the re-quote when one waits (paying
    accepts it), else at the price; the whole price goes into escrow (_move_money)."""
    c = ctx.collaboration
    if ctx.now > _balance_due(c):
        raise InvalidTransition(_("The 7 days to pay the balance are over."), field="status")
    price = c.counter_price if c.status in flows.REQUOTED else c.agreed_price
    ctx.changes["agreed_price"] = price
    ctx.event_data.update(deposit=c.deposit, price=price, balance=price - c.deposit)


def _on_forfeit_deposit(ctx: Context) -> None:
    c = ctx.collaboration
    if ctx.now < _balance_due(c):
        raise InvalidTransition(_("The balance is not due yet."), field="status")
    ctx.changes.update(closed_at=ctx.now)
    ctx.event_data.update(deposit=c.deposit)


def _on_count_plays(ctx: Context) -> None:
    """Day 14 after publishing: the day-14 figures as they stand are counted and what they pay is fixed."""
    c = ctx.collaboration
    if c.published_at is None or ctx.now < c.published_at + pay_per_play.COUNT_AFTER:
        raise InvalidTransition(_("The plays are counted 14 days after publishing."), field="status")
    ctx.changes.update(plays_counted_at=ctx.now, **plays_figures(c))
    ctx.event_data.update(plays=ctx.changes["plays_counted"], amount=ctx.changes["play_amount"])


def plays_figures(c: Collaboration) -> dict:
    """The counted plays of a per-play deal and what the deal pays on them, its usage rights included
    (orders.pay_per_play.deal_amount)."""
    plays = pay_per_play.counted_plays(c)
    return {"plays_counted": plays, "play_amount": pay_per_play.deal_amount(c, plays=plays)}


def _on_confirm_plays(ctx: Context) -> None:
    """The counted figures are confirmed (by the brand, or three days after counting): the deal pays them."""
    c = ctx.collaboration
    if ctx.action == "auto_confirm_plays" and ctx.now < c.plays_counted_at + pay_per_play.CONFIRM_WITHIN:
        raise InvalidTransition(_("Automatic confirmation is not due yet."), field="status")
    ctx.changes["settled_at"] = ctx.now
    ctx.event_data.update(plays=c.plays_counted, amount=c.play_amount)


def _on_resolve_checked(ctx: Context) -> None:
    if not ctx.comment:
        raise DomainError(_("A written reason is required."), field="comment")
    _on_resolve(ctx)


HANDLERS: dict[str, Callable[[Context], None]] = {
    "accept": _on_accept,
    "counter": _on_counter,
    "accept_counter": _on_accept_counter,
    "decline_counter": _on_decline_counter,
    "select": _take_slot,
    "decline": _on_close,
    "withdraw": _on_close,
    "expire": _on_expire,
    "reject_application": _on_close,
    "withdraw_application": _on_close,
    "reject_script": _on_reject_script,
    "request_revision": _on_request_revision,
    "publish": _on_publish,
    "accept_work": _on_complete,
    "auto_accept": _on_complete,
    "confirm_live": _on_settle,
    "report_down": _on_dispute,
    "open_dispute": _on_dispute,
    "cancel": _on_cancel,
    "resolve": _on_resolve_checked,
    "reserve": _on_reserve,
    "requote": _on_requote,
    "decline_requote": _on_decline_requote,
    "pay_balance": _on_pay_balance,
    "forfeit_deposit": _on_forfeit_deposit,
    "count_plays": _on_count_plays,
    "confirm_plays": _on_confirm_plays,
    "auto_confirm_plays": _on_confirm_plays,
    "dispute_plays": _on_dispute,
    "extend_rights": _on_extend_rights,
}


def cancellation_share(collaboration: Collaboration, *, now: datetime) -> int:
    """Basis points of the price the creator keeps when the brand cancels now.

    From the order's stored schedule by the stage reached; zero when the creator missed a
    deadline (no script by the script deadline, or not published by the end of the window).
    """
    c, order = collaboration, collaboration.order
    if missed_deadline(c, now=now):
        return 0
    schedule = order.cancellation_schedule
    if c.video_revisions >= 2:
        key = "after_two_video_rounds"
    elif c.video_revisions >= 1 or c.status in flows.VIDEO_HANDED_IN:
        key = "after_video"
    elif c.status in flows.SCRIPT_HANDED_IN:
        key = "after_script"
    else:
        key = "before_script"
    return int(schedule.get(key, 0))


def cancellation_base(collaboration: Collaboration) -> int | None:
    """What the stage's share of a cancellation is taken of (docs/deals.md): the work, never its usage rights
    (a cancellation comes before publication, so the rights never ran; their price goes back to the brand).
    A fixed deal's (or a paid-up deposit deal's) price for the work (None: the whole escrow, when the deal has
    no priced rights); a per-play deal's base price, never the maximum held for plays that will not come."""
    if collaboration.pricing == Collaboration.Pricing.PER_PLAY:
        return collaboration.play_base
    return collaboration.work_price if collaboration.rights_price else None


def missed_deadline(collaboration: Collaboration, *, now: datetime) -> str:
    """Which deadline the creator has missed ("script" / "publish"), or ""."""
    c, order = collaboration, collaboration.order
    if c.status == S.ACCEPTED and order.script_by and now > order.script_by:
        return "script"
    if c.status in flows.IN_DELIVERY and order.publish_until and now.date() > order.publish_until:
        return "publish"
    return ""


# ------------------------------------------------------------------ money


def _key(ctx: Context, step: str) -> str:
    """Deterministic idempotency key: the same transition can never move money twice. A system key, so
    nothing a client sends can occupy it (payouts.services.idempotency)."""
    return system_key("collab", ctx.collaboration.pk, ctx.action, step)


def _hold_of(c: Collaboration):
    from payouts.models import Hold

    return Hold.objects.filter(collaboration=c).order_by("-id").first()


# The money steps that put the deal's hold into escrow: each fixes the agency's share under the contract in force.
ESCROWS = frozenset({"hold_escrow", "escrow", "adjust_escrow", "pay_balance", "forfeit"})


def _move_money(ctx: Context) -> None:
    c, actor = ctx.collaboration, ctx.actor
    kind = money_kind(ctx.step, c)
    if ctx.target == S.DISPUTED or not kind:
        return  # a dispute freezes the money where it is
    hold = _hold_of(c)
    # The deal is agreed at escrow: the creator's agency contract in force now fixes the agency's share.
    terms = agency_terms(c.creator_id) if kind in ESCROWS else {}
    if kind == "hold_escrow":
        hold = money.hold(
            order_id=c.order_id,
            collaboration_id=c.pk,
            amount=c.agreed_price,
            idempotency_key=_key(ctx, "hold"),
            actor=actor,
        )
        money.escrow(hold_id=hold.pk, idempotency_key=_key(ctx, "escrow"), actor=actor, **terms)
    elif kind == "escrow":
        money.escrow(hold_id=hold.pk, idempotency_key=_key(ctx, "escrow"), actor=actor, **terms)
    elif kind == "adjust_escrow":
        # The accepted counter's price is what the brand owes: the hold takes it in one ledger transaction
        # (its difference between available and held), then goes into escrow as an accepted offer's does.
        hold = money.hold_adjust(
            hold_id=hold.pk, amount=ctx.changes["agreed_price"], idempotency_key=_key(ctx, "adjust"), actor=actor
        )
        money.escrow(hold_id=hold.pk, idempotency_key=_key(ctx, "escrow"), actor=actor, **terms)
    elif kind == "release_hold":
        if hold is not None:  # applications have no hold
            money.release_hold(hold_id=hold.pk, idempotency_key=_key(ctx, "release"), actor=actor)
    elif kind == "settle":
        money.release(hold_id=hold.pk, idempotency_key=_key(ctx, "release"), actor=actor)
        money.settle(hold_id=hold.pk, idempotency_key=_key(ctx, "settle"), actor=actor)
    elif kind == "cancel":
        hold = money.cancellation_fee(
            hold_id=hold.pk,
            share_bps=ctx.event_data["share_bps"],
            base=cancellation_base(c),
            idempotency_key=_key(ctx, "fee"),
            actor=actor,
        )
        _settle_share(ctx, hold)
    elif kind == "pay_balance":
        # The hold takes the whole price in one hold_adjust (the balance from available to held), then escrow.
        hold = money.hold_adjust(
            hold_id=hold.pk, amount=ctx.changes["agreed_price"], idempotency_key=_key(ctx, "adjust"), actor=actor
        )
        money.escrow(hold_id=hold.pk, idempotency_key=_key(ctx, "escrow"), actor=actor, **terms)
    elif kind == "forfeit":
        # The balance was not paid: the deposit goes through escrow to the creator, less the fee, spendable.
        money.escrow(hold_id=hold.pk, idempotency_key=_key(ctx, "escrow"), actor=actor, **terms)
        hold = money.release(hold_id=hold.pk, idempotency_key=_key(ctx, "release"), actor=actor)
        _settle_share(ctx, hold)
    elif kind == "pay_plays":
        # What the counted plays pay, at most the maximum in escrow; the rest goes back to the brand.
        hold = money.pay_on_results(
            hold_id=hold.pk, creator_amount=c.play_amount, idempotency_key=_key(ctx, "pay"), actor=actor
        )
        _settle_share(ctx, hold)
    elif kind == "rights_extension":
        _pay_extension(ctx)
    elif kind == "decide":
        decision = ctx.payload["decision"]
        if decision == "release":
            hold = money.release(hold_id=hold.pk, idempotency_key=_key(ctx, "release"), actor=actor)
        elif decision == "refund":
            hold = money.refund(hold_id=hold.pk, idempotency_key=_key(ctx, "refund"), actor=actor)
        else:
            hold = money.split(
                hold_id=hold.pk,
                creator_amount=ctx.payload["creator_amount"],
                idempotency_key=_key(ctx, "split"),
                actor=actor,
            )
        _settle_share(ctx, hold)


def _pay_extension(ctx: Context) -> None:
    """An extension is paid in full at once, through the deal's own steps on a hold of its own (not the deal's,
    which the collaboration's later steps read): held, escrowed, released less the platform fee, settled."""
    price, c = ctx.event_data["price"], ctx.collaboration
    if not price:
        return  # every right is included at no charge: the end date moves, no money does
    step = f"rights-{round(c.rights_until.timestamp() * 1_000_000)}"  # one payment per end date extended
    hold = money.hold(
        order_id=c.order_id,
        creator_id=c.creator_id,
        amount=price,
        idempotency_key=_key(ctx, f"{step}-hold"),
        actor=ctx.actor,
    )
    # The creator's agency takes its share of an extension as of any payment under the contract in force.
    money.escrow(
        hold_id=hold.pk, idempotency_key=_key(ctx, f"{step}-escrow"), actor=ctx.actor, **agency_terms(c.creator_id)
    )
    for name in ("release", "settle"):
        getattr(money, name)(hold_id=hold.pk, idempotency_key=_key(ctx, f"{step}-{name}"), actor=ctx.actor)
    ctx.event_data["hold"] = hold.pk


def _settle_share(ctx: Context, hold) -> None:
    """A cancellation fee or a dispute decision is final: the creator's share is spendable at once."""
    if hold.creator_share:
        money.settle(hold_id=hold.pk, idempotency_key=_key(ctx, "settle"), actor=ctx.actor)
