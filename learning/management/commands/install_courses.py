from django.core.management.base import BaseCommand

from learning.services import install_shipped_courses


class Command(BaseCommand):
    help = (
        "Create or refresh the courses Starmap ships (learning/courses/, English and Simplified Chinese). "
        "Courses staff wrote themselves are left alone. `make run` runs it through bootstrap."
    )

    def handle(self, *args, verbosity: int, **options):
        n = install_shipped_courses()
        if verbosity:
            self.stdout.write(f"{n} shipped courses installed or refreshed.")
