"""Every money field of the web reads an amount the same way (marketplace.core.forms.MoneyField): "10,400.00" as
the pages print it, and a CJK keyboard's fullwidth "１００", in a dispute's split, a quote, a top-up and a payout.
Each form keeps its own limits: a split may give one side nothing, a top-up may not be zero."""

import uuid

import pytest
from django.urls import reverse

from marketplace.core.forms import MoneyField
from orders.forms.deals import ApplyForm, DecisionForm
from orders.models import Collaboration
from payouts.forms import PayoutRequestForm, TopUpForm
from payouts.models import TopUp
from tests.orders.conftest import PRICE, deal_in

S = Collaboration.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "money"}}


def test_a_split_takes_the_amounts_as_the_page_prints_them(world, client):
    c = deal_in(world, S.DISPUTED)
    dispute = c.disputes.get()
    client.force_login(world["admin"])
    assert PRICE == 500_000  # CNY 5,000.00 in escrow

    response = client.post(
        reverse("deals:dispute_decide", args=[dispute.pk]),
        {"decision": "split", "creator_amount": "3,000.00", "brand_amount": "２０００", "comment": "Late video."},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.creator_amount, dispute.brand_amount) == ("resolved", 300_000, 200_000)


def test_a_split_may_give_one_side_nothing_but_not_less(world, client):
    dispute = deal_in(world, S.DISPUTED).disputes.get()
    form = DecisionForm(
        {"decision": "split", "creator_amount": "0", "brand_amount": "5,000.00", "comment": "x"},
        escrow=PRICE,
        currency="CNY",
    )
    negative = DecisionForm(
        {"decision": "split", "creator_amount": "-1", "brand_amount": "5,001.00", "comment": "x"},
        escrow=PRICE,
        currency="CNY",
    )

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["creator_amount"], form.cleaned_data["brand_amount"]) == (0, PRICE)
    assert dispute.status == "open"
    assert not negative.is_valid() and "creator_amount" in negative.errors


def test_a_release_needs_no_amounts(world):
    form = DecisionForm({"decision": "release", "comment": "Delivered."}, escrow=PRICE, currency="CNY")

    assert form.is_valid(), form.errors
    assert form.payload() == {"decision": "release"}


def test_a_top_up_takes_fullwidth_digits_on_the_wallet_page(world, client):
    client.force_login(world["owner"])

    response = client.post(
        reverse("payouts:wallet_topup"), {"amount": "１，０００．５０", "idempotency_key": str(uuid.uuid4())}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert TopUp.objects.filter(brand=world["brand"], amount=100_050).exists()


@pytest.mark.parametrize(("typed", "minor"), [("１００", 10_000), ("1,000.50", 100_050), ("5000", 500_000)])
def test_the_top_up_payout_and_quote_forms_read_amounts_alike(typed, minor):
    key = str(uuid.uuid4())
    topup = TopUpForm({"amount": typed, "idempotency_key": key}, currency="CNY")
    payout = PayoutRequestForm({"amount": typed, "idempotency_key": key}, available=10**9, minimum=1, currency="CNY")
    quote = ApplyForm({"quote": typed, "pitch": "I fit."})

    assert topup.is_valid() and payout.is_valid() and quote.is_valid(), (topup.errors, payout.errors, quote.errors)
    assert topup.cleaned_data["amount"] == payout.cleaned_data["amount"] == quote.cleaned_data["quote"] == minor


def test_the_forms_keep_their_own_limits():
    key = str(uuid.uuid4())

    zero_topup = TopUpForm({"amount": "0", "idempotency_key": key}, currency="CNY")
    small_payout = PayoutRequestForm(
        {"amount": "5", "idempotency_key": key}, available=10**9, minimum=1_000, currency="CNY"
    )
    no_quote = ApplyForm({"quote": "", "pitch": "I fit."})

    assert "amount" in zero_topup.errors
    assert "amount" in small_payout.errors
    assert "quote" in no_quote.errors


def test_every_amount_of_these_forms_is_the_one_money_field():
    fields = [
        DecisionForm.base_fields["creator_amount"],
        DecisionForm.base_fields["brand_amount"],
        ApplyForm.base_fields["quote"],
        TopUpForm.base_fields["amount"],
        PayoutRequestForm.base_fields["amount"],
    ]

    assert all(isinstance(field, MoneyField) for field in fields)
