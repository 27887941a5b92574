"""Payouts of creators and of agencies: request (money leaves the available balance), send (worker), admin
confirmations. An agency's payout takes its share (``agency_available``) out exactly as a creator's takes the
creator's balance: the same minimum, idempotency, worker, admin steps and reversal; only the account differs.

A payout is debited when requested (creator available → provider) so it can never be spent
twice; the worker then sends it. ``payout_send`` claims the row with a compare-and-set UPDATE,
calls the provider outside any transaction with the payout's own key, and records the outcome.
A payout that fails PAYOUT_MAX_ATTEMPTS times, or that an admin marks failed, is credited back
(a ``payout_reversal`` transaction).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import (
    DomainError,
    InvalidTransition,
    audit,
    check_amount,
    check_transition,
    format_money,
    update_fields,
)
from marketplace.core.events import announce
from payouts.models import Account, LedgerTransaction, Payout
from payouts.providers import ProviderError, get_provider
from payouts.services import documents
from payouts.services.common import actor_or_none, get_or_404
from payouts.services.idempotency import agency_scope, creator_scope, idempotent
from payouts.services.ledger import account_for, post

S = Payout.Status
PAYOUT_FLOW = {
    S.REQUESTED: {S.SENDING, S.FAILED},
    S.SENDING: {S.SENT, S.AWAITING_CONFIRMATION, S.REQUESTED, S.FAILED},
    S.AWAITING_CONFIRMATION: {S.SENT, S.FAILED},
}

ADMIN_FAILABLE = (S.REQUESTED, S.AWAITING_CONFIRMATION)

K = Account.Kind


class PayoutRetry(ProviderError):
    """The provider failed and attempts remain: the task should run again later."""


def payout_request(
    *, creator_id: int, amount: int, currency: str | None = None, idempotency_key: str, actor=None
) -> Payout:
    """Take ``amount`` out of the creator's available balance and queue the transfer.

    Refuses amounts below PAYOUT_MINIMUM; raises InsufficientFunds when the balance is short.
    The send task is enqueued after commit; payout_sweep_task picks up any message that was lost.
    """
    return _request(
        owner={"creator_id": creator_id},
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        actor=actor,
    )


def agency_payout_request(
    *, agency_id: int, amount: int, currency: str | None = None, idempotency_key: str, actor=None
) -> Payout:
    """Take ``amount`` out of the agency's available share and queue the transfer (as :func:`payout_request`).

    The caller authorises the actor (an owner of the agency: ``agencies.services.agency_payout_request``)."""
    return _request(
        owner={"agency_id": agency_id},
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        actor=actor,
    )


def _request(*, owner: dict, amount: int, currency: str | None, idempotency_key: str, actor) -> Payout:
    currency = currency or settings.CURRENCY
    check_amount(amount)
    if amount < settings.PAYOUT_MINIMUM:
        raise DomainError(
            _("The smallest payout is %(minimum)s.") % {"minimum": format_money(settings.PAYOUT_MINIMUM, currency)},
            field="amount",
        )
    scope = agency_scope(owner["agency_id"]) if "agency_id" in owner else creator_scope(owner["creator_id"])
    operation = "agency_payout_request" if "agency_id" in owner else "payout_request"

    def perform() -> Payout:
        payout = Payout(
            **owner,
            amount=amount,
            currency=currency,
            provider=get_provider().name,
            provider_key=f"payout-{uuid.uuid4().hex}",
            requested_by=actor_or_none(actor),
        )
        payout.full_clean()
        payout.save()
        post(
            kind=LedgerTransaction.Kind.PAYOUT,
            legs=[(_available(payout), -amount), (account_for(K.PROVIDER, currency), amount)],
            actor=actor,
            subject=payout,
            payout=payout,
        )
        transaction.on_commit(lambda: _enqueue(payout.pk), robust=True)
        return payout

    return idempotent(
        scope=scope,
        key=idempotency_key,
        operation=operation,
        params={**owner, "amount": amount, "currency": currency},
        perform=perform,
    )


def _available(payout: Payout) -> Account:
    """The available balance a payout is paid from (and credited back to if it fails)."""
    if payout.agency_id is not None:
        return account_for(K.AGENCY_AVAILABLE, payout.currency, payout.agency_id)
    return account_for(K.CREATOR_AVAILABLE, payout.currency, payout.creator_id)


def _scope(payout: Payout) -> str:
    return agency_scope(payout.agency_id) if payout.agency_id is not None else creator_scope(payout.creator_id)


def _sent(payout: Payout) -> Payout:
    """What a payout that reached its owner's bank leaves behind, in the transaction that marks it sent: the payout
    advice, and the ``payout.sent`` fact for webhooks (docs/webhooks.md)."""
    documents.payout_advice(payout)
    announce("payout.sent", payout)
    return payout


def _enqueue(payout_id: int) -> None:
    from payouts.tasks import payout_send_task

    # No broker retries inside the request: if the broker is down, payout_sweep_task sends it later. No result
    # either (nothing waits for one): Celery's Redis result backend would first subscribe for it, and retry
    # that for some 20 s while Redis is down (the payout request answered 201 only after).
    payout_send_task.apply_async(args=[payout_id], retry=False, ignore_result=True)


def payout_send(*, payout_id: int, take_over: bool = False) -> Payout:
    """Worker: send one payout through its provider. Safe to run any number of times.

    Does nothing unless this call wins the claim (requested → sending, or a stale sending; with
    ``take_over``, for a task that ran before and may have stopped half-way, any sending).
    Raises PayoutRetry after a provider failure while attempts remain; after the last attempt
    the payout is failed and credited back instead.
    """
    now = timezone.now()
    stale = Q() if take_over else Q(claimed_at__lt=now - Payout.CLAIM_TIMEOUT)
    claimable = Q(status=S.REQUESTED) | (Q(status=S.SENDING) & stale)
    claimed = Payout.objects.filter(claimable, pk=payout_id).update(
        status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    payout = get_or_404(Payout, payout_id)
    if not claimed:
        return payout
    try:
        result = get_provider(payout.provider).send_payout(
            idempotency_key=payout.provider_key,
            creator_id=payout.creator_id,
            amount=payout.amount,
            currency=payout.currency,
        )
    except ProviderError as exc:
        error = str(exc) or exc.__class__.__name__
        payout = _record_failure(payout, error=error)
        if payout.status == S.REQUESTED:
            raise PayoutRetry(error) from exc
        return payout
    if result.succeeded:
        return _finish(payout, to=S.SENT, reference=result.reference)
    return _finish(payout, to=S.AWAITING_CONFIRMATION, reference=result.reference)


@transaction.atomic
def _finish(payout: Payout, *, to: str, reference: str) -> Payout:
    payout = get_or_404(Payout, payout.pk, lock=True)
    if payout.status != S.SENDING:  # an admin acted while the provider was answering
        return payout
    check_transition(PAYOUT_FLOW, current=payout.status, to=to)
    sent_at = timezone.now() if to == S.SENT else None
    audit(actor=None, action=f"money.payout_{to}", obj=payout, amount=payout.amount, reference=reference)
    payout = update_fields(payout, status=to, provider_reference=reference, sent_at=sent_at, last_error="")
    if to == S.SENT:
        _sent(payout)
    return payout


@transaction.atomic
def _record_failure(payout: Payout, *, error: str) -> Payout:
    payout = get_or_404(Payout, payout.pk, lock=True)
    if payout.status != S.SENDING:
        return payout
    audit(actor=None, action="money.payout_attempt_failed", obj=payout, attempt=payout.attempts, error=error)
    if payout.attempts >= settings.PAYOUT_MAX_ATTEMPTS:
        return _fail(payout, error=error, actor=None)
    return update_fields(payout, status=S.REQUESTED, last_error=error)


def _fail(payout: Payout, *, error: str, actor) -> Payout:
    """Fail a locked payout and credit the money back to its owner's available balance."""
    check_transition(PAYOUT_FLOW, current=payout.status, to=S.FAILED)
    post(
        kind=LedgerTransaction.Kind.PAYOUT_REVERSAL,
        legs=[(account_for(K.PROVIDER, payout.currency), -payout.amount), (_available(payout), payout.amount)],
        actor=actor,
        subject=payout,
        memo=error,
        payout=payout,
    )
    return update_fields(payout, status=S.FAILED, last_error=error)


