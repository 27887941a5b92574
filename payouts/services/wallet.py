"""Brand wallet: top-ups through the provider, holds, releasing a hold, moving a hold into escrow."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import (
    Conflict,
    DomainError,
    InvalidTransition,
    audit,
    check_amount,
    check_transition,
    update_fields,
)
from payouts.memos import hold_adjust_memo
from payouts.models import Account, Hold, LedgerTransaction, TopUp
from payouts.providers import get_provider
from payouts.services import documents
from payouts.services.common import actor_or_none, get_or_404
from payouts.services.idempotency import brand_scope, idempotent, stored_scope
from payouts.services.ledger import BPS, account_for, post

TOPUP_FLOW = {TopUp.Status.PENDING: {TopUp.Status.SUCCEEDED, TopUp.Status.FAILED}}

HOLD_FLOW = {
    Hold.Status.HELD: {Hold.Status.ESCROWED, Hold.Status.RELEASED},
    Hold.Status.ESCROWED: {Hold.Status.PAID, Hold.Status.REFUNDED, Hold.Status.SPLIT, Hold.Status.CANCELLED},
}

LIVE_HOLD = (Hold.Status.HELD, Hold.Status.ESCROWED)

K = Account.Kind


def provider_key(operation: str, scope: str, key: str) -> str:
    """The key the provider sees: stable for one request, distinct across scopes and key namespaces."""
    return f"{operation}-{hashlib.sha256(f'{stored_scope(scope, key)}/{key}'.encode()).hexdigest()[:32]}"


# ------------------------------------------------------------------- top-ups


def topup(*, brand_id: int, amount: int, currency: str | None = None, idempotency_key: str, actor=None) -> TopUp:
    """Collect ``amount`` from the brand through the provider.

    The sandbox succeeds at once and the brand's available balance is credited in this
    transaction; the manual provider leaves the top-up pending until an admin confirms the bank
    transfer (topup_confirm). The provider is called inside the transaction with a key derived
    from the request's key, so a retried request is one collection at the provider too.
    """
    currency = currency or settings.CURRENCY
    check_amount(amount)
    scope = brand_scope(brand_id)
    return idempotent(
        scope=scope,
        key=idempotency_key,
        operation="topup",
        params={"brand_id": brand_id, "amount": amount, "currency": currency},
        perform=lambda: _topup(
            brand_id=brand_id,
            amount=amount,
            currency=currency,
            provider_key=provider_key("topup", scope, idempotency_key),
            actor=actor,
        ),
    )


def _topup(*, brand_id: int, amount: int, currency: str, provider_key: str, actor) -> TopUp:
    provider = get_provider()
    record = TopUp(
        brand_id=brand_id,
        amount=amount,
        currency=currency,
        provider=provider.name,
        requested_by=actor_or_none(actor),
    )
    record.full_clean()
    record.save()
    result = provider.top_up(idempotency_key=provider_key, brand_id=brand_id, amount=amount, currency=currency)
    if result.succeeded:
        return _credit_topup(record, reference=result.reference, actor=actor)
    audit(actor=actor, action="money.topup_requested", obj=record, amount=amount, currency=currency)
    return record


def _credit_topup(record: TopUp, *, reference: str, actor) -> TopUp:
    post(
        kind=LedgerTransaction.Kind.TOPUP,
        legs=[
            (account_for(K.PROVIDER, record.currency), -record.amount),
            (account_for(K.BRAND_AVAILABLE, record.currency, record.brand_id), record.amount),
        ],
        actor=actor,
        subject=record,
        memo=reference,
        topup=record,
    )
    record = update_fields(
        record, status=TopUp.Status.SUCCEEDED, provider_reference=reference, credited_at=timezone.now()
    )
    documents.topup_receipt(record)
    return record


def topup_confirm(*, topup_id: int, reference: str, idempotency_key: str, actor) -> TopUp:
    """Admin: the bank transfer for a pending (manual) top-up arrived; credit the brand."""
    reference = reference.strip()
    if not reference:
        raise DomainError(_("Enter the bank transfer reference."), field="reference")
    brand_id = get_or_404(TopUp, topup_id).brand_id
    return idempotent(
        scope=brand_scope(brand_id),
        key=idempotency_key,
        operation="topup_confirm",
        params={"topup_id": topup_id, "reference": reference},
        perform=lambda: _topup_confirm(topup_id=topup_id, reference=reference, actor=actor),
    )


def _topup_confirm(*, topup_id: int, reference: str, actor) -> TopUp:
    record = get_or_404(TopUp, topup_id, lock=True)
    check_transition(TOPUP_FLOW, current=record.status, to=TopUp.Status.SUCCEEDED)
    return _credit_topup(record, reference=reference, actor=actor)


@transaction.atomic
def topup_fail(*, topup_id: int, reason: str, actor) -> TopUp:
    """Admin: a pending top-up will never arrive. Moves no money."""
    record = get_or_404(TopUp, topup_id, lock=True)
    check_transition(TOPUP_FLOW, current=record.status, to=TopUp.Status.FAILED)
    audit(actor=actor, action="money.topup_failed", obj=record, amount=record.amount, reason=reason)
    return update_fields(record, status=TopUp.Status.FAILED)


# --------------------------------------------------------------------- holds


def hold(
    *,
    order_id: int,
    amount: int,
    collaboration_id: int | None = None,
    creator_id: int | None = None,
    idempotency_key: str,
    actor=None,
) -> Hold:
    """Set ``amount`` of the order's brand's available money aside for one deal (available → held).

    The hold takes the order's currency and today's PLATFORM_FEE_BPS. With a collaboration, the
    creator is the collaboration's and only one live hold may exist for it (Conflict otherwise).
    Raises InsufficientFunds when the brand's available balance is short.
    """
    check_amount(amount)
    # The deal's rows are read through the hold's own foreign keys: payouts imports no deal code.
    order = get_or_404(Hold.order.field.related_model, order_id)
    if collaboration_id is not None:
        collaboration = get_or_404(Hold.collaboration.field.related_model, collaboration_id)
        if collaboration.order_id != order.pk or creator_id not in (None, collaboration.creator_id):
            raise DomainError(_("The collaboration does not belong to this order."), field="collaboration_id")
        creator_id = collaboration.creator_id
    return idempotent(
        scope=brand_scope(order.brand_id),
        key=idempotency_key,
        operation="hold",
        params={"order_id": order_id, "amount": amount, "collaboration_id": collaboration_id, "creator_id": creator_id},
        perform=lambda: _hold(
            order=order, amount=amount, collaboration_id=collaboration_id, creator_id=creator_id, actor=actor
        ),
    )


def _hold(*, order, amount: int, collaboration_id: int | None, creator_id: int | None, actor) -> Hold:
    if collaboration_id and Hold.objects.filter(collaboration_id=collaboration_id, status__in=LIVE_HOLD).exists():
        raise Conflict(_("Money is already held for this collaboration."), field="collaboration_id")
    record = Hold(
        brand_id=order.brand_id,
        order=order,
        collaboration_id=collaboration_id,
        creator_id=creator_id,
        amount=amount,
        currency=order.currency,
        fee_bps=settings.PLATFORM_FEE_BPS,
    )
    # The constraints (one live hold per collaboration, amounts add up) are PostgreSQL's to check.
    record.full_clean(validate_constraints=False)
    try:
        record.save()
    except IntegrityError:  # a concurrent hold for the same collaboration committed first
        raise Conflict(_("Money is already held for this collaboration."), field="collaboration_id") from None
    post(
        kind=LedgerTransaction.Kind.HOLD,
        legs=[
            (_brand_account(K.BRAND_AVAILABLE, record), -amount),
            (_brand_account(K.BRAND_HELD, record), amount),
        ],
        actor=actor,
        subject=record,
        **_links(record),
    )
    return record


def hold_adjust(*, hold_id: int, amount: int, idempotency_key: str, actor=None) -> Hold:
    """Set a held (not yet escrowed) hold to ``amount``: one ledger transaction moves the difference
    between the brand's available and held balances (an accepted counter-offer). The hold keeps its fee
    rate. Raises InsufficientFunds when the brand cannot cover a rise, InvalidTransition unless held.
    """
    check_amount(amount)
    brand_id = get_or_404(Hold, hold_id).brand_id
    return idempotent(
        scope=brand_scope(brand_id),
        key=idempotency_key,
        operation="hold_adjust",
        params={"hold_id": hold_id, "amount": amount},
        perform=lambda: _hold_adjust(hold_id=hold_id, amount=amount, actor=actor),
    )


def _hold_adjust(*, hold_id: int, amount: int, actor) -> Hold:
    record = get_or_404(Hold, hold_id, lock=True)
    if record.status != Hold.Status.HELD:
        raise InvalidTransition(_("Only money still held can be adjusted."), field="status")
    delta = amount - record.amount
    if delta:
        post(
            kind=LedgerTransaction.Kind.HOLD_ADJUST,
            legs=[
                (_brand_account(K.BRAND_AVAILABLE, record), -delta),
                (_brand_account(K.BRAND_HELD, record), delta),
            ],
            actor=actor,
            subject=record,
            memo=hold_adjust_memo(record.amount, amount),  # data; pages format it (payouts.memos)
            **_links(record),
        )
    return update_fields(record, amount=amount)


def release_hold(*, hold_id: int, idempotency_key: str, actor=None) -> Hold:
    """Give held money back to the brand's available balance (held → released)."""
    return _hold_step(
        hold_id=hold_id, to=Hold.Status.RELEASED, idempotency_key=idempotency_key, actor=actor, operation="release_hold"
    )


