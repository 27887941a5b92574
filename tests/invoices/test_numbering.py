"""Gap-free numbers per series: real threads against PostgreSQL, and a transaction that fails."""

import pytest
from django.db import IntegrityError, transaction

from invoices.models import Document, DocumentSeries
from invoices.services import issue, series_code
from tests.factories import BrandFactory
from tests.payouts.test_concurrency import run_together

K = Document.Kind


def receipt(brand_id: int, source: str) -> Document:
    return issue(
        kind=K.TOPUP_RECEIPT,
        source=source,
        brand_id=brand_id,
        currency="CNY",
        total=100,
        lines=[{"code": "topup", "amount": 100}],
    )


def numbers(kind: str) -> list[int]:
    return sorted(Document.objects.filter(kind=kind).values_list("number", flat=True))


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_issuing_at_once_get_twenty_numbers_without_a_gap_or_a_repeat():
    brand = BrandFactory()

    results = run_together(20, lambda i: receipt(brand.pk, f"topup:{i}"))

    assert all(isinstance(result, Document) for result in results), results
    assert numbers(K.TOPUP_RECEIPT) == list(range(1, 21))
    assert DocumentSeries.objects.get().last_number == 20


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_issuing_for_one_event_make_one_document():
    brand = BrandFactory()

    results = run_together(20, lambda _i: receipt(brand.pk, "topup:1"))

    # Either the document, or the unique (kind, source) refusing a second one: never a second number.
    issued = {result.pk for result in results if isinstance(result, Document)}
    assert len(issued) == 1
    assert all(isinstance(result, Document | IntegrityError) for result in results), results
    assert numbers(K.TOPUP_RECEIPT) == [1]


@pytest.mark.django_db(transaction=True)
def test_a_failed_transaction_leaves_no_gap_in_the_series():
    brand = BrandFactory()
    receipt(brand.pk, "topup:1")

    with pytest.raises(RuntimeError), transaction.atomic():
        assert receipt(brand.pk, "topup:2").number == 2
        raise RuntimeError("the movement failed after the document was issued")

    assert receipt(brand.pk, "topup:3").number == 2
    assert numbers(K.TOPUP_RECEIPT) == [1, 2]


@pytest.mark.django_db
def test_each_kind_numbers_its_own_series_and_prints_it():
    brand = BrandFactory()

    first = receipt(brand.pk, "topup:1")
    second = receipt(brand.pk, "topup:2")

    assert (first.number, second.number) == (1, 2)
    assert second.reference == f"{series_code(K.TOPUP_RECEIPT, second.issued_at.year)}-000002"
    assert second.reference.startswith("TU-")


@pytest.mark.django_db
def test_the_database_refuses_a_second_document_with_the_same_number():
    brand = BrandFactory()
    first = receipt(brand.pk, "topup:1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(
            kind=first.kind,
            series=first.series,
            number=first.number,
            source="topup:2",
            brand=brand,
            currency="CNY",
            total=1,
            party_name="x",
        )
