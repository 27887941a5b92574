"""A money-moving API request is taken as it was sent, or refused naming the field: amounts sent with a release
or a refund are not dropped (the whole escrow would move), and a whole number sent as 1.0 is not a whole number."""

import pytest

from orders.models import Collaboration
from payouts.models import LedgerTransaction
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, deal_in, key
from tests.orders.test_rights import deal

S = Collaboration.Status
URL = "/api/v1"


@pytest.fixture(autouse=True)
def _api_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sent"}}


@pytest.mark.parametrize("decision", ["release", "refund"])
@pytest.mark.parametrize(
    "amounts",
    [{"creator_amount_minor": 5}, {"brand_amount_minor": 0}, {"creator_amount_minor": 5, "brand_amount_minor": 1}],
)
def test_amounts_sent_with_a_release_or_a_refund_are_refused_and_nothing_moves(world, decision, amounts):
    c = deal_in(world, S.DISPUTED)
    dispute = c.disputes.get()
    ledger_before = LedgerTransaction.objects.count()

    response = api_for(world["admin"]).post(
        f"{URL}/disputes/{dispute.pk}/decide/",
        {"decision": decision, "reason": "x", **amounts},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(amounts)
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert LedgerTransaction.objects.count() == ledger_before


def test_a_release_without_amounts_is_decided(world):
    dispute = deal_in(world, S.DISPUTED).disputes.get()

    response = api_for(world["admin"]).post(
        f"{URL}/disputes/{dispute.pk}/decide/",
        {"decision": "release", "reason": "Delivered."},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert response.status_code == 200 and response.json()["decision"] == "release"
    assert PRICE > 0


@pytest.mark.parametrize("months", [1.0, "1", True])
def test_months_of_rights_must_be_a_json_integer_and_nothing_is_paid(rights_world, months):
    c = deal(rights_world, S.SETTLED)
    ledger_before = LedgerTransaction.objects.count()

    response = api_for(rights_world["owner"]).post(
        f"{URL}/collaborations/{c.pk}/extend_rights/",
        {"months": months, "rights_until": c.rights_until.isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["months"]
    assert LedgerTransaction.objects.count() == ledger_before


@pytest.mark.parametrize("rating", [5.0, "5"])
def test_a_rating_must_be_a_json_integer(world, rating):
    c = deal_in(world, S.SETTLED)

    response = api_for(world["owner"]).post(f"{URL}/collaborations/{c.pk}/rating/", {"rating": rating}, format="json")
    c.refresh_from_db()

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rating"]
    assert c.brand_rating is None


def test_an_offer_names_its_creator_with_a_json_integer(world):
    response = api_for(world["owner"]).post(
        f"{URL}/orders/{world['order'].pk}/offers/", {"creator": 1.0}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    assert response.status_code == 400
    assert "creator" in response.json()["errors"]
