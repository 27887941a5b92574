import json

from django.core.management.base import BaseCommand

from creators.indices_sync import indices_recompute


class Command(BaseCommand):
    help = "Recompute every creator's value indices, anomaly score and growth stage now (the nightly job)."

    def handle(self, *args, **options):
        stats = indices_recompute(progress=lambda line: self.stderr.write(line))
        self.stdout.write(json.dumps(stats))
