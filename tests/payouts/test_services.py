"""Money flows through the services: what moves where, once, with an audit row."""

import pytest
from django.db import transaction

from marketplace.core import Conflict, DomainError, InsufficientFunds, InvalidTransition
from marketplace.core.models import AuditLog
from payouts import selectors, services
from payouts.models import Account, Hold, IdempotencyKey, LedgerTransaction, Payout, TopUp
from payouts.services import IdempotencyConflict
from tests.factories import BrandFactory, CollaborationFactory, OrderFactory, UserFactory
from tests.payouts.conftest import check_deferred_constraints, escrowed_hold, fund, new_key

pytestmark = pytest.mark.django_db

K = Account.Kind


def balance(kind, owner_id=None, currency="CNY") -> int:
    owner = {}
    if kind in (K.BRAND_AVAILABLE, K.BRAND_HELD):
        owner = {"brand_id": owner_id}
    elif kind == K.ORDER_ESCROW:
        owner = {"order_id": owner_id}
    elif kind in (K.CREATOR_PENDING, K.CREATOR_AVAILABLE):
        owner = {"creator_id": owner_id}
    return Account.objects.filter(kind=kind, currency=currency, **owner).values_list("balance", flat=True).first() or 0


@pytest.fixture(autouse=True)
def _verify_after_each_test():
    yield
    check_deferred_constraints()
    assert selectors.ledger_problems() == []


# ------------------------------------------------------------------- top-up


def test_sandbox_topup_credits_the_brand_from_the_provider(brand, sandbox):
    user = UserFactory()

    record = services.topup(brand_id=brand.pk, amount=50_000, idempotency_key="k1", actor=user)

    assert record.status == TopUp.Status.SUCCEEDED
    assert record.provider_reference.startswith("sbx_in_")
    assert balance(K.BRAND_AVAILABLE, brand.pk) == 50_000
    assert balance(K.PROVIDER) == -50_000
    assert len(sandbox.calls("top_up")) == 1
    entry = AuditLog.objects.get(action="money.topup")
    assert (entry.actor, entry.object_type, entry.object_id) == (user, "payouts.topup", str(record.pk))
    assert {leg["amount"] for leg in entry.data["legs"]} == {-50_000, 50_000}


def test_manual_topup_waits_for_an_admin_to_confirm_the_transfer(brand, settings):
    settings.PAYMENT_PROVIDER = "manual"
    admin = UserFactory(is_staff=True)
    record = services.topup(brand_id=brand.pk, amount=20_000, idempotency_key=new_key())
    assert record.status == TopUp.Status.PENDING
    assert balance(K.BRAND_AVAILABLE, brand.pk) == 0

    confirmed = services.topup_confirm(topup_id=record.pk, reference="BANK-42", idempotency_key="c1", actor=admin)

    assert confirmed.status == TopUp.Status.SUCCEEDED
    assert confirmed.provider_reference == "BANK-42"
    assert balance(K.BRAND_AVAILABLE, brand.pk) == 20_000
    with pytest.raises(InvalidTransition):
        services.topup_confirm(topup_id=record.pk, reference="BANK-42", idempotency_key="c2", actor=admin)
    assert balance(K.BRAND_AVAILABLE, brand.pk) == 20_000


def test_a_failed_manual_topup_moves_no_money(brand, settings):
    settings.PAYMENT_PROVIDER = "manual"
    record = services.topup(brand_id=brand.pk, amount=20_000, idempotency_key=new_key())

    services.topup_fail(topup_id=record.pk, reason="never arrived", actor=UserFactory(is_staff=True))

    assert TopUp.objects.get(pk=record.pk).status == TopUp.Status.FAILED
    assert LedgerTransaction.objects.count() == 0
    with pytest.raises(InvalidTransition):
        services.topup_confirm(topup_id=record.pk, reference="late", idempotency_key=new_key(), actor=None)


@pytest.mark.parametrize("amount", [0, -5, 10**15 + 1, 1.5, True])
def test_topup_refuses_amounts_that_are_not_positive_whole_minor_units(brand, amount):
    with pytest.raises(DomainError) as error:
        services.topup(brand_id=brand.pk, amount=amount, idempotency_key=new_key())

    assert error.value.field == "amount"
    assert TopUp.objects.count() == 0


# -------------------------------------------------------------- idempotency


