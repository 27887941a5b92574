"""Resolving escrow: release to the creator, refund, split, cancellation fee; then settlement.

An escrowed hold resolves once. Whatever goes to the creator (the gross) is split with the
platform by ledger.fee_split at the hold's fee rate, and what the creator keeps with the creator's
agency (if the hold names one) by ledger.agency_split; whatever does not goes back to the brand's
available balance. The creator's share lands in ``creator_pending`` (the agency's in
``agency_pending``) and moves to available when the deal settles (``settle``).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import DomainError, InvalidTransition, check_amount, check_transition, update_fields
from payouts.models import Account, Hold, LedgerTransaction, PoolAward
from payouts.services import documents
from payouts.services.common import get_or_404
from payouts.services.idempotency import brand_scope, creator_scope, idempotent
from payouts.services.ledger import BPS, account_for, agency_split, fee_split, post
from payouts.services.wallet import HOLD_FLOW

SETTLEABLE = (Hold.Status.PAID, Hold.Status.SPLIT, Hold.Status.CANCELLED)

K = Account.Kind


def release(*, hold_id: int, idempotency_key: str, actor=None, memo: str = "") -> Hold:
    """Pay the whole escrowed amount to the creator, less the platform fee (escrowed → paid)."""
    return _resolve(
        hold_id=hold_id,
        to=Hold.Status.PAID,
        kind=LedgerTransaction.Kind.RELEASE,
        gross=lambda record: record.amount,
        params={},
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )


def refund(*, hold_id: int, idempotency_key: str, actor=None, memo: str = "") -> Hold:
    """Give the whole escrowed amount back to the brand's available balance (escrowed → refunded)."""
    return _resolve(
        hold_id=hold_id,
        to=Hold.Status.REFUNDED,
        kind=LedgerTransaction.Kind.REFUND,
        gross=lambda record: 0,
        params={},
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )


def split(*, hold_id: int, creator_amount: int, idempotency_key: str, actor=None, memo: str = "") -> Hold:
    """An admin's decision: ``creator_amount`` to the creator (less the fee), the rest refunded."""
    check_amount(creator_amount, field="creator_amount", allow_zero=True)

    def gross(record: Hold) -> int:
        if creator_amount > record.amount:
            raise DomainError(_("The creator's part cannot be more than the amount in escrow."), field="creator_amount")
        return creator_amount

    return _resolve(
        hold_id=hold_id,
        to=Hold.Status.SPLIT,
        kind=LedgerTransaction.Kind.SPLIT,
        gross=gross,
        params={"creator_amount": creator_amount},
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )


def cancellation_fee(
    *, hold_id: int, share_bps: int, idempotency_key: str, actor=None, memo: str = "", base: int | None = None
) -> Hold:
    """The brand cancelled: the creator gets ``share_bps`` of the escrow (rounded down, less the
    platform fee), the brand gets the rest back (escrowed → cancelled).

    ``share_bps`` comes from the order's cancellation schedule for the stage the deal reached. ``base`` is
    what the share is taken of when it is not the whole escrow (a pay-per-play deal's base price, never more
    than the escrow).
    """
    if not isinstance(share_bps, int) or not 0 <= share_bps <= BPS:
        raise DomainError(_("The share must be between 0 and 10000 basis points."), field="share_bps")
    if base is not None:
        check_amount(base, field="base", allow_zero=True)

    def gross(record: Hold) -> int:
        return min(record.amount if base is None else base, record.amount) * share_bps // BPS

    return _resolve(
        hold_id=hold_id,
        to=Hold.Status.CANCELLED,
        kind=LedgerTransaction.Kind.CANCELLATION_FEE,
        gross=gross,
        params={"share_bps": share_bps} if base is None else {"share_bps": share_bps, "base": base},
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )


