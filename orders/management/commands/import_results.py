"""`manage.py import_results FILE.csv`: all rows or none (docs/import-results.md), with the options every
import command shares (marketplace.core.import_cli)."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.core import DomainError
from marketplace.core.csv import CsvRefused, decode_csv
from marketplace.core.import_cli import ProgressBars, add_import_arguments, dry_run_line, errors_report
from marketplace.core.params import MAX_ID, number_argument
from orders.results_import import ImportFailed, parse, results_import


class Command(BaseCommand):
    help = "Import campaign results from CSV (docs/import-results.md); all rows or none."

    def add_arguments(self, parser):
        add_import_arguments(parser)
        parser.add_argument(
            "--order", type=number_argument(least=1, most=MAX_ID), help="require every row to belong to this order"
        )

    def handle(self, *args, file: str, order: int | None, dry_run: bool, no_progress: bool, max_errors: int, **options):
        bars = ProgressBars(enabled=not no_progress and options["verbosity"] > 0, stderr=self.stderr)
        try:
            with open(file, "rb") as handle:
                rows = parse(decode_csv(handle.read()), order_id=order, progress=bars)
        except OSError as exc:  # missing, a folder, a name too long for the file system...
            raise CommandError(f"{file}: cannot read it ({exc.strerror})") from exc
        except CsvRefused as refused:  # the encoding, an empty file, a NUL: as import_creators says it
            raise CommandError(f"{file}: {refused.error}") from None
        except ImportFailed as failed:
            headline = f"{file}: {failed.total} error(s); nothing was imported."
            raise CommandError(errors_report(headline, failed.errors, failed.total, limit=max_errors)) from failed
        finally:
            bars.close()
        if dry_run:
            self.stdout.write(dry_run_line(len(rows)))
            return
        try:
            count = results_import(rows=rows)
        except DomainError as exc:  # the data changed between the check and the write: nothing was written
            raise CommandError(f"{file}: column {exc.field}: {exc.detail}; nothing was imported.") from exc
        self.stdout.write(f"imported {count} result rows")
