"""Submission contests and CPM submissions: the pool, the ranking, the prizes, the refusals."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from marketplace.core import Conflict, DomainError, InsufficientFunds, InvalidTransition, NotAllowed
from orders import flows
from orders.models import Contest, ContestEntry, Order
from orders.services import contests
from payouts.models import LedgerEntry, PoolAward
from payouts.selectors import ledger_problems
from payouts.services import fee_split
from tests.orders.conftest import TOPUP, balance, make_creator
from tests.orders.contest_helpers import POOL, confirm, enter, publish, rank, rank_time, report

E = ContestEntry.Status


def books_are_clean():
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
    assert ledger_problems() == []


def paid(creator) -> int:
    return balance("creator_available", creator=creator)


def test_publishing_holds_the_whole_pool_in_escrow(world):
    contest = publish(world)

    assert contest.pool == POOL
    assert contest.order.mode == Order.Mode.CONTEST
    assert contest.order.status == Order.Status.PUBLISHED
    assert balance("brand_available", brand=world["brand"]) == TOPUP - POOL
    assert balance("order_escrow", order=contest.order) == POOL
    books_are_clean()


def test_a_pool_the_wallet_cannot_cover_is_refused_and_leaves_nothing(world):
    with pytest.raises(InsufficientFunds):
        publish(world, tiers=[{"places": 1, "prize": TOPUP + 1}])

    assert not Contest.objects.exists()
    assert not Order.objects.filter(mode=Order.Mode.CONTEST).exists()
    assert balance("brand_available", brand=world["brand"]) == TOPUP


@pytest.mark.parametrize(
    ("tiers", "field"),
    [
        ([], "tiers"),
        ([{"places": 0, "prize": 100}], "tiers"),
        ([{"places": 1, "prize": -5}], "tiers"),
        ([{"places": 1, "prize": 100}, {"places": 1, "prize": 200}], "tiers"),
        (["first"], "tiers"),
    ],
)
def test_bad_tiers_are_refused_naming_the_field(world, tiers, field):
    with pytest.raises(DomainError) as refused:
        publish(world, tiers=tiers)

    assert refused.value.field == field
    assert balance("brand_available", brand=world["brand"]) == TOPUP


def test_viewers_cannot_publish_a_contest(world):
    from orders.services.orders import OrderBrief  # noqa: F401  (the brief is built by the helper)

    world_as_viewer = {**world, "owner": world["viewer"]}
    with pytest.raises(NotAllowed):
        publish(world_as_viewer)


def test_prizes_go_by_tier_with_the_fee_and_what_is_not_awarded_comes_back(world):
    contest = publish(world)
    views = [9_000, 7_000, 5_000, 3_000, 1_000]
    entries = [enter(contest) for _ in views]
    for entry, n in zip(entries, views, strict=True):
        report(entry, n, n // 10)

    rank(contest)
    contest = confirm(contest, world["owner"])

    prizes = [300_000, 100_000, 100_000, 100_000, 10_000]
    for entry, prize in zip(entries, prizes, strict=True):
        entry.refresh_from_db()
        assert entry.status == E.AWARDED
        assert entry.prize == prize
        assert paid(entry.creator) == fee_split(prize, 1000)[0]
    assert [e.tier for e in ContestEntry.objects.filter(contest=contest).order_by("rank")] == [1, 2, 2, 2, 3]
    awarded = sum(prizes)
    assert contest.status == Contest.Status.SETTLED
    assert (contest.awarded, contest.refunded) == (awarded, POOL - awarded)
    assert balance("brand_available", brand=world["brand"]) == TOPUP - awarded
    assert balance("order_escrow", order=contest.order) == 0
    assert balance("platform_fees") == sum(fee_split(p, 1000)[1] for p in prizes)
    assert contest.order.__class__.objects.get(pk=contest.order_id).status == Order.Status.CLOSED
    books_are_clean()


def test_a_tie_goes_to_the_earlier_entry(world):
    contest = publish(world, tiers=[{"places": 1, "prize": 100_000}, {"places": 1, "prize": 50_000}])
    first = enter(contest)
    second = enter(contest, at=timezone.now() + timedelta(minutes=30))
    report(second, 5_000)
    report(first, 5_000)

    rank(contest)
    confirm(contest, world["owner"])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.rank, first.prize) == (1, 100_000)
    assert (second.rank, second.prize) == (2, 50_000)


def test_ranking_by_likes_ranks_by_likes(world):
    contest = publish(world, ranking=Contest.Ranking.LIKES, tiers=[{"places": 1, "prize": 100_000}])
    many_views, many_likes = enter(contest), enter(contest)
    report(many_views, 10_000, 100)
    report(many_likes, 2_000, 900)

    rank(contest)
    confirm(contest, world["owner"])

    assert paid(many_likes.creator) == 90_000
    assert paid(many_views.creator) == 0


def test_the_brand_picks_among_the_top_n_by_views(world):
    contest = publish(
        world, ranking=Contest.Ranking.BRAND_PICK, pick_from_top=2, tiers=[{"places": 1, "prize": 100_000}]
    )
    top, second, third = enter(contest), enter(contest), enter(contest)
    for entry, n in ((top, 900), (second, 800), (third, 700)):
        report(entry, n)
    rank(contest)

    with pytest.raises(DomainError) as outside:
        confirm(contest, world["owner"], picks=[third.pk])
    confirm(contest, world["owner"], picks=[second.pk])

    assert outside.value.field == "picks"
    assert paid(second.creator) == 90_000
    assert paid(top.creator) == 0
    assert ContestEntry.objects.get(pk=top.pk).status == E.UNPLACED
    books_are_clean()


def test_entries_without_results_withdrawn_or_taken_down_win_nothing(world):
    contest = publish(world)
    silent, withdrawn, removed, counted = (enter(contest) for _ in range(4))
    for entry in (withdrawn, removed, counted):
        report(entry, 50_000)
    contests.entry_transition(entry_id=withdrawn.pk, action="withdraw", actor=withdrawn.creator.user)
    contests.entry_transition(
        entry_id=removed.pk, action="report_removed", actor=world["owner"], comment="The post is gone."
    )

    rank(contest)
    contest = confirm(contest, world["owner"])

    assert [paid(e.creator) for e in (silent, withdrawn, removed)] == [0, 0, 0]
    assert paid(counted.creator) == 270_000
    assert ContestEntry.objects.get(pk=silent.pk).status == E.UNPLACED
    assert contest.refunded == POOL - 300_000
    books_are_clean()


def test_a_contest_nobody_entered_refunds_the_whole_pool(world):
    contest = publish(world)

    rank(contest)
    contest = contests.contest_transition(
        contest_id=contest.pk, action="auto_confirm", actor=None, now=rank_time(contest) + timedelta(days=3)
    )

    assert (contest.awarded, contest.refunded) == (0, POOL)
    assert balance("brand_available", brand=world["brand"]) == TOPUP
    books_are_clean()


def test_the_brand_may_cancel_only_before_anyone_entered(world):
    empty, entered = publish(world), publish(world)
    enter(entered)

    contests.contest_transition(contest_id=empty.pk, action="cancel", actor=world["owner"])
    with pytest.raises(Conflict):
        contests.contest_transition(contest_id=entered.pk, action="cancel", actor=world["owner"])

    assert balance("brand_available", brand=world["brand"]) == TOPUP - POOL
    assert Contest.objects.get(pk=entered.pk).status == Contest.Status.OPEN
    books_are_clean()


def test_entries_close_when_the_submission_window_ends(world):
    contest = publish(world)

    with pytest.raises(Conflict):
        enter(contest, at=contest.submit_until + timedelta(seconds=1))
    entry = enter(contest, at=contest.submit_until)

    assert entry.status == E.SUBMITTED


def test_a_creator_enters_once(world):
    contest = publish(world)
    creator = make_creator()
    enter(contest, creator)

    with pytest.raises(Conflict):
        enter(contest, creator)


def test_results_follow_the_results_sanity_rules(world):
    contest = publish(world)
    entry = enter(contest)

    with pytest.raises(DomainError) as early:
        contests.entry_transition(
            entry_id=entry.pk, action="report_results", actor=entry.creator.user, payload={"views": 10}
        )
    with pytest.raises(DomainError) as likes:
        report(entry, 10, 11)
    with pytest.raises(DomainError) as words:
        report(entry, "many")
    with pytest.raises(NotAllowed):
        report(entry, 10, actor=make_creator().user)

    assert (early.value.field, likes.value.field, words.value.field) == ("day", "likes", "views")
    assert ContestEntry.objects.get(pk=entry.pk).views is None


def test_figures_are_frozen_once_ranked(world):
    contest = publish(world)
    entry = enter(contest)
    report(entry, 1_000)
    rank(contest)

    with pytest.raises(InvalidTransition):
        report(entry, 99_000)

    assert ContestEntry.objects.get(pk=entry.pk).views == 1_000


def test_contest_entries_do_not_take_the_creators_capacity(world):
    creator = make_creator(max_concurrent=1)
    contest_a, contest_b = publish(world), publish(world)

    enter(contest_a, creator)
    enter(contest_b, creator)

    assert flows.capacity_used(creator.pk) == 0
    assert flows.has_free_capacity(creator)


def test_a_dispute_freezes_the_figures_and_the_admin_decides(world):
    contest = publish(world, tiers=[{"places": 1, "prize": 100_000}, {"places": 1, "prize": 50_000}])
    inflated, honest = enter(contest), enter(contest)
    report(inflated, 90_000)
    report(honest, 10_000)
    rank(contest)

    contests.contest_transition(
        contest_id=contest.pk, action="dispute", actor=world["owner"], comment="Bought views.", now=rank_time(contest)
    )
    with pytest.raises(InvalidTransition):
        confirm(contest, world["owner"])
    timers = contests.contest_timers_run(now=rank_time(contest) + timedelta(days=10))
    contest = contests.contest_transition(
        contest_id=contest.pk,
        action="resolve",
        actor=world["admin"],
        comment="The views were bought.",
        payload={"excluded": [inflated.pk]},
    )

    assert timers == {"ranked": 0, "auto_confirmed": 0}
    assert paid(honest.creator) == 90_000
    assert paid(inflated.creator) == 0
    assert contest.refunded == 50_000
    books_are_clean()


def test_an_entrant_may_dispute_but_another_creator_may_not(world):
    contest = publish(world)
    entrant = enter(contest)
    report(entrant, 100)
    rank(contest)

    with pytest.raises(NotAllowed):
        contests.contest_transition(
            contest_id=contest.pk, action="dispute", actor=make_creator().user, comment="Unfair."
        )
    contests.contest_transition(contest_id=contest.pk, action="dispute", actor=entrant.creator.user, comment="Unfair.")

    assert Contest.objects.get(pk=contest.pk).status == Contest.Status.DISPUTED


# ------------------------------------------------------------------ CPM


def test_cpm_pays_each_creator_on_day_14_plays_capped_and_refunds_the_rest(world):
    contest = publish(world, kind=Contest.Kind.CPM, cpm=2_000, creator_cap=50_000, total_cap=200_000)
    small, capped = enter(contest), enter(contest)
    report(small, 12_345)  # 12,345 plays × CNY 20 / 1,000 = CNY 246.90
    report(capped, 1_000_000)  # CNY 20,000 due, capped at CNY 500

    rank(contest)
    contest = confirm(contest, world["owner"])

    assert contest.count_day == 14
    assert ContestEntry.objects.get(pk=small.pk).prize == 24_690
    assert ContestEntry.objects.get(pk=capped.pk).prize == 50_000
    assert paid(small.creator) == fee_split(24_690, 1000)[0]
    assert contest.refunded == 200_000 - 74_690
    books_are_clean()


def test_cpm_above_the_total_cap_is_cut_in_proportion(world):
    contest = publish(world, kind=Contest.Kind.CPM, cpm=1_000, creator_cap=100_000, total_cap=100_000)
    entries = [enter(contest) for _ in range(3)]
    for entry in entries:
        report(entry, 50_000_000)  # each due CNY 1,000 (capped), CNY 3,000 in all, CNY 1,000 held

    rank(contest)
    contest = confirm(contest, world["owner"])

    prizes = [ContestEntry.objects.get(pk=e.pk).prize for e in entries]
    assert prizes == [33_333, 33_333, 33_333]
    assert contest.awarded + contest.refunded == 100_000
    assert sum(PoolAward.objects.filter(hold=contest.hold).values_list("gross", flat=True)) == 99_999
    books_are_clean()


def test_a_cpm_below_the_minimum_is_refused(world, settings):
    settings.CONTEST_MIN_CPM = 500

    with pytest.raises(DomainError) as refused:
        publish(world, kind=Contest.Kind.CPM, cpm=499, creator_cap=1_000, total_cap=10_000)

    assert refused.value.field == "cpm"


# ------------------------------------------------------------------ timers


def test_the_ranking_and_the_automatic_confirmation_each_fire_once(world):
    contest = publish(world)
    entry = enter(contest)
    report(entry, 5_000)
    due = rank_time(contest)

    before = contests.contest_timers_run(now=due - timedelta(minutes=1))
    at = contests.contest_timers_run(now=due)
    again = contests.contest_timers_run(now=due + timedelta(days=1))
    confirm_due = contests.contest_timers_run(now=due + contests.CONFIRM_AFTER)
    after = contests.contest_timers_run(now=due + contests.CONFIRM_AFTER + timedelta(days=1))

    assert [before, at, again, confirm_due, after] == [
        {"ranked": 0, "auto_confirmed": 0},
        {"ranked": 1, "auto_confirmed": 0},
        {"ranked": 0, "auto_confirmed": 0},
        {"ranked": 0, "auto_confirmed": 1},
        {"ranked": 0, "auto_confirmed": 0},
    ]
    assert paid(entry.creator) == 270_000
    assert contest.events.filter(action="auto_confirm").count() == 1
    books_are_clean()


def test_the_beat_task_runs_the_contest_timers(world, monkeypatch):
    from orders import tasks

    contest = publish(world)
    monkeypatch.setattr(timezone, "now", lambda: rank_time(contest))

    result = tasks.collaboration_timers_task()

    assert result["ranked"] == 1
    assert Contest.objects.get(pk=contest.pk).status == Contest.Status.RANKED


# ------------------------------------------------------------------ reports


def test_the_report_has_a_line_per_tier_and_per_entry_and_adds_up(world):
    from orders.reports import contest_report

    contest = publish(world)
    entries = [enter(contest) for _ in range(3)]
    for n, entry in enumerate(entries):
        report(entry, 1_000 * (3 - n))
    rank(contest)
    contest = confirm(contest, world["owner"])

    made = contest_report(contest)

    assert [(t["tier"], t["awarded"], t["paid"], t["unclaimed"]) for t in made.tiers] == [
        (1, 1, 300_000, 0),
        (2, 2, 200_000, 100_000),
        (3, 0, 0, 200_000),
    ]
    assert [line["prize"] for line in made.entries] == [300_000, 100_000, 100_000]
    assert made.awarded == sum(t["paid"] for t in made.tiers) == 500_000
    assert made.awarded + made.refunded == made.pool
    assert made.fees == balance("platform_fees")


def test_a_cpm_report_counts_what_was_actually_paid(world):
    from orders.reports import contest_report

    contest = publish(world, kind=Contest.Kind.CPM, cpm=1_000, creator_cap=5_000, total_cap=100_000)
    capped, small = enter(contest), enter(contest)
    report(capped, 10_000_000)  # due CNY 10,000, capped at CNY 50
    report(small, 2_000)  # CNY 2
    rank(contest)
    contest = confirm(contest, world["owner"])

    made = contest_report(contest)

    assert made.tiers == []
    assert made.awarded == 5_000 + 2_000
    assert made.cpm == pytest.approx(7_000 / 10_002_000 * 1000)
