"""Each money event issues its numbered document in its own transaction, once however often it is retried."""

import pytest

from invoices.models import Document
from invoices.render import document_csv
from payouts import services
from payouts.models import Payout
from payouts.tasks import payout_send_task
from tests.factories import BrandFactory, CreatorFactory, OrderFactory
from tests.payouts.conftest import escrowed_hold, new_key

pytestmark = pytest.mark.django_db
K = Document.Kind


def lines(document: Document) -> dict[str, int]:
    return {line["code"]: line["amount"] for line in document.lines}


@pytest.fixture
def brand():
    return BrandFactory(name="Glow", legal_name="Glow Cosmetics (Shanghai) Co., Ltd.", tax_id="91310000MA1FL8XQ30")


def test_a_credited_top_up_gets_one_receipt_with_the_brands_legal_name_and_tax_id(brand):
    topup = services.topup(brand_id=brand.pk, amount=50_000, idempotency_key="top-1")
    again = services.topup(brand_id=brand.pk, amount=50_000, idempotency_key="top-1")

    receipt = Document.objects.get(kind=K.TOPUP_RECEIPT)
    assert again.pk == topup.pk
    assert (receipt.source, receipt.brand_id, receipt.total, receipt.number) == (
        f"topup:{topup.pk}",
        brand.pk,
        50_000,
        1,
    )
    assert (receipt.party_legal_name, receipt.party_tax_id) == (brand.legal_name, "91310000MA1FL8XQ30")
    text = document_csv(receipt).decode()
    assert "Glow Cosmetics (Shanghai) Co., Ltd." in text and "91310000MA1FL8XQ30" in text
    assert "topup,Top-up credited to your wallet,500.00,CNY" in text


def test_a_pending_top_up_has_no_receipt_until_the_transfer_is_confirmed(brand, settings):
    settings.PAYMENT_PROVIDER = "manual"
    topup = services.topup(brand_id=brand.pk, amount=20_000, idempotency_key=new_key())
    assert not Document.objects.exists()

    services.topup_confirm(topup_id=topup.pk, reference="BANK-1", idempotency_key=new_key(), actor=None)

    receipt = Document.objects.get()
    assert (receipt.kind, receipt.total, receipt.facts["provider_reference"]) == (K.TOPUP_RECEIPT, 20_000, "BANK-1")


def test_a_settled_deal_gives_the_brand_and_the_creator_each_their_note(brand):
    order = OrderFactory(brand=brand, currency="CNY", title="Serum launch")
    creator = CreatorFactory(display_name="Mia")
    hold = services.release(hold_id=escrowed_hold(order, creator, 10_000).pk, idempotency_key=new_key())
    assert not Document.objects.exclude(kind=K.TOPUP_RECEIPT).exists()  # released, not settled yet

    services.settle(hold_id=hold.pk, idempotency_key="settle-1")
    services.settle(hold_id=hold.pk, idempotency_key="settle-1")  # the step retried

    brand_note = Document.objects.get(kind=K.BRAND_SETTLEMENT)
    creator_note = Document.objects.get(kind=K.CREATOR_SETTLEMENT)
    assert lines(brand_note) == {"escrowed": 10_000, "paid_to_creator": 10_000, "platform_fee_included": 1_000}
    assert (brand_note.facts["creator"], brand_note.facts["order"], brand_note.total) == ("Mia", "Serum launch", 10_000)
    assert lines(creator_note) == {"gross": 10_000, "platform_fee": -1_000, "agency_share": 0, "net": 9_000}
    assert (creator_note.creator_id, creator_note.total, creator_note.party_name) == (creator.pk, 9_000, "Mia")
    assert brand_note.party_tax_id == "91310000MA1FL8XQ30"


def test_a_split_tells_the_brand_what_came_back(brand):
    order = OrderFactory(brand=brand, currency="CNY")
    hold = escrowed_hold(order, CreatorFactory(), 10_000)
    hold = services.split(hold_id=hold.pk, creator_amount=4_000, idempotency_key=new_key())

    services.settle(hold_id=hold.pk, idempotency_key=new_key())

    brand_note = Document.objects.get(kind=K.BRAND_SETTLEMENT)
    assert lines(brand_note) == {
        "escrowed": 10_000,
        "paid_to_creator": 4_000,
        "platform_fee_included": 400,
        "returned_to_wallet": 6_000,
    }
    assert lines(Document.objects.get(kind=K.CREATOR_SETTLEMENT))["net"] == 3_600


def test_a_sent_payout_gets_one_advice_and_a_failed_one_none(brand, sandbox, settings):
    creator = CreatorFactory()
    order = OrderFactory(brand=brand, currency="CNY")
    hold = services.release(hold_id=escrowed_hold(order, creator, 20_000).pk, idempotency_key=new_key())
    services.settle(hold_id=hold.pk, idempotency_key=new_key())
    sent = services.payout_request(creator_id=creator.pk, amount=9_000, idempotency_key=new_key())
    failing = services.payout_request(creator_id=creator.pk, amount=8_000, idempotency_key=new_key())

    payout_send_task.apply(args=[sent.pk]).get()
    payout_send_task.apply(args=[sent.pk]).get()  # a redelivered task
    settings.PAYOUT_MAX_ATTEMPTS = 1
    sandbox.fail_next(1)
    payout_send_task.apply(args=[failing.pk]).get()

    assert Payout.objects.get(pk=failing.pk).status == Payout.Status.FAILED
    advice = Document.objects.get(kind=K.PAYOUT_ADVICE)
    assert (advice.source, advice.total, advice.creator_id) == (f"payout:{sent.pk}", 9_000, creator.pk)
    assert advice.facts["provider_reference"].startswith("sbx_out_")


def test_a_payout_an_admin_marks_sent_gets_its_advice(brand, settings):
    settings.PAYMENT_PROVIDER = "manual"
    creator = CreatorFactory()
    order = OrderFactory(brand=brand, currency="CNY")
    settings.PAYMENT_PROVIDER = "sandbox"
    hold = services.release(hold_id=escrowed_hold(order, creator, 20_000).pk, idempotency_key=new_key())
    services.settle(hold_id=hold.pk, idempotency_key=new_key())
    settings.PAYMENT_PROVIDER = "manual"
    payout = services.payout_request(creator_id=creator.pk, amount=9_000, idempotency_key=new_key())
    payout_send_task.apply(args=[payout.pk]).get()

    services.payout_mark_sent(payout_id=payout.pk, reference="OUT-7", idempotency_key=new_key(), actor=None)

    advice = Document.objects.get(kind=K.PAYOUT_ADVICE)
    assert (advice.total, advice.facts["provider_reference"]) == (9_000, "OUT-7")
