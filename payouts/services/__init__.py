"""Every write that moves money. See docs/money.md for the accounts, flows and invariants.

Each service takes keyword-only arguments including ``idempotency_key`` and ``actor``, runs
inside the caller's transaction (``transaction.atomic`` nests as a savepoint), stores the key in
that same transaction, and writes an audit row for every ledger transaction. Callers authorise
the actor; these functions enforce the money rules.
"""

from payouts.services.escrow import cancellation_fee, pay_on_results, pool_release, refund, release, settle, split
from payouts.services.idempotency import IdempotencyConflict
from payouts.services.incentives import incentives_fund, incentives_hold, incentives_pay, incentives_return
from payouts.services.ledger import account_for, fee_split, post
from payouts.services.payout import (
    PayoutRetry,
    agency_payout_request,
    payout_mark_failed,
    payout_mark_sent,
    payout_request,
    payout_send,
)
from payouts.services.wallet import (
    HOLD_FLOW,
    TOPUP_FLOW,
    escrow,
    hold,
    hold_adjust,
    release_hold,
    topup,
    topup_confirm,
    topup_fail,
)

__all__ = [
    "HOLD_FLOW",
    "TOPUP_FLOW",
    "IdempotencyConflict",
    "PayoutRetry",
    "account_for",
    "agency_payout_request",
    "cancellation_fee",
    "escrow",
    "fee_split",
    "hold",
    "hold_adjust",
    "incentives_fund",
    "incentives_hold",
    "incentives_pay",
    "incentives_return",
    "pay_on_results",
    "payout_mark_failed",
    "payout_mark_sent",
    "payout_request",
    "payout_send",
    "pool_release",
    "post",
    "refund",
    "release",
    "release_hold",
    "settle",
    "split",
    "topup",
    "topup_confirm",
    "topup_fail",
]
