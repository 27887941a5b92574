"""`manage.py restore FOLDER --yes`: replace the database and the uploaded files with a backup's."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from marketplace.core.backup import BackupError, check, restore


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup`: checks its checksums, then replaces the database "
        "(all or nothing) and the uploaded files, and verifies the ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="replace this database and its files (required)")

    def handle(self, *args, folder: Path, yes: bool, **options):
        try:
            manifest = check(folder)
            if not yes:
                raise CommandError(
                    f"this replaces every table of the database and every uploaded file with the backup of "
                    f"{manifest['created_at']}; nothing was changed. Run again with --yes to go ahead."
                )
            restore(folder, say=self.stderr.write if options["verbosity"] else lambda line: None)
        except (BackupError, OSError, ValueError) as exc:  # ValueError: a NUL byte in a path
            raise CommandError(f"nothing was restored: {exc}") from exc
        self.stdout.write(f"restored the backup of {manifest['created_at']} ({manifest['media_files']:,} files)")
        self.stdout.write("run `manage.py migrate` if this code is newer than the backup; checking the ledger:")
        call_command("ledger_verify", stdout=self.stdout, stderr=self.stderr)
