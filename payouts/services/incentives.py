"""The incentives fund: staff pay it in through the payment provider; incentive programmes hold their
budgets from it, pay bonuses to creators' available balances, and return what is left (docs/programmes.md).

The two accounts are the platform's: ``incentives`` (money put in for bonuses, not yet promised) and
``incentives_held`` (the budgets of running programmes). Callers (the programmes app) pass amounts and
the programme as the audit subject; these functions only move the money, through ``post()``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from marketplace.core import DomainError, check_amount
from payouts.models import Account, LedgerTransaction
from payouts.providers import get_provider
from payouts.services.idempotency import idempotent
from payouts.services.ledger import account_for, post
from payouts.services.wallet import provider_key

K = Account.Kind
T = LedgerTransaction.Kind
INCENTIVES_SCOPE = "platform:incentives"


def incentives_fund(*, amount: int, currency: str | None = None, idempotency_key: str, actor) -> LedgerTransaction:
    """Staff: collect ``amount`` through the provider into the incentives fund (one collection per key).

    A provider that only confirms later (the manual bank transfer) is refused with a clear message: the
    fund holds money that has arrived, never money that is on its way.
    """
    currency = currency or settings.CURRENCY
    check_amount(amount)
    return idempotent(
        scope=INCENTIVES_SCOPE,
        key=idempotency_key,
        operation="incentives_fund",
        params={"amount": amount, "currency": currency},
        perform=lambda: _fund(
            amount=amount,
            currency=currency,
            key=provider_key("incentives", INCENTIVES_SCOPE, idempotency_key),
            actor=actor,
        ),
    )


def _fund(*, amount: int, currency: str, key: str, actor) -> LedgerTransaction:
    result = get_provider().top_up(idempotency_key=key, brand_id=0, amount=amount, currency=currency)
    if not result.succeeded:
        raise DomainError(
            _("The payment provider has not confirmed this transfer; fund the incentives once it has arrived."),
            field="amount",
        )
    return post(
        kind=T.INCENTIVE_FUNDING,
        legs=[(account_for(K.PROVIDER, currency), -amount), (account_for(K.INCENTIVES, currency), amount)],
        actor=actor,
        memo=result.reference,
    )


@transaction.atomic
def incentives_hold(*, amount: int, currency: str, subject: models.Model, actor) -> LedgerTransaction:
    """Set a programme's budget aside from the fund (InsufficientFunds if the fund has less)."""
    return post(
        kind=T.PROGRAMME_HOLD,
        legs=[(account_for(K.INCENTIVES, currency), -amount), (account_for(K.INCENTIVES_HELD, currency), amount)],
        actor=actor,
        subject=subject,
        memo=str(subject),
    )


@transaction.atomic
def incentives_pay(*, creator_id: int, amount: int, currency: str, subject: models.Model, actor) -> LedgerTransaction:
    """Pay one creator's bonus from the held budgets to their available balance."""
    return post(
        kind=T.PROGRAMME_BONUS,
        legs=[
            (account_for(K.INCENTIVES_HELD, currency), -amount),
            (account_for(K.CREATOR_AVAILABLE, currency, creator_id), amount),
        ],
        actor=actor,
        subject=subject,
        memo=str(subject),
    )


@transaction.atomic
def incentives_return(*, amount: int, currency: str, subject: models.Model, actor) -> LedgerTransaction:
    """Return what a programme did not pay from the held budgets to the fund."""
    return post(
        kind=T.PROGRAMME_RETURN,
        legs=[(account_for(K.INCENTIVES_HELD, currency), -amount), (account_for(K.INCENTIVES, currency), amount)],
        actor=actor,
        subject=subject,
        memo=str(subject),
    )
