"""A ledger transaction's memo as a reader sees it.

The ledger is append-only, so a memo is written once as data, not as text for one reader: an adjusted hold
keeps ``"<old> -> <new>"`` in minor units (payouts.services.wallet.hold_adjust). Pages and exports format it
here, in the reader's language and with the currency, like every other amount.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from marketplace.core import format_money
from payouts.models import LedgerTransaction

HOLD_ADJUST_MEMO = re.compile(r"^(?P<old>\d+) -> (?P<new>\d+)$", re.ASCII)


def hold_adjust_memo(old: int, new: int) -> str:
    """What ``hold_adjust`` stores: the hold's amount before and after, in minor units."""
    return f"{old} -> {new}"


def memo_text(tx: LedgerTransaction, currency: str) -> str:
    """``tx``'s memo for a page or an export: an adjusted hold's two amounts as money, any other memo as written."""
    if tx.kind == LedgerTransaction.Kind.HOLD_ADJUST:
        amounts = HOLD_ADJUST_MEMO.match(tx.memo)
        if amounts:
            return _("from %(old)s to %(new)s") % {
                "old": format_money(int(amounts["old"]), currency),
                "new": format_money(int(amounts["new"]), currency),
            }
    return tx.memo
