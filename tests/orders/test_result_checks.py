"""Self-reported results are checked by one function (orders.services.results.results_check) on every
channel — the service, the collaboration page, the API and the CSV import — and unusual figures are
flagged for the brand and staff on the report and the collaboration page."""

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.core import DomainError
from orders.models import Collaboration, ResultSnapshot
from orders.results_import import ImportFailed, parse, results_import
from orders.services.results import MAX_COUNT, result_record
from tests.api.clients import api_for
from tests.orders.conftest import deal_in, make_creator

S = Collaboration.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "checks"}}


def counts(views, likes=0, comments=0, shares=0, clicks=0, conversions=0, completion_rate=None) -> dict:
    return {
        "views": views,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "clicks": clicks,
        "conversions": conversions,
        "completion_rate": completion_rate,
    }


def published(world, *, days_ago: int = 30, **creator):
    c = deal_in(world, S.PUBLISHED, creator=make_creator(**creator) if creator else None)
    Collaboration.objects.filter(pk=c.pk).update(published_at=timezone.now() - timedelta(days=days_ago))
    c.refresh_from_db()
    return c


# ------------------------------------------------------------- the channels


@dataclass
class Refusal:
    field: str
    text: str


def through_service(c, day, values, client):
    try:
        result_record(collaboration_id=c.pk, actor=c.creator.user, day=day, values=values)
    except DomainError as exc:
        return Refusal(exc.field, str(exc.detail))
    return None


def through_page(c, day, values, client):
    client.force_login(c.creator.user)
    data = {"day": day, **{k: v for k, v in values.items() if v is not None}}
    response = client.post(reverse("deals:results", args=[c.pk]), data)
    if response.status_code == 302:
        return None
    assert response.status_code == 400
    form = next(f for f in response.context["result_forms"] if f.for_day == day)
    field, errors = next(iter(form.errors.items()))
    assert errors[0] in response.content.decode().replace("&#x27;", "'")  # shown on the page
    return Refusal("day" if field == "__all__" else field, errors[0])


def through_api(c, day, values, client):
    body = {"day": day, **{k: v for k, v in values.items() if v is not None}}
    response = api_for(c.creator.user).post(
        reverse("api:collaboration-result-create", args=[c.pk]), body, format="json"
    )
    if response.status_code == 201:
        return None
    assert response.status_code == 400, response.json()
    (field, errors), *_ = response.json()["errors"].items()
    return Refusal(field, errors[0])


def through_csv(c, day, values, client):
    header = ["collaboration", "day", *[k for k, v in values.items() if v is not None]]
    row = [c.pk, day, *[v for v in values.values() if v is not None]]
    text = ",".join(header) + "\n" + ",".join(map(str, row)) + "\n"
    try:
        results_import(rows=parse(io.StringIO(text)))
    except ImportFailed as failed:
        assert len(failed.errors) == 1
        prefix = "row 2, column "
        assert failed.errors[0].startswith(prefix), failed.errors
        field, _sep, reason = failed.errors[0][len(prefix) :].partition(": ")
        return Refusal(field, reason)
    return None


CHANNELS = {"service": through_service, "page": through_page, "api": through_api, "csv": through_csv}


def send(channel, c, day, values, client):
    return CHANNELS[channel](c, day, values, client)


# --------------------------------------------------------------- what must hold


@pytest.mark.parametrize("channel", CHANNELS)
def test_views_that_fall_from_one_day_to_the_next_are_refused(world, client, channel):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=3, values=counts(18_851, likes=900))

    refusal = send(channel, c, 7, counts(100), client)

    assert refusal == Refusal(
        "views", "Views cannot go down from one day to the next: day 3 has 18,851, more than 100."
    )
    assert list(c.results.values_list("day", "views")) == [(3, 18_851)]


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_earlier_day_above_a_later_one_is_refused(world, client, channel):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=7, values=counts(40_000, shares=30))

    refusal = send(channel, c, 3, counts(30_000, shares=31), client)

    assert refusal == Refusal("shares", "Shares cannot go down from one day to the next: day 7 has 30, fewer than 31.")
    assert list(c.results.values_list("day", flat=True)) == [7]


@pytest.mark.parametrize("channel", CHANNELS)
def test_more_likes_than_views_are_refused(world, client, channel):
    c = published(world)

    refusal = send(channel, c, 1, counts(100, likes=5_000), client)

    assert refusal == Refusal("likes", "Likes (5,000) cannot be more than views (100).")
    assert not c.results.exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_day_not_reached_yet_is_refused(world, client, channel):
    c = published(world, days_ago=4)

    refusal = send(channel, c, 7, counts(1_000), client)

    assert refusal.field == "day"
    assert refusal.text.startswith("Day 7 after publishing is not reached yet: its counts can be entered from ")
    assert not c.results.exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_consistent_counts_on_a_reached_day_are_saved(world, client, channel):
    c = published(world, days_ago=4)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=counts(1_000, likes=50))

    refusal = send(channel, c, 3, counts(5_000, likes=48, comments=900, shares=3), client)

    assert refusal is None
    assert list(c.results.values_list("day", "views", "likes")) == [(1, 1_000, 50), (3, 5_000, 48)]


def test_a_file_may_correct_several_days_at_once_in_any_order(world):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=3, values=counts(10))
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=7, values=counts(20))
    text = f"collaboration,day,views\n{c.pk},7,40000\n{c.pk},3,30000\n"

    assert results_import(rows=parse(io.StringIO(text))) == 2

    assert list(c.results.values_list("day", "views")) == [(3, 30_000), (7, 40_000)]


