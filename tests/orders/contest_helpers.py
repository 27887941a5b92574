"""Contests for tests: publish one with real services, enter creators, report results, move the clock."""

from datetime import timedelta

from django.utils import timezone

from orders.models import Contest
from orders.services import contests
from orders.services.orders import OrderBrief
from tests.factories import LabelFactory, ProductCategoryFactory
from tests.orders.conftest import make_creator

TIERS = [{"places": 1, "prize": 300_000}, {"places": 3, "prize": 100_000}, {"places": 20, "prize": 10_000}]
POOL = 300_000 + 3 * 100_000 + 20 * 10_000


def brief(**kw) -> OrderBrief:
    return OrderBrief(
        title=kw.pop("title", "Summer serum challenge"),
        product_name="Hydrating serum",
        product_category=ProductCategoryFactory(),
        format="short_21_60",
        target_labels={LabelFactory().pk: 1.0},
        **kw,
    )


def publish(world, **terms) -> Contest:
    terms.setdefault("submit_until", timezone.now() + timedelta(days=7))
    if terms.get("kind") != Contest.Kind.CPM:
        terms.setdefault("tiers", TIERS)
    return contests.contest_publish(
        brand=world["brand"], actor=world["owner"], brief=brief(), terms=contests.ContestTerms(**terms)
    )


def enter(contest: Contest, creator=None, *, at=None):
    creator = creator or make_creator()
    at = at or timezone.now() + timedelta(minutes=5)
    return contests.contest_enter(
        contest_id=contest.pk,
        actor=creator.user,
        post_url=f"https://video.example/p/{creator.pk}",
        published_at=at - timedelta(minutes=1),
        now=at,
    )


def report(entry, views: int, likes: int = 0, actor=None):
    day = entry.published_at + timedelta(days=entry.contest.count_day)
    return contests.entry_transition(
        entry_id=entry.pk,
        action="report_results",
        actor=actor or entry.creator.user,
        payload={"views": views, "likes": likes},
        now=day,
    )


def rank_time(contest: Contest):
    return contest.counting_ends_at + contests.RESULTS_GRACE


def rank(contest: Contest) -> Contest:
    return contests.contest_transition(contest_id=contest.pk, action="rank", actor=None, now=rank_time(contest))


def confirm(contest: Contest, actor, **payload) -> Contest:
    return contests.contest_transition(
        contest_id=contest.pk, action="confirm", actor=actor, payload=payload, now=rank_time(contest)
    )
