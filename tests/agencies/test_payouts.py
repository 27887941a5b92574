"""An agency takes its share out: an owner requests a payout of the available balance (API with an
Idempotency-Key, or the agency's payouts page), staff mark it sent or failed as for a creator's payout, and the
ledger stays whole. Managers read the payouts; nobody else sees them."""

import uuid

import pytest
from django.urls import reverse as page
from rest_framework.reverse import reverse

from orders.models import Collaboration
from payouts import services
from payouts.models import Payout
from payouts.selectors import ledger_problems
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, make_agency
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, deal_in, key

S = Collaboration.Status
SHARE = agency_split(fee_split(PRICE, 1000)[0], SHARE_BPS)[1]


@pytest.fixture
def earned(world, signed, settings):
    """The agency's share of one settled deal is available; payouts go through the manual provider."""
    settings.PAYMENT_PROVIDER = "manual"
    settings.PAYOUT_MINIMUM = 100
    deal_in(world, S.SETTLED, creator=signed["creator"])
    return signed


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def request_payout(user, amount, idem="agency-payout-1"):
    return api_for(user).post(url("agency-payouts"), {"amount_minor": amount}, format="json", HTTP_IDEMPOTENCY_KEY=idem)


def test_an_owner_pays_out_the_share_once_and_staff_mark_it_sent(earned, world):
    first = request_payout(earned["owner"], SHARE)
    again = request_payout(earned["owner"], SHARE)

    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    wallet = api_for(earned["owner"]).get(url("agency-wallet")).json()
    assert wallet["available_minor"] == 0
    payout_id = first.json()["id"]
    services.payout_send(payout_id=payout_id)
    services.payout_mark_sent(payout_id=payout_id, reference="OUT-9", idempotency_key=key(), actor=world["admin"])
    listed = api_for(earned["manager"]).get(url("agency-payouts")).json()["results"]
    assert [(p["id"], p["status"], p["amount_minor"]) for p in listed] == [(payout_id, "sent", SHARE)]
    statement = api_for(earned["owner"]).get(url("agency-statement")).json()["results"]
    assert [row["amount_minor"] for row in statement] == [-SHARE, SHARE]
    assert ledger_problems() == []


def test_a_failed_agency_payout_comes_back_to_the_agency(earned, world):
    payout_id = request_payout(earned["owner"], SHARE).json()["id"]

    services.payout_mark_failed(payout_id=payout_id, reason="Bank refused", idempotency_key=key(), actor=world["admin"])

    wallet = api_for(earned["owner"]).get(url("agency-wallet")).json()
    assert wallet["available_minor"] == SHARE
    assert Payout.objects.get(pk=payout_id).status == Payout.Status.FAILED
    assert ledger_problems() == []


def test_below_the_minimum_or_above_the_balance_is_refused_with_the_field(earned, settings):
    settings.PAYOUT_MINIMUM = 10_000

    small = request_payout(earned["owner"], 9_999, idem="small-one")
    large = request_payout(earned["owner"], SHARE + 1, idem="large-one")

    assert small.status_code == 400 and "amount_minor" in small.json()["errors"]
    assert large.status_code == 409, large.json()
    assert large.json()["code"] == "insufficient_funds"
    assert not Payout.objects.exists()


def test_only_the_agency_s_owners_pay_out_and_only_its_members_see_its_payouts(earned):
    request_payout(earned["owner"], SHARE)
    _other, other_owner, _m = make_agency("Other MCN")

    by_manager = request_payout(earned["manager"], 100, idem="manager-1")
    by_creator = request_payout(earned["creator"].user, 100, idem="creator-1")

    assert by_manager.status_code == 403 and by_creator.status_code == 403
    assert api_for(other_owner).get(url("agency-payouts")).json()["results"] == []
    assert api_for(earned["creator"].user).get(url("agency-payouts")).status_code == 403
    assert Payout.objects.count() == 1


def test_the_payouts_page_takes_a_request_and_lists_it_beside_the_statement(client, earned):
    client.force_login(earned["owner"])

    shown = client.get(page("agencies:payouts"))
    form = {"amount": f"{SHARE / 100:.2f}", "idempotency_key": str(uuid.uuid4())}
    posted = client.post(page("agencies:payout_request"), form, follow=True)

    assert page("agencies:payouts") in client.get(page("agencies:statement")).content.decode()
    assert "Available" in shown.content.decode()
    text = posted.content.decode()
    assert posted.redirect_chain[-1][0] == page("agencies:payouts")
    assert "is requested" in text and "Requested" in text
    assert Payout.objects.get().agency_id == earned["agency"].pk


def test_a_manager_sees_the_payouts_page_without_the_form(client, earned):
    client.force_login(earned["manager"])

    shown = client.get(page("agencies:payouts"))
    refused = client.post(page("agencies:payout_request"), {"amount": "1.00", "idempotency_key": str(uuid.uuid4())})

    assert shown.status_code == 200 and 'name="amount"' not in shown.content.decode()
    assert refused.status_code == 403
