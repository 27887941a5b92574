"""Documents and statements as PDF (an HTML template through WeasyPrint) and as CSV.

WeasyPrint lays text out with Pango, a system library. Where Pango (or WeasyPrint) cannot be loaded,
``pdf_unavailable()`` says why in one sentence and the pages and the API offer the CSV instead; nothing
else depends on it. Chinese text needs a CJK font: the Dockerfile and CI install Debian's
fonts-noto-cjk (SIL Open Font License), the stylesheet falls back to WenQuanYi Micro Hei and then to
whatever fontconfig finds (docs/invoices.md).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoices.models import Document
from marketplace.core import CsvWriter, DomainError, minor_to_decimal_str

# What each line of a document says; a document stores the code, so it reads in the viewer's language.
LINE_LABELS = {
    "topup": gettext_lazy("Top-up credited to your wallet"),
    "escrowed": gettext_lazy("Held in escrow for the deal"),
    "paid_to_creator": gettext_lazy("Paid to the creator"),
    "platform_fee_included": gettext_lazy("of which the platform fee"),
    "returned_to_wallet": gettext_lazy("Returned to your wallet"),
    "gross": gettext_lazy("Gross"),
    "platform_fee": gettext_lazy("Platform fee"),
    "agency_share": gettext_lazy("Agency share"),
    "net": gettext_lazy("Net to you"),
    "payout": gettext_lazy("Paid out to your account"),
    "kept_by_creator": gettext_lazy("Kept by the creator"),
    "agency_share_received": gettext_lazy("Your agency's share"),
}


class PdfUnavailable(DomainError):
    """This server cannot make PDFs (no Pango); the CSV has the same figures."""

    code = "pdf_unavailable"
    status = 503


PRINT_CSS = Path(__file__).with_name("print.css")  # a file, not a <style>: no page template carries inline style


@functools.cache
def _weasyprint():
    """WeasyPrint's module, or the reason it cannot load (a string)."""
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        return f"{exc.__class__.__name__}: {exc}".splitlines()[0]
    finally:
        # WeasyPrint's import sets Pillow's process-wide LOAD_TRUNCATED_IMAGES; put the process's choice back,
        # or every later picture upload would take a cut-off file (creators/avatars.py refuses them).
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return weasyprint


def pdf_unavailable() -> str | None:
    """None where PDFs can be made; otherwise the message a user sees."""
    if isinstance(_weasyprint(), str):
        return _(
            "PDF is not available on this server: the Pango text library is not installed. "
            "Download the CSV instead; it has the same figures."
        )
    return None


def render_pdf(template: str, context: dict) -> bytes:
    """``template`` rendered with ``context`` as a PDF; PdfUnavailable where this server cannot."""
    reason = pdf_unavailable()
    if reason:
        raise PdfUnavailable(reason)
    html = render_to_string(template, context)
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, base_url=None).write_pdf(stylesheets=[weasyprint.CSS(filename=PRINT_CSS)])


def document_lines(document: Document) -> list[dict]:
    return [{"label": LINE_LABELS.get(line["code"], line["code"]), **line} for line in document.lines]


def issuer() -> str:
    tax_id = settings.INVOICE_ISSUER_TAX_ID
    return f"{settings.INVOICE_ISSUER} ({tax_id})" if tax_id else settings.INVOICE_ISSUER


def document_context(document: Document) -> dict:
    return {"document": document, "lines": document_lines(document), "facts": document.facts, "issuer": issuer()}


def document_pdf(document: Document) -> bytes:
    return render_pdf("invoices/document.html", document_context(document))


def document_csv(document: Document) -> bytes:
    """The document as CSV: its heading facts, then one row per line (amounts in major units)."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["document", document.reference])
    writer.writerow(["kind", document.kind])
    writer.writerow(["issued_at", document.issued_at.isoformat(timespec="seconds")])
    writer.writerow(["issued_to", document.party_name])
    writer.writerow(["legal_name", document.party_legal_name])
    writer.writerow(["tax_id", document.party_tax_id])
    for key in ("order", "creator", "brand", "provider_reference"):
        if document.facts.get(key):
            writer.writerow([key, document.facts[key]])
    writer.writerow([])
    writer.writerow(["line", "description", "amount", "currency"])
    for line in document_lines(document):
        writer.writerow([line["code"], str(line["label"]), minor_to_decimal_str(line["amount"]), document.currency])
    writer.writerow(["total", str(_("Total")), minor_to_decimal_str(document.total), document.currency])
    return out.getvalue().encode("utf-8")


def filename(document: Document, extension: str) -> str:
    return f"{document.reference}.{extension}"
