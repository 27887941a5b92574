"""Money pages: the brand wallet, the creator's earnings and the staff ledger overview.

Views parse a form and call one service from payouts.services; the services enforce the money
rules, the idempotency keys and the audit rows. Every action is a plain POST that redirects
(htmx swaps the form or row in place and follows the redirect), so the pages work without JS.
"""

from payouts.views.earnings import creator_earnings, payout_request
from payouts.views.ledger import (
    admin_payout_failed,
    admin_payout_sent,
    admin_topup_confirm,
    admin_topup_fail,
    ledger_overview,
)
from payouts.views.statements import statement_download
from payouts.views.wallet import brand_wallet, wallet_statement_csv, wallet_topup

__all__ = [
    "admin_payout_failed",
    "admin_payout_sent",
    "admin_topup_confirm",
    "admin_topup_fail",
    "brand_wallet",
    "creator_earnings",
    "ledger_overview",
    "payout_request",
    "statement_download",
    "wallet_statement_csv",
    "wallet_topup",
]