def test_replaying_a_request_returns_the_first_result_and_moves_money_once(brand, sandbox):
    first = services.topup(brand_id=brand.pk, amount=1_000, idempotency_key="same")

    again = services.topup(brand_id=brand.pk, amount=1_000, idempotency_key="same")

    assert again.pk == first.pk
    assert LedgerTransaction.objects.filter(kind="topup").count() == 1
    assert balance(K.BRAND_AVAILABLE, brand.pk) == 1_000
    assert len(sandbox.calls("top_up")) == 1
    key = IdempotencyKey.objects.get(scope=f"brand:{brand.pk}", key="same")
    assert key.response == {"object": "topup", "id": first.pk, "status": "succeeded", "amount": 1000, "currency": "CNY"}


def test_the_same_key_with_other_parameters_is_refused_without_effect(brand):
    services.topup(brand_id=brand.pk, amount=1_000, idempotency_key="same")

    with pytest.raises(IdempotencyConflict) as error:
        services.topup(brand_id=brand.pk, amount=2_000, idempotency_key="same")

    assert error.value.status == 422
    assert balance(K.BRAND_AVAILABLE, brand.pk) == 1_000
    assert TopUp.objects.count() == 1


def test_the_same_key_for_another_operation_is_refused(order, creator):
    fund(order.brand, 1_000)
    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=1_000, idempotency_key="h")

    with pytest.raises(IdempotencyConflict):
        services.escrow(hold_id=held.pk, idempotency_key="h")

    assert Hold.objects.get(pk=held.pk).status == Hold.Status.HELD


def test_keys_are_scoped_per_owner(sandbox):
    first, second = BrandFactory(), BrandFactory()

    services.topup(brand_id=first.pk, amount=1_000, idempotency_key="shared")
    services.topup(brand_id=second.pk, amount=3_000, idempotency_key="shared")

    assert balance(K.BRAND_AVAILABLE, first.pk) == 1_000
    assert balance(K.BRAND_AVAILABLE, second.pk) == 3_000


def test_a_failed_request_leaves_no_key_so_it_can_be_retried(order, creator):
    with pytest.raises(InsufficientFunds):
        services.hold(order_id=order.pk, creator_id=creator.pk, amount=500, idempotency_key="retry-me")
    fund(order.brand, 500)

    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=500, idempotency_key="retry-me")

    assert held.status == Hold.Status.HELD
    assert balance(K.BRAND_HELD, order.brand_id) == 500


def test_a_service_runs_inside_the_callers_transaction(order, creator):
    fund(order.brand, 500)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.hold(order_id=order.pk, creator_id=creator.pk, amount=500, idempotency_key="inner")
        raise RuntimeError("the caller fails after the hold")

    assert not Hold.objects.exists()
    assert not IdempotencyKey.objects.filter(key="inner").exists()
    assert balance(K.BRAND_AVAILABLE, order.brand_id) == 500


def test_an_empty_idempotency_key_is_refused(brand):
    with pytest.raises(DomainError) as error:
        services.topup(brand_id=brand.pk, amount=100, idempotency_key=" ")

    assert error.value.field == "idempotency_key"


# -------------------------------------------------------------------- holds


def test_hold_moves_available_to_held_and_refuses_more_than_available(order, creator):
    fund(order.brand, 1_000)

    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=700, idempotency_key=new_key())
    with pytest.raises(InsufficientFunds):
        services.hold(order_id=order.pk, creator_id=creator.pk, amount=301, idempotency_key=new_key())

    assert held.fee_bps == 1000
    assert balance(K.BRAND_AVAILABLE, order.brand_id) == 300
    assert balance(K.BRAND_HELD, order.brand_id) == 700
    assert Hold.objects.count() == 1


def test_releasing_a_hold_returns_the_money_and_the_hold_cannot_then_be_escrowed(order, creator):
    fund(order.brand, 1_000)
    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=1_000, idempotency_key=new_key())

    services.release_hold(hold_id=held.pk, idempotency_key=new_key())
    with pytest.raises(InvalidTransition):
        services.escrow(hold_id=held.pk, idempotency_key=new_key())

    assert Hold.objects.get(pk=held.pk).status == Hold.Status.RELEASED
    assert balance(K.BRAND_AVAILABLE, order.brand_id) == 1_000
    assert balance(K.ORDER_ESCROW, order.pk) == 0


def test_a_collaboration_gets_one_live_hold_and_its_creator(order):
    collaboration = CollaborationFactory(order=order)
    fund(order.brand, 2_000)

    held = services.hold(order_id=order.pk, collaboration_id=collaboration.pk, amount=1_000, idempotency_key=new_key())
    with pytest.raises(Conflict):
        services.hold(order_id=order.pk, collaboration_id=collaboration.pk, amount=1_000, idempotency_key=new_key())

    assert held.creator_id == collaboration.creator_id
    assert selectors.hold_for_collaboration(collaboration_id=collaboration.pk) == held
    assert balance(K.BRAND_HELD, order.brand_id) == 1_000


