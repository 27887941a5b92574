"""Reads for the deal pages: who sees a collaboration, its timeline and money, boards, inbox, queues.

Every lookup is scoped to the viewer: another brand's or another creator's collaboration is a 404,
so ids reveal nothing. Each function runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.selectors import agency_bps_in_force
from creators.models import Creator, RatePrice
from marketplace.core.models import Notification, User
from marketplace.core.plugins import plugin
from orders import flows
from orders.access import ACTOR_RELATED, ADMIN, AGENCY, CREATOR, SYSTEM, actor_side, collaboration_side
from orders.models import Collaboration, CollaborationEvent, Deliverable, Dispute, Order
from payouts.models import Account, Hold, LedgerEntry, LedgerTransaction
from payouts.selectors import LIVE_HOLD

S = Collaboration.Status

# The order page's board: (key, title, states), left to right as a deal moves.
BOARD_COLUMNS: list[tuple[str, object, frozenset[str]]] = [
    ("offers", _("Offers & applications"), flows.AWAITING_ANSWER),
    ("in_progress", _("In progress"), flows.AWAITING_BALANCE | flows.IN_DELIVERY),
    ("published", _("Published"), frozenset({S.PUBLISHED})),
    ("done", _("Done"), flows.WORK_ACCEPTED),
    ("disputes", _("Disputes"), flows.IN_DISPUTE),
    ("closed", _("Closed / cancelled"), flows.LET_GO),
]
COLUMN_OF = {status: key for key, _title, states in BOARD_COLUMNS for status in states}

# What each event on a timeline says happened.
EVENT_LABELS = {
    "offer": _("Offer sent"),
    "apply": _("Applied"),
    "accept": _("Offer accepted"),
    "decline": _("Offer declined"),
    "withdraw": _("Offer withdrawn"),
    "counter": _("Counter-offer sent"),
    "accept_counter": _("Counter-offer accepted"),
    "decline_counter": _("Counter-offer declined"),
    "expire": _("Expired without an answer"),
    "select": _("Applicant selected"),
    "reject_application": _("Application not selected"),
    "withdraw_application": _("Application withdrawn"),
    "submit_script": _("Script submitted"),
    "approve_script": _("Script approved"),
    "reject_script": _("Script sent back"),
    "submit_video": _("Video submitted"),
    "approve_video": _("Video approved"),
    "request_revision": _("Video revision requested"),
    "publish": _("Post published"),
    "accept_work": _("Work accepted"),
    "auto_accept": _("Work accepted automatically (7 days after publishing)"),
    "confirm_live": _("Post confirmed live; payment settled"),
    "auto_confirm_live": _("Post stayed up through the stays-live check; payment settled automatically"),
    "report_down": _("Post reported down"),
    "cancel": _("Cancelled by the brand"),
    "open_dispute": _("Dispute opened"),
    "add_evidence": _("Evidence added to the dispute"),
    "resolve": _("Dispute decided"),
    "reserve": _("Offer accepted; the deposit reserves the creator"),
    "requote": _("Re-quoted"),
    "decline_requote": _("Re-quote declined"),
    "pay_balance": _("Balance paid; the price is in escrow"),
    "forfeit_deposit": _("Balance not paid in 7 days: deposit forfeited to the creator"),
    "count_plays": _("Plays counted (14 days after publishing)"),
    "confirm_plays": _("Plays confirmed; paid on them"),
    "auto_confirm_plays": _("Plays confirmed automatically (3 days after counting); paid on them"),
    "dispute_plays": _("Plays disputed"),
    "comment": _("Message"),
    "rate": _("Rated"),
    "deadline": _("A deadline passed"),
    "extend_rights": _("Usage rights extended and paid"),
    "rights_expiring": _("Usage rights end within 7 days"),
    "rights_lapsed": _("Usage rights ended"),
}


# ------------------------------------------------------------ one collaboration


def _collaborations() -> QuerySet[Collaboration]:
    return Collaboration.objects.select_related("order__brand", "order__product_category", "creator__user")


def collaboration_for_viewer(*, user: User, pk: int) -> tuple[Collaboration, str]:
    """The collaboration and the viewer's side: "brand", "viewer" (read-only member), "creator", "admin".

    Http404 for everyone else, and for a missing id alike.
    """
    c = _collaborations().filter(pk=pk).first()
    side = collaboration_side(c, user) if c is not None else None
    if side is None:
        raise Http404
    return c, side


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # "event" or "deliverable"
    obj: CollaborationEvent | Deliverable
    who: str
    label: str = ""
    change: str = ""  # "Accepted → Script submitted" when the event moved the status


def timeline(c: Collaboration) -> list[TimelineItem]:
    """Events (with their comments) and deliverables of one collaboration, oldest first (2 queries).

    A collaboration's history is short by construction (the state machine limits rounds), so the
    whole of it is read; messages are the only open-ended part and the page paginates the list.
    """
    events = c.events.select_related(*ACTOR_RELATED)
    deliverables = c.deliverables.select_related("uploaded_by__agency_membership__agency")
    items = [
        TimelineItem(
            e.created_at,
            "event",
            e,
            _who(c, e.actor),
            str(EVENT_LABELS.get(e.action, e.action)),
            f"{e.get_old_status_display()} → {e.get_new_status_display()}"
            if e.old_status and e.old_status != e.new_status
            else "",
        )
        for e in events
    ]
    items += [
        TimelineItem(d.created_at, "deliverable", d, _who(c, d.uploaded_by), d.get_kind_display()) for d in deliverables
    ]
    # A deliverable is stored just after the event of its submission: keep that order on equal times.
    items.sort(key=lambda item: (item.at, item.kind == "deliverable", item.obj.pk))
    return items


def _who(c: Collaboration, actor: User | None) -> str:
    """The actor's side by name: the brand, the creator, the creator's agency, an admin or the platform's timers."""
    side = actor_side(c, actor)
    if side == SYSTEM:
        return str(_("Starmap (automatic)"))
    if side == CREATOR:
        return c.creator.display_name
    if side == ADMIN:
        return str(_("Starmap admin"))
    if side == AGENCY:
        return _("%(agency)s (agency, for %(creator)s)") % {
            "agency": actor.agency_membership.agency.name,
            "creator": c.creator.display_name,
        }
    return c.order.brand.name


