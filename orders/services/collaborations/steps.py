"""The collaboration state machine's table: every action's sources, target, actors, pricings and money
step (``ACTIONS``), the practice deal's rules, and the context one transition carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from marketplace.core.models import User
from orders import flows, negotiation, pay_per_play
from orders.access import ADMIN, BRAND, CREATOR, SYSTEM
from orders.models import Collaboration

S = Collaboration.Status

OFFER_TTL = negotiation.OFFER_TTL
AUTO_ACCEPT_AFTER = timedelta(days=7)
# The stays-live check (SPEC §3, docs/deals.md "Settlement"): a fixed-price or deposit deal's post must stay up
# this long from publication before the deal settles without the brand's word. It is the per-play deal's
# counting period (orders.pay_per_play), so every pricing pays only for a post that stayed up 14 days.
STAYS_LIVE_FOR = pay_per_play.COUNT_AFTER


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
    # The step hires or negotiates (an answer that makes or keeps an offer going): refused (409) and never
    # offered once the order is no longer open for deals (flows.OPEN_FOR_DEALS; handlers.check_order_open).
    needs_open_order: bool = False


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
        needs_open_order=True,
        label=gettext_lazy("accept the offer"),
    ),
    "decline": _step(
        flows.OPEN_OFFER, S.CLOSED, {CREATOR}, money="release_hold", label=gettext_lazy("decline the offer")
    ),
    # The system withdraws the open offers (and turns the applications down) of an order closed without a
    # person (orders.services.orders.order_transition; a brand member's close takes them as the brand).
    "withdraw": _step(
        flows.OPEN_OFFER, S.CLOSED, {BRAND, SYSTEM}, money="release_hold", label=gettext_lazy("withdraw the offer")
    ),
    # Negotiation (orders.negotiation): one counter within ±20 % and the offer's 72 hours; the brand
    # accepts it (the hold becomes the counter's price, then escrow) or declines it (the offer stands).
    "counter": _step(
        {S.OFFERED},
        S.COUNTERED,
        {CREATOR},
        pricings={FIXED},
        needs_open_order=True,
        label=gettext_lazy("counter the offer"),
    ),
    "accept_counter": _step(
        flows.COUNTERED_OFFER,
        S.ACCEPTED,
        {BRAND},
        money="adjust_escrow",
        needs_open_order=True,
        label=gettext_lazy("accept the counter-offer"),
    ),
    "decline_counter": _step(
        flows.COUNTERED_OFFER,
        S.OFFERED,
        {BRAND},
        needs_open_order=True,
        label=gettext_lazy("decline the counter-offer"),
    ),
    "expire": _step(
        flows.AWAITING_ANSWER, S.CLOSED, {SYSTEM}, money="release_hold", label=gettext_lazy("expire the offer")
    ),
    # Recruitment (招募): money is held when the brand selects an applicant.
    "select": _step(
        {S.APPLIED},
        S.ACCEPTED,
        {BRAND},
        money="hold_escrow",
        needs_open_order=True,
        label=gettext_lazy("select the applicant"),
    ),
    "reject_application": _step(
        {S.APPLIED}, S.CLOSED, {BRAND, SYSTEM}, label=gettext_lazy("turn the application down")
    ),
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
    # Settlement after the stays-live check (STAYS_LIVE_FOR from publication); a failed check opens a dispute.
    # The brand may confirm as soon as it accepted the work (it waives the rest of its own check), the creator
    # only once the period is over (handlers.confirm_live_refusal); the timer settles what nobody confirmed.
    "confirm_live": _step(
        {S.COMPLETED},
        S.SETTLED,
        {BRAND, CREATOR},
        money="settle",
        pricings={FIXED, DEPOSIT},
        label=gettext_lazy("confirm the post is live"),
    ),
    "auto_confirm_live": _step(
        {S.COMPLETED},
        S.SETTLED,
        {SYSTEM},
        money="settle",
        pricings={FIXED, DEPOSIT},
        label=gettext_lazy("confirm the post is live"),  # the step the creator could take by then
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
        needs_open_order=True,
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