def test_hold_refuses_a_collaboration_from_another_order(order):
    other = CollaborationFactory(order=OrderFactory(brand=order.brand))
    fund(order.brand, 1_000)

    with pytest.raises(DomainError) as error:
        services.hold(order_id=order.pk, collaboration_id=other.pk, amount=1_000, idempotency_key=new_key())

    assert error.value.field == "collaboration_id"


# ------------------------------------------------------------------- escrow


def test_release_pays_the_creator_less_the_fee_into_pending(order, creator):
    escrowed = escrowed_hold(order, creator, 10_001)
    assert balance(K.ORDER_ESCROW, order.pk) == 10_001

    paid = services.release(hold_id=escrowed.pk, idempotency_key=new_key())

    assert (paid.status, paid.creator_gross, paid.creator_share, paid.fee, paid.refunded) == (
        "paid",
        10_001,
        9_001,
        1_000,
        0,
    )
    assert balance(K.ORDER_ESCROW, order.pk) == 0
    assert balance(K.CREATOR_PENDING, creator.pk) == 9_001
    assert balance(K.PLATFORM_FEES) == 1_000


def test_the_fee_is_fixed_when_the_money_is_held(order, creator, settings):
    escrowed = escrowed_hold(order, creator, 10_000)
    settings.PLATFORM_FEE_BPS = 5000

    paid = services.release(hold_id=escrowed.pk, idempotency_key=new_key())

    assert paid.fee == 1_000


def test_refund_returns_the_escrow_to_the_brand(order, creator):
    escrowed = escrowed_hold(order, creator, 4_000)

    services.refund(hold_id=escrowed.pk, idempotency_key=new_key())

    assert balance(K.BRAND_AVAILABLE, order.brand_id) == 4_000
    assert balance(K.ORDER_ESCROW, order.pk) == 0
    assert balance(K.CREATOR_PENDING, creator.pk) == 0


def test_split_pays_part_to_the_creator_and_refunds_the_rest(order, creator):
    escrowed = escrowed_hold(order, creator, 10_000)

    decided = services.split(hold_id=escrowed.pk, creator_amount=6_000, idempotency_key=new_key(), memo="half done")

    assert (decided.creator_share, decided.fee, decided.refunded) == (5_400, 600, 4_000)
    assert balance(K.CREATOR_PENDING, creator.pk) == 5_400
    assert balance(K.PLATFORM_FEES) == 600
    assert balance(K.BRAND_AVAILABLE, order.brand_id) == 4_000
    assert LedgerTransaction.objects.get(kind="split").memo == "half done"


def test_split_refuses_more_than_the_escrow(order, creator):
    escrowed = escrowed_hold(order, creator, 10_000)

    with pytest.raises(DomainError) as error:
        services.split(hold_id=escrowed.pk, creator_amount=10_001, idempotency_key=new_key())

    assert error.value.field == "creator_amount"
    assert Hold.objects.get(pk=escrowed.pk).status == Hold.Status.ESCROWED


@pytest.mark.parametrize(
    ("share_bps", "share", "fee", "refunded"), [(0, 0, 0, 9_999), (1000, 900, 99, 9_000), (10_000, 9_000, 999, 0)]
)
def test_cancellation_fee_pays_the_stage_share(order, creator, share_bps, share, fee, refunded):
    escrowed = escrowed_hold(order, creator, 9_999)

    cancelled = services.cancellation_fee(hold_id=escrowed.pk, share_bps=share_bps, idempotency_key=new_key())

    assert (cancelled.creator_share, cancelled.fee, cancelled.refunded) == (share, fee, refunded)
    assert cancelled.creator_share + cancelled.fee + cancelled.refunded == 9_999


@pytest.mark.parametrize("first", ["release", "refund", "split", "cancellation_fee"])
def test_an_escrowed_hold_resolves_at_most_once(order, creator, first):
    escrowed = escrowed_hold(order, creator, 1_000)
    resolve = {
        "release": lambda key: services.release(hold_id=escrowed.pk, idempotency_key=key),
        "refund": lambda key: services.refund(hold_id=escrowed.pk, idempotency_key=key),
        "split": lambda key: services.split(hold_id=escrowed.pk, creator_amount=500, idempotency_key=key),
        "cancellation_fee": lambda key: services.cancellation_fee(
            hold_id=escrowed.pk, share_bps=5000, idempotency_key=key
        ),
    }
    resolve[first](new_key())
    transactions = LedgerTransaction.objects.count()

    for step in resolve.values():
        with pytest.raises(InvalidTransition):
            step(new_key())

    assert LedgerTransaction.objects.count() == transactions