@dataclass
class MoneyMovement:
    tx: LedgerTransaction
    amount: int
    legs: list[tuple[str, int]] = field(default_factory=list)
    # The same movement in the creator's own terms (payouts.creator_terms), with no other party's accounts.
    creator_text: str = ""
    creator_amount: int = 0


CREATOR_ACCOUNTS = (Account.Kind.CREATOR_PENDING, Account.Kind.CREATOR_AVAILABLE)


def money_movements(c: Collaboration) -> list[MoneyMovement]:
    """The ledger transactions of this collaboration with their legs (2 queries; a handful of rows)."""
    from payouts.creator_terms import movement_text

    kinds = dict(Account.Kind.choices)
    txs = (
        LedgerTransaction.objects.filter(collaboration=c)
        .select_related("order", "hold")
        .prefetch_related(Prefetch("entries", queryset=LedgerEntry.objects.select_related("account")))
        .order_by("created_at", "id")
    )
    movements = []
    for tx in txs:
        entries = tx.entries.all()
        amount = sum(e.amount for e in entries if e.amount > 0)
        # What reached the creator's own balances; for the brand's steps (hold, escrow), the amount moved.
        to_creator = sum(e.amount for e in entries if e.amount > 0 and e.account.kind in CREATOR_ACCOUNTS)
        movements.append(
            MoneyMovement(
                tx=tx,
                amount=amount,
                legs=[(str(kinds.get(e.account.kind, e.account.kind)), e.amount) for e in entries],
                creator_text=movement_text(tx, to_creator or amount, currency=c.currency),
                creator_amount=to_creator or amount,
            )
        )
    return movements


# A dispute's evidence with what names who added each piece (``actor_side``: the collaboration's creator, the
# uploader and their agency seat), so listing it runs one query however much there is.
EVIDENCE = Prefetch(
    "evidence",
    queryset=Deliverable.objects.select_related("collaboration__creator", "uploaded_by__agency_membership__agency"),
)


def disputes_of(c: Collaboration) -> list[Dispute]:
    """The collaboration's disputes, oldest first, each piece of evidence with ``who`` added it (by name)."""
    disputes = list(
        c.disputes.select_related("opened_by", "decided_by").prefetch_related(EVIDENCE).order_by("opened_at", "id")
    )
    for dispute in disputes:
        for item in dispute.evidence.all():
            item.who = _who(c, item.uploaded_by)
    return disputes


# ------------------------------------------------------------------- order board


def order_board_cards(*, order: Order) -> QuerySet[Collaboration]:
    """The order's collaborations, column by column (left to right), most recently changed first."""
    rank = Case(
        *[When(status__in=states, then=Value(i)) for i, (_k, _t, states) in enumerate(BOARD_COLUMNS)],
        output_field=IntegerField(),
    )
    return (
        Collaboration.objects.filter(order=order)
        .select_related("creator")
        .annotate(column_rank=rank)
        .order_by("column_rank", "-updated_at", "-id")
    )


def order_board(*, order: Order, cards) -> list[dict]:
    """One page of cards arranged in the board's columns, each column with its total (1 query)."""
    counts = dict(Collaboration.objects.filter(order=order).values_list("status").annotate(n=Count("id")).order_by())
    return [
        {
            "key": key,
            "title": title,
            "total": sum(counts.get(s, 0) for s in states),
            "cards": [c for c in cards if c.status in states],
        }
        for key, title, states in BOARD_COLUMNS
    ]


