"""`manage.py load_taxonomy`: load the IAB catalogue from data/iab/ (safe to run again)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.core.taxonomy import DATA_DIR, TaxonomyFileError, load_taxonomy


class Command(BaseCommand):
    help = "Load IAB Content Taxonomy 3.1, Ad Product Taxonomy 2.0 and the product → interest priors."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="Folder with the IAB files.")

    def handle(self, *args, data_dir: Path, verbosity: int, **options):
        started = time.monotonic()
        try:
            result = load_taxonomy(data_dir=data_dir)
        except (OSError, TaxonomyFileError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity == 0:
            return
        parts = []
        for name, counts in (
            ("interests", result.interests),
            ("labels", result.labels),
            ("product categories", result.product_categories),
            ("product → interest priors", result.priors),
        ):
            changes = [
                f"{n} {what}"
                for n, what in ((counts.created, "new"), (counts.updated, "updated"), (counts.deleted, "removed"))
                if n
            ]
            parts.append(f"{counts.total} {name}" + (f" ({', '.join(changes)})" if changes else ""))
        verb = "Loaded" if result.changed else "Taxonomy up to date:"
        self.stdout.write(f"{verb} {', '.join(parts)} in {time.monotonic() - started:.2f}s.")
