"""Creators like these: what creators post, who else the seeds' brands booked, and seeds named
by id or by handle without one being read as the other."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from creators.models import Creator
from marketplace.history_import import UNKNOWN_BRAND, UNKNOWN_BRAND_SLUG
from matching import selectors
from tests.factories import BrandFactory, CollaborationFactory, OrderFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db

BREAD = "Sourdough starter feeding #sourdough | Rye crumb shot #ryebread #levain"


@pytest.fixture
def pool(taxonomy):
    """60 creators of four interests; every one writes about something different."""
    ids = make_creators(60)
    for i, pk in enumerate(ids):
        Creator.objects.filter(pk=pk).update(content_sample=f"Topic{i} diary #topic{i} | notes on topic{i}")
    return ids


def rank_of(results, creator_id) -> int:
    return next(i for i, r in enumerate(results, start=1) if r["creator"].pk == creator_id)


def test_a_creator_who_posts_like_the_seeds_ranks_above_a_twin_who_does_not(pool):
    seeds, twin_quiet, twin_baker = pool[0:12:4], pool[40], pool[44]  # all of the first interest
    Creator.objects.filter(pk__in=[*seeds, twin_baker]).update(content_sample=BREAD)

    results = selectors.search_lookalike(seeds, top=60)

    assert rank_of(results, twin_baker) == 1
    assert rank_of(results, twin_baker) < rank_of(results, twin_quiet)
    assert {"sourdough", "levain"} & set(results[0]["shared_terms"])
    assert not set(seeds) & {r["creator"].pk for r in results}


def test_creators_booked_by_the_brands_that_booked_the_seeds_come_first(pool):
    seeds, booked, elsewhere = pool[:3], pool[37], pool[38]
    brand, other = BrandFactory(), BrandFactory()
    for creator in [*seeds[:2], booked]:
        CollaborationFactory(order=OrderFactory(brand=brand), creator_id=creator, accepted=True)
    CollaborationFactory(order=OrderFactory(brand=other), creator_id=elsewhere, accepted=True)
    CollaborationFactory(order=OrderFactory(brand=brand), creator_id=pool[39], accepted=False)

    results = selectors.search_lookalike(seeds, top=60)

    assert results[0]["creator"].pk == booked and results[0]["booked_by_same_brands"] == 1
    assert rank_of(results, pool[39]) > 1  # offered, never booked
    assert next(r for r in results if r["creator"].pk == elsewhere)["booked_by_same_brands"] == 0


def test_a_brand_counts_once_however_often_it_booked_a_creator(pool):
    seeds, candidate = pool[:2], pool[37]
    brand, other = BrandFactory(), BrandFactory()
    for creator in [*seeds, candidate, candidate]:
        CollaborationFactory(order=OrderFactory(brand=brand), creator_id=creator, accepted=True)
    CollaborationFactory(order=OrderFactory(brand=other), creator_id=seeds[0], accepted=True)
    CollaborationFactory(order=OrderFactory(brand=other), creator_id=candidate, accepted=True)

    results = selectors.search_lookalike(seeds, top=60)

    assert results[0]["creator"].pk == candidate and results[0]["booked_by_same_brands"] == 2


def test_bookings_under_the_unknown_brand_of_imported_history_do_not_count(pool):
    seeds, candidate = pool[:2], pool[37]
    unknown = BrandFactory(name=UNKNOWN_BRAND, slug=UNKNOWN_BRAND_SLUG)
    for creator in [*seeds, candidate]:
        CollaborationFactory(order=OrderFactory(brand=unknown), creator_id=creator, accepted=True)

    results = selectors.search_lookalike(seeds, top=60)

    assert all(r["booked_by_same_brands"] == 0 for r in results)


def run_lookalike(*args) -> list[dict]:
    out = StringIO()
    call_command("search_lookalike", *args, "--top", "100", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_handle_made_of_digits_names_that_creator_not_the_creator_with_that_id(pool):
    by_id = Creator.objects.get(pk=pool[5])
    digits = Creator.objects.get(pk=pool[6])
    Creator.objects.filter(pk=digits.pk).update(handle=str(by_id.pk))

    results = run_lookalike("--handles", str(by_id.pk))

    found = {r["creator"] for r in results}
    assert digits.pk not in found and by_id.pk in found


def test_ids_and_platform_handles_are_separate_options(pool):
    Creator.objects.filter(pk=pool[2]).update(platform="instagram", platform_handle="zoe.travels")

    results = run_lookalike(
        "--ids", str(pool[1]), "--handles", "@Zoe.Travels", str(Creator.objects.get(pk=pool[3]).handle)
    )

    assert not {pool[1], pool[2], pool[3]} & {r["creator"] for r in results}
    assert {"shared_terms", "booked_by_same_brands"} <= set(results[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--handles", "nobody-here"], "no creator with handle 'nobody-here'"),
        (["--ids", "999999999"], "no creator with id 999999999"),
        ([], "name at least one seed"),
    ],
)
def test_unknown_seeds_are_a_clear_error(pool, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("search_lookalike", *args, stdout=StringIO())
