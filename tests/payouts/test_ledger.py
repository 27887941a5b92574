"""The ledger's rules, including the ones PostgreSQL enforces on its own (raw SQL, no services)."""

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from marketplace.core import InsufficientFunds
from payouts.models import Account, LedgerEntry, LedgerTransaction
from payouts.services import account_for, fee_split, post
from tests.factories import BrandFactory, CreatorFactory
from tests.payouts.conftest import check_deferred_constraints

K = Account.Kind


@given(amount=st.integers(min_value=0, max_value=10**12), bps=st.integers(min_value=0, max_value=10_000))
def test_fee_split_adds_up_exactly_and_rounds_the_fee_down(amount, bps):
    share, fee = fee_split(amount, bps)

    assert share + fee == amount
    assert 0 <= fee <= amount
    assert fee * 10_000 <= amount * bps < (fee + 1) * 10_000


def test_fee_split_examples():
    assert fee_split(999, 1000) == (900, 99)
    assert fee_split(1, 9999) == (1, 0)
    assert fee_split(10**12, 10_000) == (0, 10**12)
    assert fee_split(10**12, 0) == (10**12, 0)


@pytest.mark.parametrize(("amount", "bps"), [(-1, 100), (100, -1), (100, 10_001)])
def test_fee_split_refuses_out_of_range_input(amount, bps):
    with pytest.raises(ValueError):
        fee_split(amount, bps)


# --------------------------------------------------------- posting in Python


@pytest.mark.django_db
def test_post_moves_cached_balances_and_writes_balanced_entries():
    brand = BrandFactory()
    provider = account_for(K.PROVIDER, "CNY")
    available = account_for(K.BRAND_AVAILABLE, "CNY", brand.pk)

    ledger_tx = post(kind="topup", legs=[(provider, -500), (available, 500)])

    check_deferred_constraints()
    assert sorted(ledger_tx.entries.values_list("amount", flat=True)) == [-500, 500]
    assert Account.objects.get(pk=available.pk).balance == 500
    assert Account.objects.get(pk=provider.pk).balance == -500


@pytest.mark.django_db
def test_post_refuses_to_take_an_account_below_zero():
    brand = BrandFactory()
    available = account_for(K.BRAND_AVAILABLE, "CNY", brand.pk)
    held = account_for(K.BRAND_HELD, "CNY", brand.pk)

    with pytest.raises(InsufficientFunds):
        post(kind="hold", legs=[(available, -1), (held, 1)])

    assert LedgerTransaction.objects.count() == 0


@pytest.mark.django_db
def test_post_refuses_unbalanced_legs_before_writing():
    brand = BrandFactory()

    with pytest.raises(ValueError, match="sum to zero"):
        post(
            kind="topup",
            legs=[(account_for(K.PROVIDER, "CNY"), -5), (account_for(K.BRAND_AVAILABLE, "CNY", brand.pk), 4)],
        )

    assert LedgerTransaction.objects.count() == 0


@pytest.mark.django_db
def test_an_account_exists_once_per_kind_owner_and_currency():
    brand = BrandFactory()
    first = account_for(K.BRAND_AVAILABLE, "CNY", brand.pk)

    again = account_for(K.BRAND_AVAILABLE, "CNY", brand.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=K.BRAND_AVAILABLE, brand=brand, currency="CNY")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=K.PROVIDER, currency="CNY")
        Account.objects.create(kind=K.PROVIDER, currency="CNY")

    assert again.pk == first.pk
    assert account_for(K.BRAND_AVAILABLE, "USD", brand.pk).pk != first.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "owner",
    [
        {"kind": K.BRAND_AVAILABLE},
        {"kind": K.CREATOR_PENDING, "brand": True},
        {"kind": K.PROVIDER, "brand": True},
    ],
)
def test_an_account_must_have_exactly_the_owner_its_kind_needs(owner):
    brand = BrandFactory()

    with pytest.raises(IntegrityError, match="account_owner_matches_kind"), transaction.atomic():
        Account.objects.create(kind=owner["kind"], brand=brand if owner.get("brand") else None, currency="CNY")


# ------------------------------------------------------ database enforcement


@pytest.fixture
def two_accounts(db):
    """A provider account and a brand account, both in CNY, with no entries."""
    return account_for(K.PROVIDER, "CNY"), account_for(K.BRAND_AVAILABLE, "CNY", BrandFactory().pk)


def insert_transaction(cursor) -> int:
    cursor.execute(
        "INSERT INTO payouts_ledgertransaction (kind, memo, created_at) VALUES ('topup', 'raw', now()) RETURNING id"
    )
    return cursor.fetchone()[0]


