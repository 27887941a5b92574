"""Searching the creator directory by name, handle and keyword (bio, recent content, labels), in English and
Chinese, through the GIN index of migration 0009; and input no search can take gives a clean page."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from creators.directory import DirectoryQuery, directory_queryset
from creators.models import Creator
from tests.factories import CreatorFactory, CreatorLabelFactory, LabelFactory, MembershipFactory

pytestmark = pytest.mark.django_db

URL = reverse("creators:directory")


@pytest.fixture
def brand(client):
    client.force_login(MembershipFactory(role="viewer").user)
    return client


def shown(response) -> list[str]:
    """The handles the page lists, read from the links in the HTML the brand sees."""
    return re.findall(r'<a class="creator-link" href="/creator/([\w-]+)/"', response.content.decode())


def make(handle: str, **fields) -> Creator:
    return CreatorFactory(handle=handle, user=None, **fields)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("美妆", ["meimei"]),  # a two-character Chinese word inside a bio written without spaces
        ("护肤心得", ["meimei"]),
        ("小美", ["meimei"]),  # a Chinese display name
        ("美", ["meimei"]),  # one character
        ("游戏", ["gamer"]),
        ("Lisa", ["lisa"]),  # a name, any case
        ("lis", ["lisa"]),  # the start of a word
        ("travelwith", ["lisa"]),  # the start of a handle written with a hyphen
        ("travel-with-lisa", ["lisa"]),
        ("@lisa_travels", ["lisa"]),  # the handle on the platform
        ("hiking", ["lisa"]),  # a word of the bio
        ("vlog", ["lisa"]),  # a word of the recent content
        ("café", ["lisa"]),  # accents are optional both ways
        ("ＬＩＳＡ", ["lisa"]),  # full-width letters as a Chinese keyboard types them
        ("美妆 skincare", ["meimei"]),  # every word must match
        ("美妆 hiking", []),
    ],
)
def test_search_finds_creators_by_name_handle_and_keyword(brand, q, expected):
    make("meimei", display_name="小美", bio="我是一个美妆博主，分享护肤心得 skincare")
    make(
        "travel-with-lisa",
        display_name="Lisa Chen",
        platform_handle="lisa_travels",
        bio="Hiking and cafe hopping",
        content_sample="Weekend vlog #travel",
    )
    make("gamer", display_name="阿强", bio="游戏主播")

    response = brand.get(URL, {"q": q, "sort": "followers"})

    found = ["lisa" if h == "travel-with-lisa" else h for h in shown(response)]
    assert response.status_code == 200
    assert found == expected
    if not expected:
        assert "No creators match these filters." in response.content.decode()


def test_search_finds_creators_by_the_name_of_their_labels(brand):
    skin = LabelFactory(name="Skin Care")
    CreatorLabelFactory(creator=make("labelled", bio="nothing about it here"), label=skin)
    make("other", bio="Cooking")

    response = brand.get(URL, {"q": "skin care"})

    assert shown(response) == ["labelled"]


@pytest.mark.parametrize("q", ["美妆", "beauty"])
def test_search_finds_a_label_by_its_chinese_name_as_by_its_english_one(brand, q):
    """The search box's own example, 美妆, found nobody: labels were searched by their English names only."""
    beauty = LabelFactory(name="Beauty", name_zh_hans="美妆")
    CreatorLabelFactory(creator=make("labelled", bio="nothing about it here"), label=beauty)
    make("other", bio="Cooking")

    response = brand.get(URL, {"q": q})

    assert shown(response) == ["labelled"]


def test_search_combines_with_the_filters_and_keeps_them_on_the_next_page(brand):
    for i in range(30):
        make(f"beauty-{i:02d}", bio="美妆", followers=1000 + i, platform="douyin")
    make("beauty-ks", bio="美妆", platform="kuaishou")

    first = brand.get(URL, {"q": "美妆", "platform": "douyin", "sort": "followers"})
    next_url = first.context["next_url"]
    second = brand.get(URL + next_url)

    assert len(shown(first)) == 25 and "beauty-ks" not in shown(first)
    assert 'value="美妆"' in first.content.decode()  # the box keeps what was typed
    assert shown(second) == [f"beauty-{i:02d}" for i in range(4, -1, -1)]


