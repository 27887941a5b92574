"""The agency's documents: a settlement note of its share for each settled deal of its roster (series SA) and a
payout advice for each of its payouts sent (series PA), numbered gap-free in their own series, on the documents
page with PDF and CSV and in the API; its monthly statement; nobody else reads them."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse as page
from django.utils import timezone
from rest_framework.reverse import reverse

from invoices.models import Document
from invoices.services import next_number, series_code
from orders.models import Collaboration
from payouts import services
from payouts.services.ledger import agency_split, fee_split
from tests.agencies.conftest import SHARE_BPS, make_agency, sign
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, deal_in, key, make_creator

S = Collaboration.Status
NET, SHARE = agency_split(fee_split(PRICE, 1000)[0], SHARE_BPS)
FEE = fee_split(PRICE, 1000)[1]
YEAR = timezone.localdate().year


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def documents(user):
    return api_for(user).get(url("document-list")).json()["results"]


def test_each_settlement_of_the_roster_issues_the_agency_a_numbered_note_of_its_share(world, signed):
    second = make_creator()
    sign(signed["owner"], second)
    deal_in(world, S.SETTLED, creator=signed["creator"])
    deal_in(world, S.SETTLED, creator=second)
    deal_in(world, S.SETTLED, creator=make_creator())  # not represented: nothing for the agency

    mine = documents(signed["manager"])

    assert [d["number"] for d in mine] == [f"SA-{YEAR}-000002", f"SA-{YEAR}-000001"]
    note = mine[0]
    assert note["kind"] == "agency_settlement" and note["party_name"] == signed["agency"].name
    assert note["total_minor"] == SHARE
    assert [(line["code"], line["amount_minor"]) for line in note["lines"]] == [
        ("gross", PRICE),
        ("platform_fee", -FEE),
        ("kept_by_creator", -NET),
        ("agency_share_received", SHARE),
    ]
    creator_note = next(d for d in documents(signed["creator"].user) if d["kind"] == "creator_settlement")
    creator_lines = {line["code"]: line["amount_minor"] for line in creator_note["lines"]}
    # What the creator was credited: the gross less the fee and the agency's share, and the lines add up to it.
    assert creator_lines == {"gross": PRICE, "platform_fee": -FEE, "agency_share": -SHARE, "net": NET}
    assert creator_note["total_minor"] == NET
    assert all(d["kind"] not in Document.AGENCY_KINDS for d in documents(world["owner"]))


def test_an_agency_payout_sent_issues_a_payout_advice_and_a_failed_one_none(world, signed, settings):
    settings.PAYMENT_PROVIDER, settings.PAYOUT_MINIMUM = "manual", 100
    deal_in(world, S.SETTLED, creator=signed["creator"])
    sent = services.agency_payout_request(agency_id=signed["agency"].pk, amount=1_000, idempotency_key=key())
    failed = services.agency_payout_request(agency_id=signed["agency"].pk, amount=2_000, idempotency_key=key())
    services.payout_send(payout_id=sent.pk)

    services.payout_mark_sent(payout_id=sent.pk, reference="OUT-7", idempotency_key=key(), actor=world["admin"])
    services.payout_mark_failed(payout_id=failed.pk, reason="Refused", idempotency_key=key(), actor=world["admin"])

    advices = [d for d in documents(signed["owner"]) if d["kind"] == "agency_payout_advice"]
    assert [(d["number"], d["total_minor"], d["facts"]["provider_reference"]) for d in advices] == [
        (f"PA-{YEAR}-000001", 1_000, "OUT-7")
    ]


def test_the_documents_page_lists_them_with_pdf_and_csv_and_another_agency_gets_404(client, world, signed):
    deal_in(world, S.SETTLED, creator=signed["creator"])
    note = Document.objects.get(kind=Document.Kind.AGENCY_SETTLEMENT)
    _other, other_owner, _manager = make_agency("Other MCN")
    client.force_login(signed["owner"])

    listed = client.get(page("invoices:list")).content.decode()
    csv_text = client.get(page("invoices:csv", args=[note.pk])).content.decode()

    assert note.reference in listed and page("invoices:pdf", args=[note.pk]) in listed
    assert f"SA-{YEAR}-000001" in csv_text and signed["agency"].name in csv_text
    assert f"{SHARE / 100:.2f}" in csv_text
    assert page("invoices:list") in client.get(page("agencies:statement")).content.decode()
    client.force_login(other_owner)
    assert note.reference not in client.get(page("invoices:list")).content.decode()
    assert client.get(page("invoices:csv", args=[note.pk])).status_code == 404
    assert api_for(other_owner).get(url("document-detail", note.pk)).status_code == 404


def test_the_agency_s_monthly_statement_closes_on_its_available_share(world, signed):
    deal_in(world, S.SETTLED, creator=signed["creator"])
    today = timezone.localdate()

    statement = api_for(signed["manager"]).get(url("statement-month", today.year, today.month)).json()

    assert statement["party_name"] == signed["agency"].name
    assert (statement["opening_minor"], statement["closing_minor"]) == (0, SHARE)


def test_the_database_refuses_an_agency_document_made_out_to_a_creator(signed):
    series, number = next_number(series_code(Document.Kind.AGENCY_SETTLEMENT, YEAR))

    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(
            kind=Document.Kind.AGENCY_SETTLEMENT,
            series=series,
            number=number,
            source="hold:1",
            creator=signed["creator"],
            currency="CNY",
            total=1,
            party_name="x",
        )
