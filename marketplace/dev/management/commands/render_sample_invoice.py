"""`manage.py render_sample_invoice [--out DIR] [--language en|zh-hans]`: the demo's sample documents as files.

Writes the first settlement note of each side the database holds (after `make demo`: the Aurora Skincare
campaign's) as PDF and CSV, plus that brand's monthly statement, into ``--out`` (default docs/samples/).
Where this machine cannot make PDFs it writes the CSVs and says why.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from brands.models import BrandMembership
from invoices import render
from invoices.models import Document
from payouts.statements import statement_csv, statement_for, statement_pdf


class Command(BaseCommand):
    help = "Render the demo's sample invoice, creator settlement note and monthly statement as PDF and CSV."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "samples"), help="Directory.")
        parser.add_argument("--language", default="en", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, out: str, language: str, **options):
        documents = {
            "invoice-brand-settlement": Document.objects.filter(kind=Document.Kind.BRAND_SETTLEMENT).order_by("id"),
            "invoice-creator-settlement": Document.objects.filter(kind=Document.Kind.CREATOR_SETTLEMENT).order_by("id"),
        }
        if not all(found.exists() for found in documents.values()):
            raise CommandError("No settled deal in this database: load the demo first (make demo).")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        unavailable = render.pdf_unavailable()
        with translation.override(language):
            brand_note = documents["invoice-brand-settlement"].first()
            for name, found in documents.items():
                document = found.first()
                self._write(folder / f"{name}.csv", render.document_csv(document))
                if not unavailable:
                    self._write(folder / f"{name}.pdf", render.document_pdf(document))
            owner = BrandMembership.objects.filter(brand_id=brand_note.brand_id, role="owner").first().user
            issued = brand_note.issued_at
            statement = statement_for(owner, year=issued.year, month=issued.month)
            self._write(folder / "statement-brand.csv", statement_csv(statement))
            if not unavailable:
                self._write(folder / "statement-brand.pdf", statement_pdf(statement))
        if unavailable:
            self.stderr.write(f"{unavailable} Wrote the CSV files only.")

    def _write(self, path: Path, content: bytes) -> None:
        path.write_bytes(content)
        self.stdout.write(f"wrote {path} ({len(content):,} bytes)")