def test_settle_makes_the_share_available_once(order, creator):
    paid = services.release(hold_id=escrowed_hold(order, creator, 10_000).pk, idempotency_key=new_key())

    services.settle(hold_id=paid.pk, idempotency_key=new_key())
    with pytest.raises(InvalidTransition):
        services.settle(hold_id=paid.pk, idempotency_key=new_key())

    assert balance(K.CREATOR_PENDING, creator.pk) == 0
    assert balance(K.CREATOR_AVAILABLE, creator.pk) == 9_000
    assert Hold.objects.get(pk=paid.pk).settled_at is not None


def test_a_refunded_hold_has_nothing_to_settle(order, creator):
    refunded = services.refund(hold_id=escrowed_hold(order, creator, 10_000).pk, idempotency_key=new_key())

    with pytest.raises(InvalidTransition):
        services.settle(hold_id=refunded.pk, idempotency_key=new_key())


# ------------------------------------------------------------------ payouts


def creator_with_available(order, creator, amount_in_escrow=10_000):
    paid = services.release(hold_id=escrowed_hold(order, creator, amount_in_escrow).pk, idempotency_key=new_key())
    return services.settle(hold_id=paid.pk, idempotency_key=new_key())


def test_payout_request_debits_available_at_once(order, creator):
    creator_with_available(order, creator)

    payout = services.payout_request(creator_id=creator.pk, amount=4_000, idempotency_key=new_key())

    assert payout.status == Payout.Status.REQUESTED
    assert balance(K.CREATOR_AVAILABLE, creator.pk) == 5_000
    with pytest.raises(InsufficientFunds):
        services.payout_request(creator_id=creator.pk, amount=5_001, idempotency_key=new_key())


def test_payout_request_refuses_less_than_the_minimum(order, creator, settings):
    creator_with_available(order, creator)
    settings.PAYOUT_MINIMUM = 1_000

    with pytest.raises(DomainError) as error:
        services.payout_request(creator_id=creator.pk, amount=999, idempotency_key=new_key())

    assert error.value.field == "amount"
    assert not Payout.objects.exists()


def test_manual_payout_waits_for_an_admin_to_mark_it_sent(order, creator, settings):
    creator_with_available(order, creator)
    settings.PAYMENT_PROVIDER = "manual"
    payout = services.payout_request(creator_id=creator.pk, amount=4_000, idempotency_key=new_key())
    assert services.payout_send(payout_id=payout.pk).status == Payout.Status.AWAITING_CONFIRMATION

    sent = services.payout_mark_sent(
        payout_id=payout.pk, reference="WIRE-7", idempotency_key=new_key(), actor=UserFactory(is_staff=True)
    )

    assert (sent.status, sent.provider_reference) == (Payout.Status.SENT, "WIRE-7")
    assert selectors.earnings_for_creator(creator_id=creator.pk).paid_out == 4_000
    assert AuditLog.objects.filter(action="money.payout_marked_sent", object_id=str(payout.pk)).exists()


def test_an_admin_marking_a_payout_failed_credits_it_back(order, creator, settings):
    creator_with_available(order, creator)
    settings.PAYMENT_PROVIDER = "manual"
    payout = services.payout_request(creator_id=creator.pk, amount=4_000, idempotency_key=new_key())
    services.payout_send(payout_id=payout.pk)

    failed = services.payout_mark_failed(
        payout_id=payout.pk, reason="account closed", idempotency_key=new_key(), actor=UserFactory(is_staff=True)
    )

    assert (failed.status, failed.last_error) == (Payout.Status.FAILED, "account closed")
    assert balance(K.CREATOR_AVAILABLE, creator.pk) == 9_000
    with pytest.raises(InvalidTransition):
        services.payout_mark_sent(payout_id=payout.pk, reference="late", idempotency_key=new_key(), actor=None)


def test_every_money_movement_writes_an_audit_row(order, creator):
    creator_with_available(order, creator)
    services.payout_request(creator_id=creator.pk, amount=4_000, idempotency_key=new_key())

    audited = set(AuditLog.objects.filter(action__startswith="money.").values_list("data__transaction_id", flat=True))

    assert audited >= set(LedgerTransaction.objects.values_list("pk", flat=True))
    assert LedgerTransaction.objects.count() == 6  # top-up, hold, escrow, release, settle, payout
