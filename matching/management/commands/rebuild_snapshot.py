import time

from django.core.management.base import BaseCommand

from matching import engine


class Command(BaseCommand):
    help = "Rebuild the matcher's feature snapshot from PostgreSQL and make it current for every worker."

    def handle(self, *args, **options):
        started = time.perf_counter()
        # A one-off process: the kernels are not warmed (it ranks nothing); the rebuild publishes the new prior.
        with engine.one_off():
            snap = engine.rebuild()
        self.stdout.write(
            f"snapshot {snap.version}: {snap.n} creators, {snap.nbytes() / 2**20:.0f} MiB, "
            f"{time.perf_counter() - started:.1f} s"
        )
