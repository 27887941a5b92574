from django.core.management.base import BaseCommand, CommandError

from creators.models import Creator
from marketplace.core.params import MAX_ID, text_argument, whole_number
from matching import selectors
from matching.management.commands._output import SEARCH_TOP, print_results


class Command(BaseCommand):
    help = "More creators like these: give creator ids or handles."

    def add_arguments(self, parser):
        parser.add_argument("creators", nargs="+", type=text_argument(), help="creator ids or handles")
        parser.add_argument("--top", type=SEARCH_TOP, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, creators, top, json, **options):
        ids = []
        for ref in creators:
            pk = whole_number(ref, most=MAX_ID)
            found = Creator.objects.filter(pk=pk) if pk is not None else Creator.objects.filter(handle=ref)
            creator = found.only("id").first()
            if creator is None:
                raise CommandError(f"no creator {ref!r}")
            ids.append(creator.pk)
        print_results(self, selectors.search_lookalike(ids, top=top), as_json=json)
