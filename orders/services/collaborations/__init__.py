"""The collaboration state machine of SPEC §3: one table, one transition function.

``ACTIONS`` says, for every action, the states it starts from, the state it leads to, who may take
it and which money step it moves. ``collaboration_transition`` is the only code that changes a
collaboration's status: it locks the row, checks actor, state, deadline and limits, moves the money
through the payouts services in the same transaction, writes the event and audit rows and queues
the notifications. Timers (offer expiry, auto-acceptance, settlement after the stays-live check) call it with
``actor=None``.

The package: ``steps.py`` holds the table (``ACTIONS``, its practice rules, the transition's context),
``handlers.py`` what each action does beyond its status (``HANDLERS``; deadlines, cancellation shares),
``money.py`` the money each step moves; this module the transition and who may take which step.

A practice deal (a novice task, orders.services.practice; ``Collaboration.is_practice``) walks the same table
with three rules stated here and nowhere else: it takes only the ``PRACTICE_STEPS``; every step's money kind
resolves to none (``money_kind``: no hold, no escrow, no ledger transaction, no idempotency key); and the
system plays the practice brand, answering each creator step in ``PRACTICE_REPLIES`` at once through this same
function (actor None).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import DomainError, InvalidTransition, NotAllowed, audit, check_transition
from marketplace.core.events import announce
from marketplace.core.models import User
from marketplace.core.transitions import status_label
from orders import flows, negotiation
from orders.access import AGENCY, BRAND, CREATOR, SYSTEM, acting_side, delegated_actions
from orders.models import Collaboration, CollaborationEvent
from orders.services import notifications
from orders.services.collaborations.handlers import (
    HANDLERS,
    cancellation_base,
    cancellation_share,
    check_order_open,
    confirm_live_refusal,
    counters_made,
    missed_deadline,
    plays_figures,
    requote_refusal,
    stays_live_until,
)
from orders.services.collaborations.money import move_money
from orders.services.collaborations.steps import (
    ACTIONS,
    AUTO_ACCEPT_AFTER,
    COLLABORATION_FLOW,
    OFFER_TTL,
    PRACTICE_REPLIES,
    PRACTICE_STEPS,
    STAYS,
    STAYS_LIVE_FOR,
    Context,
    Step,
    _step,
    money_kind,
)
from orders.services.track_record import TRACK_RECORD_FIELDS, track_record_refresh

# The package's interface: the transition, what the pages ask of it, and the table (steps.py).
__all__ = [
    "ACTIONS",
    "AUTO_ACCEPT_AFTER",
    "COLLABORATION_FLOW",
    "OFFER_TTL",
    "PRACTICE_REPLIES",
    "PRACTICE_STEPS",
    "STAYS",
    "STAYS_LIVE_FOR",
    "Step",
    "_step",
    "allowed_actions",
    "cancellation_base",
    "cancellation_share",
    "collaboration_transition",
    "missed_deadline",
    "money_kind",
    "plays_figures",
    "refusal_not_now",
    "refusal_not_yours",
    "stays_live_until",
]

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
        and (not step.needs_open_order or collaboration.order.status in flows.OPEN_FOR_DEALS)
        and _guard_ok(collaboration, name, role)
    ]


def _guard_ok(collaboration: Collaboration, action: str, role: str | None) -> bool:
    if action == "confirm_live":
        return not confirm_live_refusal(collaboration, role=role, now=timezone.now())
    if action == "request_revision":
        return collaboration.video_revisions < collaboration.order.video_revision_limit
    if action == "extend_rights":
        return bool(collaboration.rights_terms and collaboration.rights_until)
    if action == "counter":
        return not negotiation.counter_refusal(
            counters_made=counters_made(collaboration), expires_at=collaboration.expires_at, now=timezone.now()
        )
    if action == "requote":
        return not requote_refusal(collaboration, timezone.now())
    return True


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
    if step.needs_open_order:
        check_order_open(c.order)  # locked with the collaboration: a close waits for this step, or it for the close
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise DomainError(_("Please say why."), field="comment")
    ctx = Context(c, action, step, actor, role, now or timezone.now(), comment, payload or {}, step.target or c.status)
    if on_behalf:
        ctx.event_data["on_behalf_of_creator"] = True
    HANDLERS.get(action, _noop)(ctx)
    if step.target != STAYS:
        check_transition(COLLABORATION_FLOW, current=c.status, to=ctx.target)
    move_money(ctx)
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
