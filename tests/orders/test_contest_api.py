"""Contests over the API: a brand publishes one (the pool is held), creators enter and report, the brand
confirms and the money arrives; other tenants see nothing of it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Contest, ContestEntry
from orders.services import contests
from payouts.selectors import ledger_problems
from tests.api.clients import api_for
from tests.factories import LabelFactory, MembershipFactory, ProductCategoryFactory
from tests.orders.conftest import TOPUP, balance, key, make_creator
from tests.orders.contest_helpers import brief, rank_time

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.PLATFORM_FEE_BPS = 1000
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "contest"}}


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def body(**terms):
    return {
        "title": "Show us your morning routine",
        "product_name": "Hydrating serum",
        "product_category": ProductCategoryFactory().pk,
        "format": "short_21_60",
        "target_labels": [{"label": LabelFactory().pk, "weight": 1.0}],
        "tiers": [{"places": 1, "prize_minor": 100_000}, {"places": 2, "prize_minor": 30_000}],
        "count_day": 3,
        "submit_until": (timezone.now() + timedelta(days=5)).isoformat(),
        **terms,
    }


def test_a_contest_runs_over_the_api_and_the_money_arrives(world):
    brand = api_for(world["owner"])
    idem = key()

    terms = body()
    created = brand.post(url("contest-list"), terms, format="json", HTTP_IDEMPOTENCY_KEY=idem)
    replay = brand.post(url("contest-list"), terms, format="json", HTTP_IDEMPOTENCY_KEY=idem)
    contest = Contest.objects.get(pk=created.json()["id"])
    creator = make_creator()
    you = api_for(creator.user)
    posted = timezone.now()
    entered = you.post(
        url("contest-enter", contest.pk),
        {"post_url": "https://video.example/p/9", "published_at": posted.isoformat()},
        format="json",
    )
    entry = ContestEntry.objects.get(pk=entered.json()["id"])
    contests.entry_transition(  # the counting day is three days on: the clock is the service's
        entry_id=entry.pk,
        action="report_results",
        actor=creator.user,
        payload={"views": 4_000, "likes": 100},
        now=posted + timedelta(days=3),
    )
    contests.contest_transition(contest_id=contest.pk, action="rank", actor=None, now=rank_time(contest))
    confirmed = brand.post(url("contest-confirm", contest.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY=key())
    seen = you.get(url("contest-detail", contest.pk)).json()

    assert created.status_code == 201, created.json()
    assert created.json()["pool_minor"] == 160_000
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert Contest.objects.count() == 1
    assert entered.status_code == 201, entered.json()
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "settled"
    assert [(e["status"], e["prize_minor"]) for e in seen["entries"]] == [("awarded", 100_000)]
    assert balance("creator_available", creator=creator) == 90_000
    assert balance("brand_available", brand=world["brand"]) == TOPUP - 100_000
    assert ledger_problems() == []


def test_results_over_the_api_follow_the_sanity_rules(world):
    contest = contests.contest_publish(
        brand=world["brand"],
        actor=world["owner"],
        brief=brief(),
        terms=contests.ContestTerms(
            tiers=[{"places": 1, "prize": 1_000}], count_day=1, submit_until=timezone.now() + timedelta(days=1)
        ),
    )
    creator = make_creator()
    entry = contests.contest_enter(
        contest_id=contest.pk,
        actor=creator.user,
        post_url="https://video.example/p/1",
        published_at=timezone.now(),
        now=timezone.now(),
    )
    # Posted two days ago, so its counting day (day 1) is reached now, on the API's own clock.
    ContestEntry.objects.filter(pk=entry.pk).update(published_at=timezone.now() - timedelta(days=2))
    you = api_for(creator.user)

    too_many_likes = you.post(url("contest-entry-results", entry.pk), {"views": 10, "likes": 11}, format="json")
    fine = you.post(url("contest-entry-results", entry.pk), {"views": 10, "likes": 3}, format="json")

    assert too_many_likes.status_code == 400
    assert "likes" in too_many_likes.json()["errors"] or too_many_likes.json().get("field") == "likes"
    assert fine.status_code == 200 and fine.json()["views"] == 10


def test_another_brand_sees_no_contest_and_a_viewer_cannot_confirm(world):
    contest = contests.contest_publish(
        brand=world["brand"],
        actor=world["owner"],
        brief=brief(),
        terms=contests.ContestTerms(
            tiers=[{"places": 1, "prize": 1_000}], submit_until=timezone.now() + timedelta(days=1)
        ),
    )
    stranger = api_for(MembershipFactory().user)
    viewer = api_for(world["viewer"])

    listed = stranger.get(url("contest-list")).json()
    detail = stranger.get(url("contest-detail", contest.pk))
    confirm = viewer.post(url("contest-confirm", contest.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY=key())

    assert listed["results"] == []
    assert detail.status_code == 404
    assert confirm.status_code == 403


def test_malformed_tiers_are_one_clear_400_on_tiers(world):
    brand = api_for(world["owner"])

    answers = [
        brand.post(url("contest-list"), body(tiers=tiers), format="json", HTTP_IDEMPOTENCY_KEY=key())
        for tiers in ([0], [{"places": 1.5, "prize_minor": 1}], [{"places": 1, "prize_minor": "x"}], [None])
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert all(list(a.json()["errors"]) == ["tiers"] for a in answers), [a.json() for a in answers]
    assert not Contest.objects.exists()


def test_the_contest_list_is_paged_by_cursor_newest_first(world):
    published = [
        contests.contest_publish(
            brand=world["brand"],
            actor=world["owner"],
            brief=brief(),
            terms=contests.ContestTerms(
                tiers=[{"places": 1, "prize": 1_000}], submit_until=timezone.now() + timedelta(days=1)
            ),
        )
        for _ in range(3)
    ]
    brand = api_for(world["owner"])

    first = brand.get(url("contest-list"), {"page_size": 2}).json()
    rest = brand.get(first["next"]).json()

    assert [c["id"] for c in first["results"]] == [published[2].pk, published[1].pk]
    assert [c["id"] for c in rest["results"]] == [published[0].pk] and rest["next"] is None
