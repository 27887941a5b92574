from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from marketplace.core.models import ProductCategory
from marketplace.core.params import text_argument
from matching import engine, selectors
from matching.management.commands._output import SEARCH_TOP, logs_to_stderr, print_results


class Command(BaseCommand):
    help = "Search creators for a product category (IAB Ad Product 2.0 id or name): prior × past results."

    def add_arguments(self, parser):
        parser.add_argument(
            "category", type=text_argument(), help='an Ad Product 2.0 unique id such as 1004, or a name such as "Beer"'
        )
        parser.add_argument("--top", type=SEARCH_TOP, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, category, top, json, **options):
        matches = list(ProductCategory.objects.filter(Q(iab_id=category) | Q(name__iexact=category))[:2])
        if len(matches) != 1:
            raise CommandError(f"no single product category matches {category!r}; use its IAB unique id")
        # A one-off process: no compiled kernels, no republished prior (docs/matching.md); --json: the JSON alone.
        with logs_to_stderr(json), engine.one_off():
            results = selectors.search_by_product(matches[0], top=top)
        for r in results:
            r["prior"], r["history"] = round(r["prior"], 3), round(r["history"], 3)
        print_results(self, results, as_json=json, extra=("prior", "history"))
