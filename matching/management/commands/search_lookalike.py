from django.core.management.base import BaseCommand, CommandError

from creators.models import Creator
from creators.platform_handles import AmbiguousHandle, HandleLookup, UnknownHandle
from marketplace.core.params import MAX_ID, number_argument, text_argument
from matching import engine, selectors
from matching.management.commands._output import SEARCH_TOP, logs_to_stderr, print_results


class Command(BaseCommand):
    help = (
        "More creators like these. Name the seeds by id (--ids) or by handle (--handles: Starmap handle, "
        "else handle on their platform); a handle made of digits is a handle, never an id."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ids", nargs="+", type=number_argument(least=1, most=MAX_ID), default=[], metavar="ID", help="creator ids"
        )
        parser.add_argument(
            "--handles",
            nargs="+",
            default=[],
            type=text_argument(),
            metavar="HANDLE",
            help="Starmap handles or platform handles (@ optional)",
        )
        parser.add_argument("--top", type=SEARCH_TOP, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, ids, handles, top, json, **options):
        if not ids and not handles:
            raise CommandError("name at least one seed creator with --ids or --handles")
        found = set(Creator.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := [i for i in ids if i not in found]:
            raise CommandError(f"no creator with id {', '.join(map(str, missing))}")
        lookup = HandleLookup(handles)
        seeds = list(ids)
        for name in handles:
            try:
                seeds.append(lookup.resolve(name))
            except (UnknownHandle, AmbiguousHandle) as exc:
                raise CommandError(str(exc)) from exc
        # A one-off process: no compiled kernels, no republished prior (docs/matching.md); --json: the JSON alone.
        with logs_to_stderr(json), engine.one_off():
            results = selectors.search_lookalike(list(dict.fromkeys(seeds)), top=top)
        print_results(self, results, as_json=json, extra=("shared_terms", "booked_by_same_brands"))
