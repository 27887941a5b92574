"""The payout worker: claims once, retries a bounded number of times, then fails visibly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.core import InvalidTransition
from marketplace.core.models import AuditLog
from payouts import selectors, services
from payouts.models import LedgerTransaction, Payout
from payouts.tasks import payout_send_task, payout_sweep_task
from tests.payouts.conftest import check_deferred_constraints, escrowed_hold, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def payout(order, creator):
    held = services.release(hold_id=escrowed_hold(order, creator, 10_000).pk, idempotency_key=new_key())
    services.settle(hold_id=held.pk, idempotency_key=new_key())
    # In these tests nothing commits, so the send enqueued on commit never runs: the tests run it.
    return services.payout_request(creator_id=creator.pk, amount=9_000, idempotency_key=new_key())


@pytest.fixture(autouse=True)
def _verify_after_each_test():
    yield
    check_deferred_constraints()
    assert selectors.ledger_problems() == []


def test_a_payout_task_run_twice_calls_the_provider_once_with_the_payout_key(payout, sandbox):
    first = payout_send_task.apply(args=[payout.pk]).get()
    second = payout_send_task.apply(args=[payout.pk]).get()

    assert (first, second) == ("sent", "sent")
    assert [call.idempotency_key for call in sandbox.calls("send_payout")] == [payout.provider_key]
    payout.refresh_from_db()
    assert (payout.attempts, payout.provider_reference[:8]) == (1, "sbx_out_")
    assert payout.sent_at is not None


def test_a_transient_failure_is_retried_with_the_same_key(payout, sandbox):
    sandbox.fail_next(2)

    status = payout_send_task.apply(args=[payout.pk]).get()

    payout.refresh_from_db()
    assert (status, payout.status, payout.attempts) == ("sent", Payout.Status.SENT, 3)
    assert {call.idempotency_key for call in sandbox.calls("send_payout")} == {payout.provider_key}
    assert len(sandbox.calls("send_payout")) == 3
    assert payout.last_error == ""


def test_after_the_last_attempt_the_payout_fails_and_is_credited_back(payout, sandbox, settings, creator):
    settings.PAYOUT_MAX_ATTEMPTS = 3
    sandbox.fail_next(100)

    status = payout_send_task.apply(args=[payout.pk]).get()
    payout_send_task.apply(args=[payout.pk]).get()

    payout.refresh_from_db()
    assert (status, payout.status, payout.attempts) == ("failed", Payout.Status.FAILED, 3)
    assert payout.last_error == "sandbox: simulated outage"
    assert len(sandbox.calls("send_payout")) == 3
    assert selectors.earnings_for_creator(creator_id=creator.pk).available == 9_000
    assert LedgerTransaction.objects.filter(kind="payout_reversal", payout=payout).count() == 1
    assert AuditLog.objects.filter(action="money.payout_attempt_failed", object_id=str(payout.pk)).count() == 3


def test_a_payout_being_sent_is_left_alone_until_its_claim_goes_stale(payout, sandbox):
    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.SENDING, claimed_at=timezone.now(), attempts=1)

    assert services.payout_send(payout_id=payout.pk).status == Payout.Status.SENDING
    Payout.objects.filter(pk=payout.pk).update(claimed_at=timezone.now() - Payout.CLAIM_TIMEOUT - timedelta(seconds=1))
    taken_over = services.payout_send(payout_id=payout.pk)

    assert (taken_over.status, taken_over.attempts) == (Payout.Status.SENT, 2)
    assert [call.idempotency_key for call in sandbox.calls("send_payout")] == [payout.provider_key]


def test_an_admin_cannot_fail_a_payout_while_a_worker_is_sending_it(payout):
    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.SENDING, claimed_at=timezone.now())

    with pytest.raises(InvalidTransition):
        services.payout_mark_failed(payout_id=payout.pk, reason="gave up", idempotency_key=new_key(), actor=None)

    assert Payout.objects.get(pk=payout.pk).status == Payout.Status.SENDING


def test_the_sweep_sends_payouts_whose_message_was_lost(payout, sandbox):
    Payout.objects.filter(pk=payout.pk).update(updated_at=timezone.now() - timedelta(minutes=30))

    assert payout_sweep_task.apply().get() == 1

    assert Payout.objects.get(pk=payout.pk).status == Payout.Status.SENT
    assert len(sandbox.calls("send_payout")) == 1
    assert payout_sweep_task.apply().get() == 0
