"""What each action does beyond its status change (``HANDLERS``), and the deadlines and cancellation shares
they read; ``collaboration_transition`` calls them under the collaboration's lock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from marketplace.core import Conflict, DomainError, InvalidTransition
from orders import deposits, flows, negotiation, pay_per_play, rights
from orders.access import BRAND
from orders.models import Collaboration, Dispute, Order
from orders.services.collaborations.steps import AUTO_ACCEPT_AFTER, STAYS_LIVE_FOR, Context, S


def requote_refusal(c: Collaboration, now: datetime) -> str:
    """Why the creator may not re-quote a deposit deal now ("" when they may): once, within 24 h of accepting."""
    if counters_made(c) >= deposits.REQUOTES_ALLOWED:
        return _("You can re-quote once, and you already did.")
    if c.accepted_at is None or now > c.accepted_at + deposits.REQUOTE_WITHIN:
        return _("A re-quote comes within 24 hours of accepting.")
    return ""


def counters_made(c: Collaboration) -> int:
    return int(c.countered_at is not None)


def check_order_open(order: Order) -> None:
    """Raise Conflict unless ``order`` is open for deals: the one check of every step that hires or negotiates
    (``Step.needs_open_order``: accepting, selecting, reserving, countering and answering a counter). A closed
    order hires nobody more, and closing it ended its open offers (orders.services.orders.order_transition)."""
    if order.status not in flows.OPEN_FOR_DEALS:
        raise Conflict(_("The order is no longer open."), field="order")


def stays_live_until(c: Collaboration) -> datetime | None:
    """When the deal's stays-live check is over: ``STAYS_LIVE_FOR`` after publication (None: never published)."""
    return c.published_at + STAYS_LIVE_FOR if c.published_at else None


def confirm_live_refusal(c: Collaboration, *, role: str, now: datetime) -> str:
    """Why ``role`` may not settle the deal on its stays-live check now ("" when it may). The brand may once it
    accepted the work: it waives the rest of its own check. Anyone else (the creator, their agency, the timer)
    only once the post has been up ``STAYS_LIVE_FOR`` since publication, so that the brand can still report it
    down (a dispute) until then and the money is never spendable before the check is over."""
    until = stays_live_until(c)
    if role == BRAND or until is None or now >= until:
        return ""
    when = formats.date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT")
    return _("The post must stay up for %(days)s days after publishing: it can be confirmed live from %(when)s.") % {
        "days": STAYS_LIVE_FOR.days,
        "when": when,
    }


# --------------------------------------------------------------- handlers


def _take_slot(ctx: Context) -> None:
    """Lock the order, then check its slots and the creator's capacity (race-safe under the lock)."""
    order = Order.objects.select_for_update().get(pk=ctx.collaboration.order_id)
    check_order_open(order)
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
    refusal = negotiation.counter_refusal(counters_made=counters_made(c), expires_at=c.expires_at, now=ctx.now)
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
    if ctx.collaboration.order.status not in flows.OPEN_FOR_DEALS:
        ctx.event_data["order_closed"] = True  # ended because its order closed (in the event and audit data)


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


def _on_confirm_live(ctx: Context) -> None:
    """Settle on the stays-live check: the brand's confirmation, the creator's once the period is over, or the
    timer's (``auto_confirm_live``) then; before it the creator and the timer are refused and nothing moves."""
    c = ctx.collaboration
    refusal = confirm_live_refusal(c, role=ctx.role, now=ctx.now)
    if refusal:
        raise InvalidTransition(refusal, field="status")
    until = stays_live_until(c)
    if until is not None and ctx.now < until:
        ctx.event_data["waived_until"] = until.isoformat()  # the brand settled before its check was over
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
    refusal = requote_refusal(c, ctx.now)
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
    accepts it), else at the price; the whole price goes into escrow (move_money)."""
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
    "confirm_live": _on_confirm_live,
    "auto_confirm_live": _on_confirm_live,
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
