"""Deposit orders (一口价 with deposit): the one rule on a deposit deal (docs/deals.md, "Deposit orders").

The brand offers a fixed price and holds only a deposit, ``DEPOSIT_BPS`` of it, when the offer is sent. The
creator's acceptance reserves them (``deposit_paid``): from then on the deposit is theirs unless the brand
pays the balance. Within ``REQUOTE_WITHIN`` of accepting, the creator may re-quote once, within the
negotiation band of the price (orders.negotiation.check_in_band); the brand pays the balance at the
re-quoted price, or declines the re-quote and the price stands. The brand pays the balance within
``BALANCE_WITHIN`` of the acceptance, and the deal goes on as any fixed-price deal with the whole price in
escrow; otherwise a timer forfeits the deposit to the creator (less the platform fee) and closes the deal.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.core import check_amount

# The deposit: 10 % of the price, rounded down to the minor unit (at least one).
DEPOSIT_BPS = 1000
# The creator's one re-quote comes within 24 hours of accepting.
REQUOTE_WITHIN = timedelta(hours=24)
REQUOTES_ALLOWED = 1
# The brand pays the balance within 7 days of the acceptance, or the deposit is forfeited.
BALANCE_WITHIN = timedelta(days=7)


def deposit_for(price: int) -> int:
    """The deposit that reserves a creator at ``price``."""
    check_amount(price, field="price")
    return max(price * DEPOSIT_BPS // 10_000, 1)
