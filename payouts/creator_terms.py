"""Money movements told in the creator's own terms: which deal, what happened, gross, fee, agency share and net.

A creator never sees another party's ledger accounts ("Brand available", "Order escrow"): each
transaction that touches their deal or their balance becomes one sentence about their money.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.core import format_money
from payouts.models import Hold, LedgerTransaction
from payouts.selectors import hold_take

K = LedgerTransaction.Kind


def _order(tx: LedgerTransaction) -> str:
    return tx.order.title if tx.order_id else _("your deal")


# The settlement of a resolved hold is told as the resolution it settles.
SETTLED_AS = {Hold.Status.SPLIT: K.SPLIT, Hold.Status.CANCELLED: K.CANCELLATION_FEE}


def _paid(tx: LedgerTransaction, hold: Hold, kind: str) -> str:
    """Gross, platform fee, a represented creator's agency share (named) and net: gross − fee − share = net."""
    take = hold_take(hold)
    figures = {
        "order": _order(tx),
        "gross": format_money(take.gross, take.currency),
        "fee": format_money(take.fee, take.currency),
        "percent": take.fee_percent,
        "net": format_money(take.net, take.currency),
    }
    if take.agency:
        figures |= {
            "agency": take.agency_name,
            "agency_percent": take.agency_percent,
            "share": format_money(take.agency, take.currency),
        }
        return _with_agency(kind) % figures
    if kind == K.SPLIT:
        text = _(
            "Dispute decided on “%(order)s”: %(gross)s to you, platform fee (%(percent)s %%) %(fee)s, net %(net)s."
        )
    elif kind == K.CANCELLATION_FEE:
        text = _(
            "“%(order)s” was cancelled by the brand: cancellation payment %(gross)s, "
            "platform fee (%(percent)s %%) %(fee)s, net %(net)s."
        )
    else:
        text = _("Payment for “%(order)s” released: %(gross)s, platform fee (%(percent)s %%) %(fee)s, net %(net)s.")
    return text % figures


def _with_agency(kind: str) -> str:
    if kind == K.SPLIT:
        return _(
            "Dispute decided on “%(order)s”: %(gross)s to you, platform fee (%(percent)s %%) %(fee)s, "
            "agency share to %(agency)s (%(agency_percent)s %% after the fee) %(share)s, net %(net)s."
        )
    if kind == K.CANCELLATION_FEE:
        return _(
            "“%(order)s” was cancelled by the brand: cancellation payment %(gross)s, "
            "platform fee (%(percent)s %%) %(fee)s, "
            "agency share to %(agency)s (%(agency_percent)s %% after the fee) %(share)s, net %(net)s."
        )
    return _(
        "Payment for “%(order)s” released: %(gross)s, platform fee (%(percent)s %%) %(fee)s, "
        "agency share to %(agency)s (%(agency_percent)s %% after the fee) %(share)s, net %(net)s."
    )


def movement_text(tx: LedgerTransaction, amount: int, *, currency: str) -> str:
    """One sentence for the creator about ``tx``; ``amount`` is what it did to the money shown beside it."""
    money = format_money(abs(amount), currency)
    order = _order(tx)
    if tx.kind in (K.RELEASE, K.SPLIT, K.CANCELLATION_FEE) and tx.hold_id:
        return _paid(tx, tx.hold, tx.kind)
    if tx.kind == K.SETTLE and tx.hold_id:
        paid = _paid(tx, tx.hold, SETTLED_AS.get(tx.hold.status, K.RELEASE))
        return _("%(paid)s Now available to pay out.") % {"paid": paid}
    texts = {
        K.HOLD: _("The brand set aside %(money)s for “%(order)s”."),
        K.HOLD_ADJUST: _("The money set aside for “%(order)s” changed by %(money)s to the agreed price."),
        K.RELEASE_HOLD: _("The money set aside for “%(order)s” went back to the brand: the offer ended."),
        K.ESCROW: _(
            "%(money)s for “%(order)s” is in escrow: it is paid to you once the brand has accepted the work "
            "and the post is confirmed still live."
        ),
        K.REFUND: _("The escrow for “%(order)s” went back to the brand."),
        K.PAYOUT: _("Payout of %(money)s to your account."),
        K.PAYOUT_REVERSAL: _("A payout of %(money)s failed and is back in your balance."),
    }
    text = texts.get(tx.kind)
    return text % {"money": money, "order": order} if text else str(tx.get_kind_display())