def insert_entries(cursor, tx_id: int, legs) -> None:
    for account, amount, currency in legs:
        cursor.execute(
            "INSERT INTO payouts_ledgerentry (transaction_id, account_id, amount, currency) VALUES (%s, %s, %s, %s)",
            [tx_id, account.pk, amount, currency],
        )


@pytest.mark.django_db(transaction=True)
def test_database_rejects_an_unbalanced_transaction_at_commit(two_accounts):
    provider, available = two_accounts

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic(), connection.cursor() as cursor:
        tx_id = insert_transaction(cursor)
        insert_entries(cursor, tx_id, [(provider, -100, "CNY"), (available, 99, "CNY")])

    assert LedgerTransaction.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_database_rejects_a_transaction_that_balances_in_total_but_not_per_currency(two_accounts):
    provider, available = two_accounts
    usd_provider = account_for(K.PROVIDER, "USD")
    usd_available = account_for(K.BRAND_AVAILABLE, "USD", available.brand_id)

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic(), connection.cursor() as cursor:
        tx_id = insert_transaction(cursor)
        insert_entries(cursor, tx_id, [(provider, -100, "CNY"), (usd_available, 100, "USD"), (usd_provider, 1, "USD")])
        insert_entries(cursor, tx_id, [(available, -1, "CNY")])

    assert LedgerEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_database_rejects_a_transaction_with_one_leg_or_none(two_accounts):
    provider, _available = two_accounts

    with pytest.raises(IntegrityError, match="at least two"), transaction.atomic(), connection.cursor() as cursor:
        insert_transaction(cursor)
    with pytest.raises(IntegrityError, match="at least two"), transaction.atomic(), connection.cursor() as cursor:
        tx_id = insert_transaction(cursor)
        insert_entries(cursor, tx_id, [(provider, 100, "CNY")])

    assert LedgerTransaction.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_database_commits_a_balanced_transaction(two_accounts):
    provider, available = two_accounts

    with transaction.atomic(), connection.cursor() as cursor:
        tx_id = insert_transaction(cursor)
        insert_entries(cursor, tx_id, [(provider, -100, "CNY"), (available, 100, "CNY")])

    assert LedgerEntry.objects.filter(transaction_id=tx_id).count() == 2


@pytest.mark.django_db
def test_database_rejects_a_zero_leg(two_accounts):
    provider, available = two_accounts

    with pytest.raises(IntegrityError, match="entry_amount_nonzero"), transaction.atomic(), connection.cursor() as c:
        tx_id = insert_transaction(c)
        insert_entries(c, tx_id, [(provider, 0, "CNY"), (available, 0, "CNY")])


@pytest.mark.django_db
def test_database_rejects_an_entry_in_another_currency_than_its_account(two_accounts):
    provider, available = two_accounts

    with pytest.raises(IntegrityError, match="kept in CNY"), transaction.atomic(), connection.cursor() as cursor:
        tx_id = insert_transaction(cursor)
        insert_entries(cursor, tx_id, [(provider, -100, "USD"), (available, 100, "USD")])


@pytest.mark.django_db
def test_the_deferred_check_also_fires_when_forced_early_inside_a_test_transaction(two_accounts):
    provider, available = two_accounts

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        with connection.cursor() as cursor:
            tx_id = insert_transaction(cursor)
            insert_entries(cursor, tx_id, [(provider, -100, "CNY"), (available, 50, "CNY")])
        check_deferred_constraints()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payouts_ledgerentry SET amount = amount + 1",
        "UPDATE payouts_ledgerentry SET account_id = account_id",
        "DELETE FROM payouts_ledgerentry",
        "UPDATE payouts_ledgertransaction SET memo = 'edited'",
        "DELETE FROM payouts_ledgertransaction",
    ],
)
def test_database_rejects_changing_or_deleting_posted_rows(two_accounts, statement):
    provider, available = two_accounts
    ledger_tx = post(kind="topup", legs=[(provider, -100), (available, 100)])

    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(statement)

    assert sorted(LedgerEntry.objects.filter(transaction=ledger_tx).values_list("amount", flat=True)) == [-100, 100]
    assert LedgerTransaction.objects.get(pk=ledger_tx.pk).memo == ""


@pytest.mark.django_db
def test_database_keeps_every_account_but_the_provider_at_or_above_zero(two_accounts):
    provider, _available = two_accounts
    creator_available = account_for(K.CREATOR_AVAILABLE, "CNY", CreatorFactory().pk)

    with pytest.raises(IntegrityError, match="account_balance_nonneg"), transaction.atomic():
        Account.objects.filter(pk=creator_available.pk).update(balance=-1)
    Account.objects.filter(pk=provider.pk).update(balance=-1)

    assert Account.objects.get(pk=provider.pk).balance == -1