def escrow(
    *, hold_id: int, idempotency_key: str, actor=None, agency_id: int | None = None, agency_bps: int = 0
) -> Hold:
    """Move held money into the order's escrow (held → escrowed), e.g. when the creator accepts.

    ``agency_id`` and ``agency_bps`` are the creator's agency and its share under the contract in force
    now (the caller reads it): the hold keeps them, and the payment is split by them when it resolves.
    """
    if (agency_id is None and agency_bps) or not 0 <= agency_bps <= BPS:
        raise DomainError(_("An agency share needs an agency."), field="agency_bps")
    return _hold_step(
        hold_id=hold_id,
        to=Hold.Status.ESCROWED,
        idempotency_key=idempotency_key,
        actor=actor,
        operation="escrow",
        terms={"agency_id": agency_id, "agency_bps": agency_bps} if agency_id is not None else {},
    )


def _hold_step(
    *, hold_id: int, to: str, idempotency_key: str, actor, operation: str, terms: dict | None = None
) -> Hold:
    brand_id = get_or_404(Hold, hold_id).brand_id
    return idempotent(
        scope=brand_scope(brand_id),
        key=idempotency_key,
        operation=operation,
        params={"hold_id": hold_id, **(terms or {})},
        perform=lambda: _move_hold(hold_id=hold_id, to=to, actor=actor, terms=terms or {}),
    )


def _move_hold(*, hold_id: int, to: str, actor, terms: dict | None = None) -> Hold:
    record = get_or_404(Hold, hold_id, lock=True)
    check_transition(HOLD_FLOW, current=record.status, to=to)
    held = _brand_account(K.BRAND_HELD, record)
    if to == Hold.Status.ESCROWED:
        kind = LedgerTransaction.Kind.ESCROW
        target = account_for(K.ORDER_ESCROW, record.currency, record.order_id)
    else:
        kind = LedgerTransaction.Kind.RELEASE_HOLD
        target = _brand_account(K.BRAND_AVAILABLE, record)
    legs = [(held, -record.amount), (target, record.amount)]
    post(kind=kind, legs=legs, actor=actor, subject=record, **_links(record))
    extra = {"resolved_at": timezone.now()} if to == Hold.Status.RELEASED else dict(terms or {})
    return update_fields(record, status=to, **extra)


def _brand_account(kind: str, record: Hold) -> Account:
    return account_for(kind, record.currency, record.brand_id)


def _links(record: Hold) -> dict:
    return {"hold": record, "order_id": record.order_id, "collaboration_id": record.collaboration_id}