def payout_mark_sent(*, payout_id: int, reference: str, idempotency_key: str, actor) -> Payout:
    """Admin (manual provider): the bank transfer out was made, with this reference."""
    reference = reference.strip()
    if not reference:
        raise DomainError(_("Enter the bank transfer reference."), field="reference")
    scope = _scope(get_or_404(Payout, payout_id))

    def perform() -> Payout:
        payout = get_or_404(Payout, payout_id, lock=True)
        check_transition(PAYOUT_FLOW, current=payout.status, to=S.SENT)
        audit(actor=actor, action="money.payout_marked_sent", obj=payout, amount=payout.amount, reference=reference)
        payout = update_fields(payout, status=S.SENT, provider_reference=reference, sent_at=timezone.now())
        return _sent(payout)

    return idempotent(
        scope=scope,
        key=idempotency_key,
        operation="payout_mark_sent",
        params={"payout_id": payout_id, "reference": reference},
        perform=perform,
    )


def payout_mark_failed(*, payout_id: int, reason: str, idempotency_key: str, actor) -> Payout:
    """Admin: a payout will not arrive; credit it back to its owner's available balance."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the payout failed."), field="reason")
    scope = _scope(get_or_404(Payout, payout_id))

    def perform() -> Payout:
        payout = get_or_404(Payout, payout_id, lock=True)
        if payout.status not in ADMIN_FAILABLE:  # never while a worker is talking to the provider
            raise InvalidTransition(_("This payout cannot be marked failed now."), field="status")
        return _fail(payout, error=reason, actor=actor)

    return idempotent(
        scope=scope,
        key=idempotency_key,
        operation="payout_mark_failed",
        params={"payout_id": payout_id, "reason": reason},
        perform=perform,
    )
