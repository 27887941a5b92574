"""The money a transition moves, through the payouts services in the same transaction: one deterministic
idempotency key per transition and step."""

from __future__ import annotations

from agencies.selectors import agency_terms
from orders.models import Collaboration
from orders.services.collaborations.handlers import cancellation_base
from orders.services.collaborations.steps import Context, S, money_kind
from payouts import services as money
from payouts.services.idempotency import system_key


def _key(ctx: Context, step: str) -> str:
    """Deterministic idempotency key: the same transition can never move money twice. A system key, so
    nothing a client sends can occupy it (payouts.services.idempotency)."""
    return system_key("collab", ctx.collaboration.pk, ctx.action, step)


def _hold_of(c: Collaboration):
    from payouts.models import Hold

    return Hold.objects.filter(collaboration=c).order_by("-id").first()


# The money steps that put the deal's hold into escrow: each fixes the agency's share under the contract in force.
ESCROWS = frozenset({"hold_escrow", "escrow", "adjust_escrow", "pay_balance", "forfeit"})


def move_money(ctx: Context) -> None:
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
