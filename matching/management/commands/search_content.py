from django.core.management.base import BaseCommand, CommandError

from marketplace.params import text_argument
from matching import selectors
from matching.management.commands._output import SEARCH_TOP, print_results


class Command(BaseCommand):
    help = 'Search creators by content, e.g. "oily-skin routine for students" (TF-IDF over labels, bio, titles).'

    def add_arguments(self, parser):
        parser.add_argument("query", type=text_argument())
        parser.add_argument("--top", type=SEARCH_TOP, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, query, top, json, **options):
        if not query.strip():
            raise CommandError("the query is empty")
        print_results(self, selectors.search_by_content(query, top=top), as_json=json, extra=("matched",))
