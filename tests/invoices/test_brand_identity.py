"""The brand's legal name and tax id: validated, optional until its first document, required from then on, and
printed as they were on the documents issued before a change."""

import pytest
from django.urls import reverse

from brands.models import Brand
from invoices.models import Document
from payouts import services
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    owner = MembershipFactory(role="owner", brand__name="Aurora Skin")
    client.force_login(owner.user)
    client.brand = owner.brand
    return client


def save(client, **fields):
    return client.post(reverse("brands:profile_edit"), {"name": "Aurora Skin", **fields})


def test_the_owner_adds_the_legal_name_and_a_tax_id_written_in_lower_case(owner_client):
    response = save(owner_client, legal_name="  Aurora   Skin Co., Ltd. ", tax_id=" 91310000ma1fl8xq30 ")

    assert response.status_code == 302
    brand = Brand.objects.get(pk=owner_client.brand.pk)
    assert (brand.legal_name, brand.tax_id) == ("Aurora Skin Co., Ltd.", "91310000MA1FL8XQ30")
    assert "91310000MA1FL8XQ30" in owner_client.get(reverse("api:brand-detail")).content.decode()


@pytest.mark.parametrize(
    "tax_id", ["1234", "=1+1", "91310000MA1FL8XQ30-too-long-for-any-registry", "ABC_123", "税号123456"]
)
def test_a_tax_id_no_registry_prints_is_refused_on_its_field(owner_client, tax_id):
    response = save(owner_client, legal_name="Aurora Skin Co., Ltd.", tax_id=tax_id)

    assert response.status_code == 400
    assert "tax_id" in response.context["form"].errors
    assert Brand.objects.get(pk=owner_client.brand.pk).tax_id == ""


def test_both_are_optional_before_the_first_document(owner_client):
    assert save(owner_client, website="https://aurora.example").status_code == 302


def test_after_the_first_document_they_cannot_be_left_empty_and_old_documents_keep_what_they_printed(owner_client):
    save(owner_client, legal_name="Aurora Skin Co., Ltd.", tax_id="91310000MA1FL8XQ30")
    services.topup(brand_id=owner_client.brand.pk, amount=10_000, idempotency_key="first-receipt")

    cleared = save(owner_client, legal_name="", tax_id="")
    renamed = save(owner_client, legal_name="Aurora Skin Group Ltd.", tax_id="91310000MA1FL8XQ30")

    assert set(cleared.context["form"].errors) == {"legal_name", "tax_id"}
    assert renamed.status_code == 302
    receipt = Document.objects.get(brand=owner_client.brand)
    assert receipt.party_legal_name == "Aurora Skin Co., Ltd."
