"""Posting to the ledger: accounts, row locks, balanced transactions and the fee split.

Every money movement in Starmap goes through ``post()``. It locks the accounts it touches in
ascending id order (so two movements never wait on each other in a cycle), refuses to take any
account other than the provider below zero, writes the entries and moves the cached balances in
the caller's transaction, and writes the audit row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from marketplace.core import InsufficientFunds, audit, format_money
from payouts.models import Account, LedgerEntry, LedgerTransaction

BPS = 10_000


def fee_split(amount: int, bps: int) -> tuple[int, int]:
    """Split a gross amount into ``(creator_share, fee)`` for a platform fee of ``bps`` basis points.

    The one rounding rule: the fee is rounded DOWN to a whole minor unit
    (``fee = amount * bps // 10000``) and the creator gets the rest, so ``share + fee == amount``
    exactly and any fraction of a minor unit goes to the creator.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    if not 0 <= bps <= BPS:
        raise ValueError("bps must be between 0 and 10000")
    fee = amount * bps // BPS
    return amount - fee, fee


def agency_split(share: int, bps: int) -> tuple[int, int]:
    """Split the creator's share (after the platform fee) into ``(creator_net, agency_share)`` for an
    agency taking ``bps`` basis points of it.

    The same rounding rule as the fee: the agency's part is rounded DOWN to a whole minor unit and the
    creator gets the rest, so ``creator_net + agency_share == share`` exactly and any fraction goes to
    the creator. With the fee: ``creator_net + agency_share + fee == gross``.
    """
    if share < 0:
        raise ValueError("share must not be negative")
    if not 0 <= bps <= BPS:
        raise ValueError("bps must be between 0 and 10000")
    agency = share * bps // BPS
    return share - agency, agency


_OWNER_FIELD = {
    Account.Kind.BRAND_AVAILABLE: "brand_id",
    Account.Kind.BRAND_HELD: "brand_id",
    Account.Kind.ORDER_ESCROW: "order_id",
    Account.Kind.CREATOR_PENDING: "creator_id",
    Account.Kind.CREATOR_AVAILABLE: "creator_id",
    Account.Kind.PLATFORM_FEES: None,
    Account.Kind.PROVIDER: None,
    Account.Kind.INCENTIVES: None,
    Account.Kind.INCENTIVES_HELD: None,
    Account.Kind.AGENCY_PENDING: "agency_id",
    Account.Kind.AGENCY_AVAILABLE: "agency_id",
}


def account_for(kind: str, currency: str, owner_id: int | None = None) -> Account:
    """The account of ``kind`` for its owner (a brand, creator, order or agency id; none for the platform).

    Created on first use. Two transactions creating the same account meet at the unique index:
    the second waits for the first to commit, then reads its row.
    """
    field = _OWNER_FIELD[kind]
    if (field is None) != (owner_id is None):
        raise ValueError(f"{kind} accounts {'have no' if field is None else 'need an'} owner")
    lookup: dict[str, Any] = {"kind": kind, "currency": currency, "brand_id": None, "creator_id": None}
    lookup["order_id"] = lookup["agency_id"] = None
    if field:
        lookup[field] = owner_id
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup)
    except IntegrityError:
        return Account.objects.get(**lookup)


def lock_accounts(accounts: Sequence[Account]) -> dict[int, Account]:
    """Lock the accounts' rows in ascending id order and return them fresh from the database."""
    ids = sorted({account.pk for account in accounts})
    return {account.pk: account for account in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


@transaction.atomic
def post(
    *,
    kind: str,
    legs: Sequence[tuple[Account, int]],
    actor=None,
    subject: models.Model | None = None,
    memo: str = "",
    **links: Any,
) -> LedgerTransaction:
    """Write one balanced transaction and move the cached balances; return the transaction.

    ``legs`` are ``(account, signed amount)``; zero legs are dropped. Locks every account touched
    (ascending id) and raises InsufficientFunds if any account but the provider would go below
    zero. ``links`` are the transaction's order / collaboration / hold / payout / topup. The audit
    row names ``subject`` (the hold, top-up or payout) when given, else the transaction.
    """
    legs = [(account, amount) for account, amount in legs if amount != 0]
    _check_balanced(legs)
    deltas: dict[int, int] = defaultdict(int)
    for account, amount in legs:
        deltas[account.pk] += amount
    locked = lock_accounts([account for account, _amount in legs])
    for account_id, delta in deltas.items():
        account = locked[account_id]
        if account.kind != Account.Kind.PROVIDER and account.balance + delta < 0:
            raise InsufficientFunds(
                _("Not enough funds: %(balance)s available, %(needed)s needed.")
                % {
                    "balance": format_money(account.balance, account.currency),
                    "needed": format_money(-delta, account.currency),
                },
                field="amount",
            )
    ledger_tx = LedgerTransaction.objects.create(kind=kind, memo=memo[:255], **links)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(transaction=ledger_tx, account_id=account.pk, amount=amount, currency=account.currency)
            for account, amount in legs
        ]
    )
    for account_id, delta in deltas.items():
        Account.objects.filter(pk=account_id).update(balance=F("balance") + delta)
    for account, _amount in legs:
        account.balance = locked[account.pk].balance + deltas[account.pk]
    audit(
        actor=actor,
        action=f"money.{kind}",
        obj=subject if subject is not None else ledger_tx,
        transaction_id=ledger_tx.pk,
        currency=legs[0][0].currency,
        legs=[{"account": account.pk, "kind": account.kind, "amount": amount} for account, amount in legs],
    )
    return ledger_tx


def _check_balanced(legs: Sequence[tuple[Account, int]]) -> None:
    """The database checks this again at commit; failing here gives a clear error before any write."""
    if len(legs) < 2:
        raise ValueError("a ledger transaction needs at least two non-zero legs")
    totals: dict[str, int] = defaultdict(int)
    for account, amount in legs:
        totals[account.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValueError(f"ledger legs do not sum to zero: {unbalanced}")
