"""`manage.py import_history FILE.csv`: all rows or none, and never a row twice (docs/import-history.md)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.core.csv import CsvRefused, decode_csv
from marketplace.core.import_cli import ProgressBars, add_import_arguments, dry_run_line, errors_report
from orders.history_import import (
    ImportFailed,
    already_imported,
    defaults_report,
    history_import,
    lookups,
    parse,
)


class Command(BaseCommand):
    help = (
        "Import past collaborations with outcomes from CSV (docs/import-history.md); all rows or none, "
        "and rows already imported (same brand, order_ref and creator) are left as they are."
    )

    def add_arguments(self, parser):
        add_import_arguments(parser)

    def handle(self, *args, file: str, dry_run: bool, no_progress: bool, max_errors: int, **options):
        path = Path(file)
        started = time.perf_counter()
        bars = ProgressBars(enabled=not no_progress and options["verbosity"] > 0, stderr=self.stderr)
        try:
            orders = parse(decode_csv(path.read_bytes()), **lookups(), progress=bars)
            bars.close()
            if dry_run:
                rows = sum(len(o.collaborations) for o in orders)
                self.stdout.write(dry_run_line(rows))
                already = already_imported(orders)
            else:
                result = history_import(orders=orders, progress=bars)
                already = result.already
                self.stdout.write(
                    f"imported {result.collaborations} collaborations on {result.orders} past orders "
                    f"({result.new_orders} new) in {time.perf_counter() - started:.1f} s"
                )
        except OSError as exc:  # missing, a folder, a name too long for the file system...
            raise CommandError(f"{file}: cannot read it ({exc.strerror})") from exc
        except CsvRefused as refused:  # the encoding, an empty file, a NUL: as import_creators says it
            raise CommandError(f"{file}: {refused.error}") from None
        except ImportFailed as failed:
            headline = f"{file}: {failed.total} error(s); nothing was imported."
            raise CommandError(errors_report(headline, failed.errors, failed.total, limit=max_errors)) from failed
        finally:
            bars.close()
        if already:
            self.stdout.write(
                f"{already} row(s) were already imported (same brand, order_ref and creator) and were left as they are"
            )
        for line in defaults_report(orders):
            self.stdout.write(line)
