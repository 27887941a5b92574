"""`manage.py import_creators FILE.csv`: all rows or none; the format is in docs/import-creators.md."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from creators.importing import CreatorImportFailed, creators_import, creators_validate

ERRORS_SHOWN = 50


class _Bars:
    """One tqdm bar per stage on stderr, fed by the service's ``progress(stage, advance, total)``."""

    def __init__(self, *, enabled: bool, stderr) -> None:
        self.enabled = enabled
        self.stderr = stderr
        self.stage: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, stage: str, advance: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            unit = "lines" if stage == "validate" else "rows"
            self.bar = tqdm(total=total, desc=stage, unit=unit, file=self.stderr, disable=not self.enabled)
        self.bar.update(advance)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "Import creators from a CSV file (docs/import-creators.md). Any bad row: nothing is imported."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, with a header row")
        parser.add_argument("--no-progress", action="store_true", help="do not show progress bars")
        parser.add_argument("--dry-run", action="store_true", help="validate every row, write nothing")
        parser.add_argument(
            "--verified",
            action="store_true",
            help="import rows without a verification cell as verified (default: unverified, which is not ranked)",
        )
        parser.add_argument(
            "--max-errors", type=int, default=ERRORS_SHOWN, help=f"errors to print (default {ERRORS_SHOWN})"
        )

    def handle(
        self, *args, file: str, no_progress: bool, dry_run: bool, verified: bool, max_errors: int, **options
    ) -> None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}) from exc
        bars = _Bars(enabled=not no_progress, stderr=sys.stderr)
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
        summary = _("%(rows)s rows valid") if dry_run else _("Imported %(rows)s creators")
        self.stdout.write(
            self.style.SUCCESS(
                (summary + _(" in %(seconds).1f s (%(rate)s rows/s)."))
                % {"rows": rows, "seconds": seconds, "rate": f"{rows / max(seconds, 1e-9):,.0f}"}
            )
        )
        for line in meaning:
            self.stdout.write(line)