def test_a_file_whose_rows_contradict_each_other_names_every_row_and_imports_nothing(world):
    c, other = published(world), published(world)
    text = (
        f"collaboration,day,views,likes\n{other.pk},1,500,5\n{c.pk},3,18851,10\n{c.pk},7,100,10\n{other.pk},3,90,100\n"
    )

    with pytest.raises(ImportFailed) as failed:
        parse(io.StringIO(text))

    assert failed.value.errors == [
        "row 3, column views: Views cannot go down from one day to the next: day 7 has 100, fewer than 18,851.",
        "row 4, column views: Views cannot go down from one day to the next: day 3 has 18,851, more than 100.",
        "row 5, column likes: Likes (100) cannot be more than views (90).",
    ]
    assert not ResultSnapshot.objects.exists()


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("values", "refusal"),
    [
        (counts(100, clicks=101), Refusal("clicks", "Clicks (101) cannot be more than views (100).")),
        (counts(100, comments=101), Refusal("comments", "Comments (101) cannot be more than views (100).")),
        (counts(100, shares=101), Refusal("shares", "Shares (101) cannot be more than views (100).")),
        (
            counts(100, clicks=10, conversions=11),
            Refusal("conversions", "Conversions (11) cannot be more than clicks (10)."),
        ),
        (
            counts(18_851, likes=9_000, comments=9_000, shares=9_000),
            Refusal("likes", "Likes, comments and shares together (27,000) cannot be more than views (18,851)."),
        ),
    ],
    ids=["clicks", "comments", "shares", "conversions", "interactions-together"],
)
def test_a_count_above_what_it_needs_is_refused(world, client, channel, values, refusal):
    c = published(world)

    assert send(channel, c, 1, values, client) == refusal
    assert not c.results.exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_count_above_the_one_limit_is_refused(world, client, channel):
    c = published(world)

    refusal = send(channel, c, 1, counts(10**13), client)

    assert refusal is not None and refusal.field == "views"
    assert MAX_COUNT < 10**13
    assert not c.results.exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_correction_keeps_the_counts_it_leaves_out(world, client, channel):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=3, values=counts(1_000, likes=40, shares=7))

    refusal = send(channel, c, 3, {"views": 1_200}, client)

    assert refusal is None
    assert list(c.results.values_list("views", "likes", "shares")) == [(1_200, 40, 7)]


def test_no_accepted_figures_show_an_engagement_rate_above_100_percent(world, client):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=3, values=counts(1_000, likes=600, shares=400))
    client.force_login(world["owner"])

    api = api_for(world["owner"]).get(reverse("api:order-report", args=[world["order"].pk])).json()

    assert api["actual"]["engagement_rate"] <= 1
    assert all(row["actual"]["engagement_rate"] <= 1 for row in api["collaborations"])


def test_an_importers_error_cuts_a_long_value(world):
    c = published(world)
    text = f"collaboration,day,views\n{c.pk},1,{'9' * 5000}\n"

    with pytest.raises(ImportFailed) as failed:
        parse(io.StringIO(text))

    (message,) = failed.value.errors
    assert message.startswith("row 2, column views: ")
    assert len(message) < 200 and "…" in message


# --------------------------------------------------------------- what is flagged


def unusual(world):
    """Possible but far from the creator's usual 5 % engagement: 700 engagements on 1,000 views."""
    c = published(world, engagement_rate=0.05, median_views_30d=40_000, display_name="Viral Vole")
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=counts(1_000, likes=500, comments=200))
    return c


def test_unusual_figures_are_saved_and_flagged_on_the_brands_report(world, client):
    c = unusual(world)
    client.force_login(world["owner"])

    page = client.get(reverse("orders:report", args=[world["order"].pk])).content.decode()

    assert c.results.get().likes == 500  # saved, not refused
    assert 'id="unusual-figures"' in page
    assert "Engagement rate 70.0 % on day 1 is far above the creator&#x27;s usual 5.0 %." in page


@pytest.mark.parametrize(("who", "sees"), [("owner", True), ("viewer", True), ("admin", True), ("creator", False)])
def test_the_collaboration_page_flags_unusual_figures_for_the_brand_and_staff(world, client, who, sees):
    c = unusual(world)
    client.force_login(c.creator.user if who == "creator" else world[who])

    page = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()

    assert ('id="result-flags"' in page) is sees
    assert ("is far above the creator&#x27;s usual" in page) is sees


def test_a_fall_in_likes_and_an_implausible_completion_rate_are_flagged(world, client):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=counts(1_000, likes=80))
    result_record(
        collaboration_id=c.pk, actor=c.creator.user, day=3, values=counts(2_000, likes=60, completion_rate=0.97)
    )
    client.force_login(world["owner"])

    page = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()

    assert "Likes fell from 80 on day 1 to 60 on day 3." in page
    assert "Completion rate 97.0 % on day 3 is above what is plausible for a short video (80 %)." in page


def test_unusual_figures_are_flagged_in_both_api_reports_and_the_report_csv(world, client):
    c = unusual(world)
    api = api_for(world["owner"])
    client.force_login(world["owner"])
    text = "Engagement rate 70.0 % on day 1 is far above the creator's usual 5.0 %."

    one = api.get(reverse("api:collaboration-report", args=[c.pk])).json()
    order = api.get(reverse("api:order-report", args=[world["order"].pk])).json()
    csv_text = client.get(reverse("orders:report_csv", args=[world["order"].pk])).content.decode()

    assert one["flags"] == [{"code": "engagement", "day": 1, "text": text}]
    assert [row["flags"] for row in order["collaborations"] if row["collaboration"] == c.pk] == [one["flags"]]
    assert "unusual_figures" in csv_text.splitlines()[0]
    assert text in csv_text
