import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.history_import import MAX_ERRORS, ImportFailed, defaults_report, history_import, lookups, parse


class Command(BaseCommand):
    help = "Import past collaborations with outcomes from CSV (docs/import-history.md); all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        started = time.perf_counter()
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                orders = parse(handle, **lookups())
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except ImportFailed as failed:
            more = f"\n… and {failed.total - MAX_ERRORS} more" if failed.total > MAX_ERRORS else ""
            raise CommandError(
                f"{file}: {failed.total} error(s); nothing was imported.\n" + "\n".join(failed.errors) + more
            ) from failed
        n_orders, n_collaborations = history_import(orders=orders)
        self.stdout.write(
            f"imported {n_collaborations} collaborations on {n_orders} past orders "
            f"in {time.perf_counter() - started:.1f} s"
        )
        for line in defaults_report(orders):
            self.stdout.write(line)
