import json

from django.core.management.base import BaseCommand
from tqdm import tqdm

from insights.indices_sync import STEPS, indices_recompute, indices_recompute_if_missing


class Command(BaseCommand):
    help = "Recompute every creator's value indices, anomaly score and growth stage now (the nightly job)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing", action="store_true", help="Only when some active creator has no indices yet."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, if_missing: bool, no_progress: bool, verbosity: int, **options):
        with tqdm(
            total=len(STEPS), desc="indices", unit="step", file=self.stderr, disable=no_progress or verbosity == 0
        ) as bar:

            def on_step(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update()

            job = indices_recompute_if_missing if if_missing else indices_recompute
            stats = job(on_step=on_step)
        if verbosity:
            self.stdout.write(json.dumps(stats) if stats else "indices in place; nothing to do (--if-missing)")
