from django.core.management import call_command
from django.core.management.base import BaseCommand

from marketplace.dev.management.commands.load_demo import DEMO_CREATORS


class Command(BaseCommand):
    help = (
        "Migrate, load the taxonomy and the shipped courses, (once) the demo data and any missing value "
        "indices, in one process: what `make run` does first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo-creators", type=DEMO_CREATORS, default=2000)
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args, demo_creators: int, no_demo: bool, verbosity: int, **options):
        out = {"stdout": self.stdout, "stderr": self.stderr}
        call_command("migrate", interactive=False, verbosity=min(verbosity, 1))
        call_command("load_taxonomy", verbosity=verbosity)
        call_command("install_courses", verbosity=verbosity, **out)
        if not no_demo:
            call_command("load_demo", creators=demo_creators, if_empty=True, verbosity=verbosity, **out)
        # Creators loaded now (or before, by an import) get their indices at once, not at the next nightly run.
        call_command("recompute_indices", if_missing=True, verbosity=verbosity, **out)
