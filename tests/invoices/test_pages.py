"""What a brand member and a creator see and download: the documents page, each document as PDF and CSV, the
monthly statement; nobody reads another party's documents; without Pango the PDF gives way to the CSV."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from invoices import render
from invoices.models import Document
from invoices.views import recent_months
from payouts import services
from tests.factories import BrandFactory, CreatorFactory, MembershipFactory, OrderFactory
from tests.html import text_of
from tests.payouts.conftest import escrowed_hold, new_key

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def world():
    brand = BrandFactory(name="Glow", legal_name="光彩化妆品（上海）有限公司", tax_id="91310000MA1FL8XQ30")
    owner = MembershipFactory(brand=brand).user
    creator = CreatorFactory(display_name="小美")
    order = OrderFactory(brand=brand, currency="CNY", title="精华液新品")
    hold = services.release(hold_id=escrowed_hold(order, creator, 10_000).pk, idempotency_key=new_key())
    services.settle(hold_id=hold.pk, idempotency_key=new_key())
    return {"brand": brand, "owner": owner, "creator": creator}


def test_the_brand_downloads_its_settlement_note_as_a_pdf_with_its_legal_name_in_chinese(client, world):
    client.force_login(world["owner"])
    note = Document.objects.get(kind=Document.Kind.BRAND_SETTLEMENT)

    page = client.get(reverse("invoices:list"))
    pdf = client.get(reverse("invoices:pdf", args=[note.pk]))

    assert note.reference in text_of(page.content.decode(), "documents")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{note.reference}.pdf"'
    text = pdf_text(pdf.content)
    for shown in (
        note.reference,
        "光彩化妆品（上海）有限公司",
        "91310000MA1FL8XQ30",
        "小美",
        "精华液新品",
        "100.00",
        "10.00",
        "1 / 1",  # the print stylesheet's page footer: the stylesheet was applied
    ):
        assert shown in text, shown


def test_the_creator_reads_gross_fee_agency_share_and_net_on_their_note(client, world):
    client.force_login(world["creator"].user)
    note = Document.objects.get(kind=Document.Kind.CREATOR_SETTLEMENT)

    csv_text = client.get(reverse("invoices:csv", args=[note.pk])).content.decode()
    pdf = pdf_text(client.get(reverse("invoices:pdf", args=[note.pk])).content)

    assert "gross,Gross,100.00,CNY" in csv_text
    assert "platform_fee,Platform fee,-10.00,CNY" in csv_text
    assert "agency_share,Agency share,0.00,CNY" in csv_text
    assert "net,Net to you,90.00,CNY" in csv_text
    assert "Agency share" in pdf and "Net to you" in pdf


def test_a_document_of_another_party_is_not_found(client, world):
    brand_note = Document.objects.get(kind=Document.Kind.BRAND_SETTLEMENT)
    creator_note = Document.objects.get(kind=Document.Kind.CREATOR_SETTLEMENT)
    stranger = MembershipFactory().user

    client.force_login(stranger)
    listed = client.get(reverse("invoices:list")).content.decode()
    assert brand_note.reference not in listed
    for url in ("invoices:pdf", "invoices:csv"):
        assert client.get(reverse(url, args=[brand_note.pk])).status_code == 404
        assert client.get(reverse(url, args=[creator_note.pk])).status_code == 404
    client.force_login(world["creator"].user)
    assert client.get(reverse("invoices:csv", args=[brand_note.pk])).status_code == 404


def test_without_pango_the_page_offers_csv_and_says_why(client, world, monkeypatch):
    monkeypatch.setattr(render, "_weasyprint", lambda: "OSError: cannot load library 'libpango-1.0-0'")
    client.force_login(world["owner"])
    note = Document.objects.get(kind=Document.Kind.BRAND_SETTLEMENT)

    page = client.get(reverse("invoices:list")).content.decode()
    pdf = client.get(reverse("invoices:pdf", args=[note.pk]), follow=True)

    assert "PDF is not available on this server" in text_of(page, "pdf-unavailable")
    assert reverse("invoices:pdf", args=[note.pk]) not in page
    assert reverse("invoices:csv", args=[note.pk]) in page
    assert "PDF is not available on this server" in pdf.content.decode()
    assert client.get(reverse("invoices:csv", args=[note.pk])).status_code == 200


def test_the_monthly_statement_opens_closes_and_lists_the_months_movements(client, world):
    client.force_login(world["owner"])
    today = timezone.localdate()

    csv_text = client.get(reverse("payouts:statement_csv", args=[today.year, today.month])).content.decode()
    pdf = pdf_text(client.get(reverse("payouts:statement_pdf", args=[today.year, today.month])).content)
    last_year = client.get(reverse("payouts:statement_csv", args=[today.year - 1, today.month])).content.decode()

    rows = [row for row in csv.reader(io.StringIO(csv_text)) if len(row) > 2]
    assert rows[-1][-1] == "0.00"  # topped up 100.00, all of it held for the deal
    assert [row[2] for row in rows if row[2] in ("topup", "hold")] == ["topup", "hold"]
    assert "91310000MA1FL8XQ30" in csv_text
    assert "Monthly statement" in pdf and "Closing balance" in pdf
    assert "topup" not in last_year and last_year.splitlines()[-1].endswith("0.00")


def test_the_creators_statement_tells_the_settlement_in_their_terms(client, world):
    client.force_login(world["creator"].user)
    today = timezone.localdate()

    csv_text = client.get(reverse("payouts:statement_csv", args=[today.year, today.month])).content.decode()

    assert "Now available to pay out." in csv_text
    assert csv_text.splitlines()[-1].endswith("90.00")


@pytest.mark.parametrize("month", ["0", "13", "99"])
def test_a_month_that_does_not_exist_is_not_found(client, world, month):
    client.force_login(world["owner"])

    assert client.get(f"/money/statements/2026-{month}.csv").status_code == 404


def test_people_who_are_neither_brand_nor_creator_have_no_documents(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("invoices:list")).status_code == 404
    assert client.get(reverse("payouts:statement_csv", args=[2026, 1])).status_code == 404


def test_the_statement_months_run_back_across_the_year():
    assert recent_months(date(2026, 2, 14), 3) == [date(2026, 2, 1), date(2026, 1, 1), date(2025, 12, 1)]


def test_the_wallet_and_earnings_pages_link_the_documents(client, world):
    client.force_login(world["owner"])
    assert reverse("invoices:list") in client.get(reverse("payouts:wallet")).content.decode()
    client.force_login(world["creator"].user)
    assert reverse("invoices:list") in client.get(reverse("payouts:earnings")).content.decode()


def test_the_brand_is_asked_for_its_legal_name_and_tax_id_when_missing(client):
    owner = MembershipFactory().user
    client.force_login(owner)

    page = client.get(reverse("invoices:list")).content.decode()

    assert "legal name and tax id" in text_of(page, "identity-missing")