def pay_on_results(*, hold_id: int, creator_amount: int, idempotency_key: str, actor=None, memo: str = "") -> Hold:
    """A pay-per-play deal settles on its counted plays: ``creator_amount`` (what they pay, never more than the
    maximum in escrow) goes to the creator less the platform fee on it, the rest back to the brand
    (escrowed → paid). Zero is allowed: a zero base with no plays pays nothing."""
    check_amount(creator_amount, field="creator_amount", allow_zero=True)

    def gross(record: Hold) -> int:
        if creator_amount > record.amount:
            raise DomainError(_("The creator's part cannot be more than the amount in escrow."), field="creator_amount")
        return creator_amount

    return _resolve(
        hold_id=hold_id,
        to=Hold.Status.PAID,
        kind=LedgerTransaction.Kind.RELEASE,
        gross=gross,
        params={"creator_amount": creator_amount},
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )


def _resolve(*, hold_id, to, kind, gross, params, idempotency_key, actor, memo) -> Hold:
    brand_id = get_or_404(Hold, hold_id).brand_id
    return idempotent(
        scope=brand_scope(brand_id),
        key=idempotency_key,
        operation=kind,
        params={"hold_id": hold_id, **params},
        perform=lambda: _disburse(hold_id=hold_id, to=to, kind=kind, gross=gross, actor=actor, memo=memo),
    )


def _disburse(*, hold_id: int, to: str, kind: str, gross, actor, memo: str) -> Hold:
    record = get_or_404(Hold, hold_id, lock=True)
    check_transition(HOLD_FLOW, current=record.status, to=to)
    creator_gross = gross(record)
    share, fee = fee_split(creator_gross, record.fee_bps)
    share, agency_share = agency_split(share, record.agency_bps)
    refunded = record.amount - creator_gross
    if share and record.creator_id is None:
        raise DomainError(_("This hold names no creator to pay."), field="hold_id")
    legs = [(account_for(K.ORDER_ESCROW, record.currency, record.order_id), -record.amount)]
    if share:
        legs.append((account_for(K.CREATOR_PENDING, record.currency, record.creator_id), share))
    if agency_share:
        legs.append((account_for(K.AGENCY_PENDING, record.currency, record.agency_id), agency_share))
    if fee:
        legs.append((account_for(K.PLATFORM_FEES, record.currency), fee))
    if refunded:
        legs.append((account_for(K.BRAND_AVAILABLE, record.currency, record.brand_id), refunded))
    post(
        kind=kind,
        legs=legs,
        actor=actor,
        subject=record,
        memo=memo,
        hold=record,
        order_id=record.order_id,
        collaboration_id=record.collaboration_id,
    )
    return update_fields(
        record,
        status=to,
        creator_gross=creator_gross,
        creator_share=share,
        agency_share=agency_share,
        fee=fee,
        refunded=refunded,
        resolved_at=timezone.now(),
    )


def settle(*, hold_id: int, idempotency_key: str, actor=None) -> Hold:
    """Make the creator's share of a resolved hold spendable (creator pending → available), once."""
    creator_id = get_or_404(Hold, hold_id).creator_id
    if creator_id is None:
        raise DomainError(_("This hold names no creator to pay."), field="hold_id")
    return idempotent(
        scope=creator_scope(creator_id),
        key=idempotency_key,
        operation="settle",
        params={"hold_id": hold_id},
        perform=lambda: _settle(hold_id=hold_id, actor=actor),
    )


def _settle(*, hold_id: int, actor) -> Hold:
    record = get_or_404(Hold, hold_id, lock=True)
    if record.status not in SETTLEABLE or not record.creator_share or record.settled_at is not None:
        raise InvalidTransition(_("Nothing to settle for this hold."), field="status")
    legs = [
        (account_for(K.CREATOR_PENDING, record.currency, record.creator_id), -record.creator_share),
        (account_for(K.CREATOR_AVAILABLE, record.currency, record.creator_id), record.creator_share),
    ]
    if record.agency_share:  # the agency's part becomes spendable with the creator's
        legs += [
            (account_for(K.AGENCY_PENDING, record.currency, record.agency_id), -record.agency_share),
            (account_for(K.AGENCY_AVAILABLE, record.currency, record.agency_id), record.agency_share),
        ]
    post(
        kind=LedgerTransaction.Kind.SETTLE,
        legs=legs,
        actor=actor,
        subject=record,
        hold=record,
        order_id=record.order_id,
        collaboration_id=record.collaboration_id,
    )
    record = update_fields(record, settled_at=timezone.now())
    documents.settlement_notes(record)
    return record