@pytest.mark.parametrize(
    "q",
    ["a\x00b", "x" * 5000, "美" * 201, "²", "\u200b", "%", "'", "\\", "a & b | !c", "'美妆':*", "\U0001f600", "(((("],
)
def test_input_no_search_can_take_gives_a_clean_page(brand, q):
    make("someone", bio="²")

    response = brand.get(URL, {"q": q})

    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" in page and "Find creators" in page


def test_a_search_is_answered_from_the_gin_index(brand):
    Creator.objects.bulk_create(
        Creator(handle=f"bulk-{i}", display_name=f"Bulk {i}", bio=f"生活 vlog {i}") for i in range(3000)
    )
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Creator._meta.db_table}")

    queryset = directory_queryset(DirectoryQuery(text="美妆"))[:26]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())

    assert "creator_search" in plan, plan


# ------------------------------------------------------------------ the same search in the API


@pytest.mark.parametrize(("q", "expected"), [("美妆", ["meimei"]), ("lis", ["lisa"]), ("小美 美妆", ["meimei"])])
def test_the_api_directory_searches_the_same_way(q, expected):
    from tests.api.clients import api_for

    make("meimei", display_name="小美", bio="我是一个美妆博主", followers=10)
    make("lisa", display_name="Lisa Chen", followers=20)
    api = api_for(MembershipFactory(role="viewer").user)

    body = api.get(reverse("api:creator-list"), {"q": q, "sort": "followers"}).json()

    assert [row["handle"] for row in body["results"]] == expected


@pytest.mark.parametrize("q", ["a\x00b", "x" * 201])
def test_the_api_refuses_a_search_it_cannot_take_with_a_400(q):
    from tests.api.clients import api_for

    api = api_for(MembershipFactory(role="viewer").user)

    response = api.get(reverse("api:creator-list"), {"q": q})

    assert response.status_code == 400 and "q" in response.json()["errors"]


def test_text_of_any_length_is_stored_and_found(brand):
    # PostgreSQL refuses a word over 2,046 bytes in a tsvector: an import of such a bio was a 500.
    make("long", bio="9" * 5000 + " 美妆 " + "美" * 30000, content_sample="x" * 5000)

    by_word = brand.get(URL, {"q": "9" * 150})
    by_chinese = brand.get(URL, {"q": "美妆"})

    assert shown(by_word) == ["long"] and shown(by_chinese) == ["long"]


# ------------------------------------------------------------------ the cards


def test_directory_rows_are_cards_with_avatar_headline_mini_chart_and_chosen_price(brand):
    from tests.factories import RatePriceFactory

    lisa = make("lisa", display_name="Lisa Chen", median_views_30d=40_000, engagement_rate=0.05, followers=20)
    make("meimei", display_name="小美", audience_age={}, followers=10)
    RatePriceFactory(creator=lisa, format="image_post", amount=123_400)

    page = brand.get(URL, {"price_format": "image_post", "sort": "followers"}).content.decode()
    lisa_row, meimei_row = page.split('class="creator-card"')[1:3]

    assert ">LC</span>" in lisa_row and ">小</span>" in meimei_row  # generated initials
    assert "40,000 views · 5.0 %" in lisa_row
    assert lisa_row.count("<rect ") == 5 and 'role="img" aria-label="Audience by age: 18-23 40 %' in lisa_row
    assert "<svg" not in meimei_row.split("</tr>")[0]  # no audience known, no chart
    assert "Price: Image post" in page and "1,234.00" in lisa_row
    assert 'style="' not in page.split("<table", 1)[1]
