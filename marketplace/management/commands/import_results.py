from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.core import DomainError
from marketplace.params import MAX_ID, number_argument
from marketplace.results_import import ImportFailed, parse, results_import


class Command(BaseCommand):
    help = "Import campaign results from CSV (docs/import-results.md); all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--order", type=number_argument(least=1, most=MAX_ID), help="require every row to belong to this order"
        )

    def handle(self, *args, file: Path, order: int | None, **options):
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                rows = parse(handle, order_id=order)
        except OSError as exc:  # missing, a folder, a name too long for the file system...
            raise CommandError(f"{file}: cannot read it ({exc.strerror})") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except ImportFailed as failed:
            more = f"\n… and {failed.total - len(failed.errors)} more" if failed.total > len(failed.errors) else ""
            raise CommandError(
                f"{file}: {failed.total} error(s); nothing was imported.\n" + "\n".join(failed.errors) + more
            ) from failed
        try:
            count = results_import(rows=rows)
        except DomainError as exc:  # the data changed between the check and the write: nothing was written
            raise CommandError(f"{file}: column {exc.field}: {exc.detail}; nothing was imported.") from exc
        self.stdout.write(f"imported {count} result rows")