def pool_release(*, hold_id: int, awards: dict[int, int], idempotency_key: str, actor=None, memo: str = "") -> Hold:
    """Pay a contest's escrowed pool to many creators at once and give the rest back to the brand.

    ``awards`` maps creator id → gross prize. Each prize is split with the platform by ``fee_split`` at the
    hold's fee rate (so each creator's share + fee = their prize exactly); what is not awarded goes back to
    the brand's available balance. The pool is then settled at once (creator pending → available): a
    confirmed prize is final, like a decided dispute. One release and one settlement ledger transaction.
    """
    brand_id = get_or_404(Hold, hold_id).brand_id
    awards = {int(creator): int(gross) for creator, gross in awards.items() if gross}
    for gross in awards.values():
        check_amount(gross, field="awards")
    return idempotent(
        scope=brand_scope(brand_id),
        key=idempotency_key,
        operation="pool_release",
        params={"hold_id": hold_id, "awards": {str(k): v for k, v in sorted(awards.items())}},
        perform=lambda: _pool_release(hold_id=hold_id, awards=awards, actor=actor, memo=memo),
    )


def _pool_release(*, hold_id: int, awards: dict[int, int], actor, memo: str) -> Hold:
    record = get_or_404(Hold, hold_id, lock=True)
    gross_total = sum(awards.values())
    if gross_total > record.amount:
        raise DomainError(_("The prizes cannot be more than the pool in escrow."), field="awards")
    to = Hold.Status.PAID if gross_total == record.amount else Hold.Status.SPLIT
    if not gross_total:
        to = Hold.Status.REFUNDED
    check_transition(HOLD_FLOW, current=record.status, to=to)
    splits = {creator: fee_split(gross, record.fee_bps) for creator, gross in sorted(awards.items())}
    share_total = sum(share for share, _fee in splits.values())
    fee_total = gross_total - share_total
    refunded = record.amount - gross_total
    links = {"hold": record, "order_id": record.order_id}
    legs = [(account_for(K.ORDER_ESCROW, record.currency, record.order_id), -record.amount)]
    legs += [(account_for(K.CREATOR_PENDING, record.currency, c), share) for c, (share, _f) in splits.items()]
    legs += [(account_for(K.PLATFORM_FEES, record.currency), fee_total)]
    legs += [(account_for(K.BRAND_AVAILABLE, record.currency, record.brand_id), refunded)]
    kind = LedgerTransaction.Kind.REFUND if to == Hold.Status.REFUNDED else LedgerTransaction.Kind.RELEASE
    post(kind=kind, legs=legs, actor=actor, subject=record, memo=memo, **links)
    if share_total:
        settle_legs = []
        for creator, (share, _fee) in splits.items():
            settle_legs.append((account_for(K.CREATOR_PENDING, record.currency, creator), -share))
            settle_legs.append((account_for(K.CREATOR_AVAILABLE, record.currency, creator), share))
        post(kind=LedgerTransaction.Kind.SETTLE, legs=settle_legs, actor=actor, subject=record, **links)
    PoolAward.objects.bulk_create(
        PoolAward(hold=record, creator_id=c, gross=share + fee, share=share, fee=fee)
        for c, (share, fee) in splits.items()
        if share
    )
    now = timezone.now()
    return update_fields(
        record,
        status=to,
        creator_gross=gross_total,
        creator_share=share_total,
        fee=fee_total,
        refunded=refunded,
        resolved_at=now,
        settled_at=now if share_total else None,
    )
