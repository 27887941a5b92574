"""`manage.py backup [--output DIR]`: the database and the uploaded files, with a manifest (docs/operations.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the uploaded files into a new folder with checksums."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="where the backup folder is made (default: BACKUP_DIR)")

    def handle(self, *args, output: Path | None, **options):
        try:
            written = backup(output, say=self.stderr.write if options["verbosity"] else lambda line: None)
        except (BackupError, OSError, ValueError) as exc:  # ValueError: a NUL byte in a path
            raise CommandError(f"nothing was backed up: {exc}") from exc
        self.stdout.write(
            f"backup written to {written.folder} ({written.database_bytes:,} bytes of database, "
            f"{written.media_files:,} uploaded files) in {written.seconds:.1f} s"
        )
