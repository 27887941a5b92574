"""`manage.py import_creators FILE.csv`: all rows or none; the format is in docs/import-creators.md."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from creators.importing import CreatorImportFailed, creators_import, creators_validate
from marketplace.import_cli import ProgressBars, add_import_arguments, dry_run_line


class Command(BaseCommand):
    help = "Import creators from a CSV file (docs/import-creators.md). Any bad row: nothing is imported."

    def add_arguments(self, parser) -> None:
        add_import_arguments(parser)
        parser.add_argument(
            "--verified",
            action="store_true",
            help="import rows without a verification cell as verified (default: unverified, which is not ranked)",
        )

    def handle(
        self, *args, file: str, no_progress: bool, dry_run: bool, verified: bool, max_errors: int, **options
    ) -> None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}) from exc
        bars = ProgressBars(enabled=not no_progress and options["verbosity"] > 0, stderr=self.stderr)
        started = time.perf_counter()
        meaning: list[str] = []
        try:
            if dry_run:
                rows = len(creators_validate(data=data, verified=verified, progress=bars))
            else:
                result = creators_import(data=data, source=path.name, verified=verified, progress=bars)
                rows, meaning = result.rows, result.summary
        except CreatorImportFailed as exc:
            raise CommandError(exc.report(limit=max_errors)) from exc
        finally:
            bars.close()
        seconds = time.perf_counter() - started
        if dry_run:
            self.stdout.write(self.style.SUCCESS(dry_run_line(rows)))
            return
        self.stdout.write(
            self.style.SUCCESS(
                (_("Imported %(rows)s creators") + _(" in %(seconds).1f s (%(rate)s rows/s)."))
                % {"rows": rows, "seconds": seconds, "rate": f"{rows / max(seconds, 1e-9):,.0f}"}
            )
        )
        for line in meaning:
            self.stdout.write(line)
