"""The brand creator directory: who may browse, every filter, every sort, keyset pages and the query plan."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from creators.directory import DirectoryQuery, directory_queryset
from creators.models import Creator
from tests.factories import (
    CreatorFactory,
    CreatorLabelFactory,
    InterestFactory,
    LabelFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("creators:directory")


@pytest.fixture
def brand(client):
    client.force_login(MembershipFactory(role="viewer").user)
    return client


def handles(response) -> list[str]:
    return [c.handle for c in response.context["page"].creators]


def make(handle: str, **fields) -> Creator:
    return CreatorFactory(handle=handle, user=None, **fields)


# -------------------------------------------------------------------- access


def test_brand_members_of_any_role_and_staff_browse_creators(client):
    make("a", index_reach=10.0)

    for user in (
        MembershipFactory(role="viewer").user,
        MembershipFactory(role="owner").user,
        UserFactory(is_staff=True),
    ):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 200 and handles(response) == ["a"]


def test_creators_and_people_without_a_role_may_not_browse(client):
    anonymous = client.get(URL)
    client.force_login(CreatorFactory().user)
    creator = client.get(URL)
    client.force_login(UserFactory())
    nobody = client.get(URL)

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert (creator.status_code, nobody.status_code) == (403, 403)


def test_brands_find_the_directory_in_their_navigation(brand):
    page = brand.get(reverse("brands:dashboard")).content.decode()

    assert f'href="{URL}"' in page


# -------------------------------------------------------------------- sorting


def test_the_default_sort_is_reach_best_first_with_unknown_indices_last(brand):
    make("low", index_reach=12.5)
    make("none", index_reach=None)
    make("high", index_reach=90.0)
    make("hidden", index_reach=99.0, is_active=False)

    response = brand.get(URL)

    assert handles(response) == ["high", "low", "none"]


@pytest.mark.parametrize("sort", ["index_seeding", "index_value", "index_growth", "followers"])
def test_every_sort_orders_by_its_own_column(brand, sort):
    values = {"c1": 30, "c2": 70, "c3": 50}
    for handle, value in values.items():
        make(handle, **{sort: value}, **({} if sort == "followers" else {"followers": 1000 - value}))

    response = brand.get(URL, {"sort": sort})

    assert handles(response) == ["c2", "c3", "c1"]


def test_an_unknown_sort_is_a_form_error_and_lists_nothing(brand):
    make("a")

    response = brand.get(URL, {"sort": "id"})
    typed = brand.get(URL, {"sort": "\x00evil"})

    assert response.status_code == 200 and response.context["page"] is None
    assert "sort" in response.context["form"].errors
    page = typed.content.decode()
    assert "Some filters could not be read, so nothing was searched." in page and "Not saved yet" not in page
    assert "Choose an order from the list." in page and "is not one of" not in page  # what was typed: not echoed


# -------------------------------------------------------------------- filters


def test_interest_keeps_creators_with_any_label_in_that_interest(brand):
    food, travel = InterestFactory(), InterestFactory()
    cook, tourist, both = make("cook"), make("tourist"), make("both")
    CreatorLabelFactory(creator=cook, label=LabelFactory(interest=food), weight=0.2)
    CreatorLabelFactory(creator=tourist, label=LabelFactory(interest=travel))
    CreatorLabelFactory(creator=both, label=LabelFactory(interest=food))
    CreatorLabelFactory(creator=both, label=LabelFactory(interest=food))  # two labels: listed once
    make("unlabelled")

    response = brand.get(URL, {"interest": food.pk, "sort": "followers"})

    assert sorted(handles(response)) == ["both", "cook"]


def test_platform_country_and_follower_range_filter(brand):
    make("gd", platform="douyin", country="CN-GD", followers=50_000)
    make("cn", platform="douyin", country="CN", followers=10_000)
    make("small", platform="douyin", country="CN", followers=999)
    make("us", platform="douyin", country="US", followers=20_000)
    make("cnx", platform="douyin", country="CNX", followers=20_000)
    make("ks", platform="kuaishou", country="CN", followers=20_000)

    response = brand.get(
        URL,
        {"platform": "douyin", "country": "cn", "followers_min": "1000", "followers_max": "50000", "sort": "followers"},
    )

    assert handles(response) == ["gd", "cn"]


def test_each_index_minimum_is_inclusive_and_excludes_unknown_indices(brand):
    make("edge", index_reach=60.0, index_seeding=40.0, index_value=50.0, index_growth=10.0)
    make("below", index_reach=60.0, index_seeding=39.9, index_value=50.0, index_growth=10.0)
    make("unknown", index_reach=60.0, index_seeding=80.0, index_value=None, index_growth=10.0)
    make("low_reach", index_reach=59.9, index_seeding=80.0, index_value=80.0, index_growth=80.0)

    response = brand.get(
        URL, {"min_index_reach": "60", "min_index_seeding": "40", "min_index_value": "0", "min_index_growth": "10"}
    )

    assert handles(response) == ["edge"]


def test_the_conversion_index_filters_sorts_and_shows_in_its_column(brand):
    make("seller", index_conversion=91.0)
    make("middling", index_conversion=50.0)
    make("untested", index_conversion=None)  # no delivered evidence yet

    filtered = brand.get(URL, {"min_index_conversion": "50"})
    ordered = brand.get(URL, {"sort": "index_conversion"})

    assert sorted(handles(filtered)) == ["middling", "seller"]
    assert handles(ordered) == ["seller", "middling", "untested"]  # unknown last
    page = ordered.content.decode()
    assert ">Conversion<" in page and "91" in page


@pytest.mark.parametrize(
    "params",
    [
        {"min_index_conversion": "100.1"},
        {"min_index_reach": "101"},
        {"min_index_seeding": "-1"},
        {"min_index_value": "nan"},
        {"followers_min": "10", "followers_max": "9"},
        {"country": "C"},
        {"platform": "myspace"},
        {"interest": "999999"},
    ],
)
def test_invalid_filters_are_shown_next_to_their_field(brand, params):
    response = brand.get(URL, params)

    assert response.status_code == 200 and response.context["page"] is None
    assert set(response.context["form"].errors) <= set(params) | {"followers_max"}
    assert 'class="field-errors"' in response.content.decode()


# ---------------------------------------------------------------------- pages


def test_pages_follow_each_other_without_gaps_or_repeats_across_ties(brand):
    # 60 creators on 4 index values (many ties) plus 5 without an index: 3 pages of 25.
    for i in range(65):
        make(f"c{i:02d}", index_reach=None if i >= 60 else float(i % 4) * 10)

    seen, url, pages = [], URL, 0
    while url:
        response = brand.get(url)
        seen += handles(response)
        pages += 1
        url = response.context["next_url"] and URL + response.context["next_url"]

    assert pages == 3 and len(seen) == 65 and len(set(seen)) == 65
    keys = [(-1 if c.index_reach is None else c.index_reach, c.pk) for c in Creator.objects.filter(handle__in=seen)]
    by_handle = dict(zip(Creator.objects.filter(handle__in=seen).values_list("handle", flat=True), keys, strict=True))
    assert [by_handle[h] for h in seen] == sorted(keys, reverse=True)


def test_the_next_page_keeps_the_filters_and_offers_a_way_back_to_the_first(brand):
    for i in range(30):
        make(f"c{i:02d}", platform="bilibili", followers=1000 + i)
    make("other", platform="douyin", followers=10**6)

    first = brand.get(URL, {"platform": "bilibili", "sort": "followers"})
    second = brand.get(URL + first.context["next_url"])

    assert "platform=bilibili" in first.context["next_url"] and "sort=followers" in first.context["next_url"]
    assert handles(first)[0] == "c29" and handles(second) == ["c04", "c03", "c02", "c01", "c00"]
    assert second.context["next_url"] == "" and "cursor" not in second.context["first_url"]
    assert "Next page" in first.content.decode() and "First page" in second.content.decode()


def test_a_broken_or_foreign_cursor_starts_again_from_the_first_page(brand):
    for i in range(30):
        make(f"c{i:02d}", index_reach=float(i), followers=i)
    followers_cursor = brand.get(URL, {"sort": "followers"}).context["page"].next_cursor

    broken = brand.get(URL, {"cursor": "not-a-cursor"})
    foreign = brand.get(URL, {"cursor": followers_cursor})

    for response in (broken, foreign):
        assert handles(response)[0] == "c29" and len(handles(response)) == 25
        assert "This page link is not valid" in response.content.decode()


def test_a_page_runs_the_same_queries_for_five_or_fifty_creators(brand):
    food = InterestFactory()
    for i in range(5):
        CreatorLabelFactory(creator=make(f"a{i}", index_reach=float(i)), label=LabelFactory(interest=food))
    params = {"interest": food.pk, "min_index_reach": "0"}
    brand.get(URL, params)
    with CaptureQueriesContext(connection) as few:
        brand.get(URL, params)
    for i in range(45):
        CreatorLabelFactory(creator=make(f"b{i}", index_reach=float(i)), label=LabelFactory(interest=food))

    with CaptureQueriesContext(connection) as many:
        response = brand.get(URL, params)

    assert len(handles(response)) == 25 and len(many) == len(few) <= 8


def test_rows_show_index_bars_and_flag_unusual_figures(brand):
    make("odd", index_reach=50.0, index_seeding=None, authenticity_score=0.7)
    make("fine", index_reach=40.0, authenticity_score=0.2)

    page = brand.get(URL).content.decode()

    assert page.count('<meter class="bar" min="0" max="100" value="50.0">') == 1
    assert page.count("Unusual figures") == 1
    assert 'style="' not in page.split("<table", 1)[1]


# ------------------------------------------------------------------ the plan


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


@pytest.fixture
def thousands():
    rng = random.Random(5)
    Creator.objects.bulk_create(
        Creator(
            handle=f"bulk-{i}",
            display_name=f"Bulk {i}",
            followers=rng.randint(100, 10**7),
            index_reach=None if i % 10 == 0 else round(rng.uniform(0, 100), 1),
            index_seeding=round(rng.uniform(0, 100), 1),
        )
        for i in range(4000)
    )
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Creator._meta.db_table}")


@pytest.mark.parametrize("sort", ["index_reach", "followers"])
def test_a_directory_page_is_an_index_scan_not_a_sort_of_every_creator(thousands, sort):
    from django.db.models import F, Value

    from creators.directory import RowLessThan, sort_key

    query = DirectoryQuery(sort=sort, platform="douyin", min_index=(("index_seeding", 10.0),))
    first = directory_queryset(query)[:26]
    after = 500_000 if sort == "followers" else 50.5
    later = directory_queryset(query).filter(RowLessThan(sort_key(sort), F("pk"), Value(after), Value(2000)))[:26]

    first_plan, later_plan = _plan(first), _plan(later)

    index = "creator_dir_followers" if sort == "followers" else "creator_dir_reach"
    for plan in (first_plan, later_plan):
        assert re.search(rf"Index Scan Backward using {index}", plan), plan
        assert "Sort" not in plan, plan
    assert "Index Cond" in later_plan, later_plan