def applications_for_order(*, order: Order) -> QuerySet[Collaboration]:
    """Open applications to a recruitment order, best stored match first."""
    return (
        Collaboration.objects.filter(order=order, status__in=flows.AWAITING_BRAND)
        .select_related("creator")
        .order_by(F("match_score").desc(nulls_last=True), "offered_at", "id")
    )


def applicant_rows(*, order: Order, collaborations) -> list[dict]:
    """Applicants with their quote against the listed price and, when the applicant is in the order's
    latest finished ranking, that ranking's component scores (2 queries).
    """
    collaborations = list(collaborations)
    results = plugin("ORDER_MATCHING").ranking_results(order, [c.creator_id for c in collaborations])
    listed = order.per_creator_budget()
    return [
        {
            "collaboration": c,
            "result": results.get(c.creator_id),
            "quote_vs_listed": round((c.agreed_price - listed) * 100 / listed, 1) if listed else None,
        }
        for c in collaborations
    ]


# --------------------------------------------------------------- creator inbox

INBOX_GROUPS = [(key, title, states) for key, title, states in BOARD_COLUMNS if key != "offers"]


def with_take_terms(collaborations: QuerySet[Collaboration]) -> QuerySet[Collaboration]:
    """Each with what an offer's card needs to show the creator's take (payouts.selectors.collaboration_take's
    terms): ``hold_fee_bps``, the platform fee fixed on its live hold (None before there is one), and
    ``agency_bps``, the share of the creator's agency contract in force (None without an agency)."""
    live = Hold.objects.filter(collaboration=OuterRef("pk"), status__in=LIVE_HOLD).values("fee_bps")[:1]
    return collaborations.annotate(hold_fee_bps=Subquery(live), agency_bps=agency_bps_in_force(OuterRef("creator_id")))


def inbox_offers(*, creator: Creator) -> QuerySet[Collaboration]:
    return with_take_terms(
        Collaboration.objects.filter(creator=creator, status__in=flows.OPEN_OFFER)
        .select_related("order__brand")
        .order_by("expires_at", "id")
    )


def inbox_applications(*, creator: Creator) -> QuerySet[Collaboration]:
    return (
        Collaboration.objects.filter(creator=creator, status__in=flows.AWAITING_BRAND)
        .select_related("order__brand")
        .order_by("-offered_at", "-id")
    )


def inbox_collaborations(*, creator: Creator, group: str) -> QuerySet[Collaboration]:
    states = next((states for key, _t, states in INBOX_GROUPS if key == group), ())
    return (
        Collaboration.objects.filter(creator=creator, status__in=states)
        .select_related("order__brand")
        .order_by("-updated_at", "-id")
    )


def inbox_group_counts(*, creator: Creator) -> dict[str, int]:
    counts = dict(
        Collaboration.objects.filter(creator=creator).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {key: sum(counts.get(s, 0) for s in states) for key, _t, states in BOARD_COLUMNS}


def recommended_with_reasons(*, creator: Creator) -> list[dict]:
    """The matcher's recommended open orders for the creator, each with its reasons in words, said to the creator."""
    return plugin("ORDER_MATCHING").recommended_with_reasons(creator)


# ------------------------------------------------------------ offers from a profile


def offerable_orders(*, brand_id: int, creator: Creator, limit: int = 100) -> list[tuple[Order, int | None]]:
    """The brand's published orders the creator is not on yet, with the creator's price for each format."""
    orders = list(
        Order.objects.filter(brand_id=brand_id, status=Order.Status.PUBLISHED)
        .exclude(collaborations__creator=creator)
        .order_by("-published_at", "-id")[:limit]
    )
    today = timezone.localdate()
    prices: dict[str, int] = {}
    # Latest price per format in force today; later rows overwrite earlier ones.
    for fmt, amount in (
        RatePrice.objects.filter(creator=creator, effective_from__lte=today)
        .order_by("effective_from", "id")
        .values_list("format", "amount")
    ):
        prices[fmt] = amount
    return [(order, prices.get(order.format)) for order in orders]


# ------------------------------------------------------------------ notifications


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# ------------------------------------------------------------------ admin queue


def open_disputes() -> QuerySet[Dispute]:
    """Open disputes, oldest first (the queue an admin works through)."""
    return (
        Dispute.objects.filter(status=Dispute.Status.OPEN)
        .select_related("collaboration__order__brand", "collaboration__creator", "opened_by")
        .annotate(evidence_count=Count("evidence"))
        .order_by("opened_at", "id")
    )


def dispute_for_staff(*, user: User, pk: int) -> Dispute:
    if not (user.is_authenticated and user.is_staff):
        raise Http404
    dispute = (
        Dispute.objects.select_related(
            "collaboration__order__brand", "collaboration__order__product_category", "collaboration__creator__user"
        )
        .filter(pk=pk)
        .first()
    )
    if dispute is None:
        raise Http404
    return dispute
