"""Contest pages: a brand publishes a contest (seeing the hold first) and confirms its winners, creators enter,
report their figures and withdraw, staff decide a disputed contest. Each test follows the person's next
request and reads what the page shows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.core import format_money
from orders.models import Contest, ContestEntry, Order
from orders.services import contests
from tests.factories import LabelFactory, MembershipFactory, ProductCategoryFactory
from tests.html import text_of
from tests.orders.conftest import TOPUP, balance, make_creator
from tests.orders.contest_helpers import POOL, TIERS, enter, publish, rank, report
from tests.orders.test_pages_brand import form_key

E = ContestEntry.Status


def cny(minor: int) -> str:
    return format_money(minor, "CNY")


def as_user(client, user):
    client.force_login(user)
    return client


def contest_page(contest) -> str:
    return reverse("contests:detail", args=[contest.pk])


def brief_form(**overrides) -> dict:
    """The create form as a brand fills it in: two tiers (1 × CNY 3,000, 3 × CNY 1,000), entries close in a week."""
    data = {
        "idempotency_key": form_key(),
        "title": "Morning routine challenge",
        "description": "Film your morning routine.",
        "product_name": "Face wash",
        "product_category": str(ProductCategoryFactory().pk),
        "format": "short_21_60",
        "target_label": [str(LabelFactory().pk)],
        "target_label_weight": ["1"],
        "kind": "prizes",
        "ranking": "views",
        "pick_from_top": "10",
        "tier_places": ["1", "3", ""],
        "tier_prize": ["3000", "1000", ""],
        "submit_until": (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "count_day": "7",
        "cpm": "",
        "creator_cap": "",
        "total_cap": "",
    }
    data.update(overrides)
    return data


FORM_POOL = 300_000 + 3 * 100_000


# ------------------------------------------------------------------ the brand publishes


def test_the_orders_list_offers_a_new_contest_to_editors_only(client, world):
    owner_page = as_user(client, world["owner"]).get(reverse("orders:list")).content.decode()
    viewer_page = as_user(client, world["viewer"]).get(reverse("orders:list")).content.decode()

    assert reverse("contests:create") in owner_page
    assert reverse("contests:create") not in viewer_page
    assert reverse("contests:list") in viewer_page
    assert as_user(client, world["viewer"]).get(reverse("contests:create")).status_code == 403


def test_the_brand_sees_the_hold_before_publishing_then_publishes(client, world):
    as_user(client, world["owner"])
    form = brief_form()

    review = client.post(reverse("contests:create"), form)

    assert review.status_code == 200
    assert f"Publishing holds {cny(FORM_POOL)} from your wallet." in text_of(review.content.decode(), "hold")
    assert not Contest.objects.exists()

    page = client.post(reverse("contests:create"), {**form, "confirm_pool": str(FORM_POOL)}, follow=True)

    html = page.content.decode()
    contest = Contest.objects.get()
    assert page.redirect_chain[-1][0] == contest_page(contest)
    assert f"{cny(FORM_POOL)} is held from your wallet" in html
    assert cny(FORM_POOL) in text_of(html, "terms")
    assert contest.tiers == [{"places": 1, "prize": 300_000}, {"places": 3, "prize": 100_000}]
    assert balance("brand_available", brand=world["brand"]) == TOPUP - FORM_POOL
    order_page = client.get(reverse("orders:detail", args=[contest.order_id])).content.decode()
    assert contest_page(contest) in order_page  # the order of a contest leads to its contest page


def test_publishing_twice_with_the_same_form_publishes_once(client, world):
    as_user(client, world["owner"])
    form = {**brief_form(), "confirm_pool": str(FORM_POOL)}

    first = client.post(reverse("contests:create"), form, follow=True)
    second = client.post(reverse("contests:create"), form, follow=True)

    assert first.redirect_chain[-1][0] == second.redirect_chain[-1][0]
    assert Contest.objects.count() == 1
    assert balance("brand_available", brand=world["brand"]) == TOPUP - FORM_POOL


def test_terms_changed_after_the_review_are_reviewed_again_not_published(client, world):
    as_user(client, world["owner"])
    form = {**brief_form(tier_prize=["5000", "1000", ""]), "confirm_pool": str(FORM_POOL)}

    page = client.post(reverse("contests:create"), form)

    assert f"Publishing holds {cny(500_000 + 300_000)}" in text_of(page.content.decode(), "hold")
    assert not Contest.objects.exists()


def test_a_short_wallet_is_a_clear_form_error_and_nothing_is_held(client, world):
    as_user(client, world["owner"])

    page = client.post(reverse("contests:create"), brief_form(tier_places=["1"], tier_prize=["200000"]))

    html = page.content.decode()
    assert page.status_code == 400
    assert f"Your wallet has {cny(TOPUP)} available; this contest holds {cny(20_000_000)}." in html
    assert "Publish and hold" not in html
    assert not Contest.objects.exists()
    assert balance("brand_available", brand=world["brand"]) == TOPUP


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "Nul\x00byte"}, "title", "Null characters are not allowed."),
        ({"tier_places": ["²", "3", ""]}, "tiers", "Row 1: Enter a whole number."),
        ({"tier_places": ["-1", "3", ""]}, "tiers", "Row 1:"),
        ({"tier_prize": ["9" * 40, "1000", ""]}, "tiers", "Row 1:"),
        ({"tier_prize": ["-5", "1000", ""]}, "tiers", "Row 1:"),
        ({"tier_prize": ["1000", "3000", ""]}, "tiers", "List the tiers from the biggest prize down."),
        ({"tier_places": ["", "", ""], "tier_prize": ["", "", ""]}, "tiers", "Give at least one prize tier."),
        ({"submit_until": "2026-13-45T99:99"}, "submit_until", "Enter a valid date/time."),
        ({"submit_until": "2001-01-01T10:00"}, "submit_until", "Entries must close in the future."),
        ({"pick_from_top": "9" * 30}, "pick_from_top", ""),
        ({"product_category": "987654321"}, "product_category", ""),
        ({"kind": "lottery"}, "kind", ""),
        ({"kind": "cpm", "cpm": "1", "creator_cap": "100", "total_cap": "1000"}, "cpm", "The CPM must be at least"),
        ({"kind": "cpm", "cpm": "10", "creator_cap": "2000", "total_cap": "1000"}, "creator_cap", "cap"),
    ],
)
def test_bad_input_is_an_error_beside_its_field_never_a_500(client, world, overrides, field, message):
    as_user(client, world["owner"])

    page = client.post(reverse("contests:create"), {**brief_form(**overrides), "confirm_pool": str(FORM_POOL)})

    assert page.status_code == 400
    errors = text_of(page.content.decode(), f"id_{field}_errors")
    assert message in errors
    assert not Contest.objects.exists()


def test_a_cpm_contest_holds_its_total_cap(client, world):
    as_user(client, world["owner"])
    # The page comes with its first tier row's places filled in: a CPM contest does not read the rows.
    form = brief_form(kind="cpm", cpm="10", creator_cap="1000", total_cap="5000", tier_places=["1"], tier_prize=[""])

    review = client.post(reverse("contests:create"), form)
    page = client.post(reverse("contests:create"), {**form, "confirm_pool": "500000"}, follow=True)

    assert f"Publishing holds {cny(500_000)}" in text_of(review.content.decode(), "hold")
    contest = Contest.objects.get()
    assert (contest.kind, contest.cpm, contest.creator_cap, contest.pool) == ("cpm", 1_000, 100_000, 500_000)
    terms = text_of(page.content.decode(), "terms")
    assert cny(1_000) in terms and cny(100_000) in terms


# ------------------------------------------------------------------ creators


def opened_an_hour_ago(contest) -> Contest:
    """The form takes minutes: a contest opened this minute would refuse a post typed as this minute."""
    Order.objects.filter(pk=contest.order_id).update(published_at=timezone.now() - timedelta(hours=1))
    return contest


def test_a_creator_finds_the_contest_from_the_inbox_and_enters_a_post(client, world):
    contest = opened_an_hour_ago(publish(world))
    creator = make_creator()
    as_user(client, creator.user)

    inbox = client.get(reverse("deals:inbox")).content.decode()
    listed = client.get(reverse("contests:list")).content.decode()
    went_up = timezone.localtime() - timedelta(minutes=1)
    page = client.post(
        reverse("contests:enter", args=[contest.pk]),
        {"post_url": "https://video.example/p/1", "published_at": went_up.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    assert reverse("contests:list") in inbox
    assert contest.order.title in text_of(listed, "open-contests")
    mine = text_of(page.content.decode(), "my-entry")
    assert "Submitted" in mine and "https://video.example/p/1" in mine
    assert contest.order.title not in text_of(client.get(reverse("contests:list")).content.decode(), "open-contests")
    assert contest.order.title in text_of(client.get(reverse("contests:list")).content.decode(), "my-entries")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"post_url": "not a url", "published_at": "2026-01-01T10:00"}, "post_url"),
        ({"post_url": "https://v.example/x\x00", "published_at": "2026-01-01T10:00"}, "post_url"),
        ({"post_url": "https://v.example/x", "published_at": "²"}, "published_at"),
        ({"post_url": "https://v.example/x", "published_at": "2999-01-01T10:00"}, "published_at"),
        ({"post_url": "https://v.example/x", "published_at": "2001-01-01T10:00"}, "published_at"),
    ],
)
def test_a_bad_entry_is_an_error_beside_its_field(client, world, data, field):
    contest = publish(world)
    as_user(client, make_creator().user)

    page = client.post(reverse("contests:enter", args=[contest.pk]), data)

    assert page.status_code == 400
    assert text_of(page.content.decode(), f"id_enter_{field}_errors")
    assert not ContestEntry.objects.exists()


def test_the_creator_reports_the_counting_day_figures_then_sees_them(client, world, monkeypatch):
    contest = publish(world)
    entry = enter(contest)
    as_user(client, entry.creator.user)
    url = reverse("contests:entry_act", args=[entry.pk, "report_results"])

    early = client.get(contest_page(contest)).content.decode()
    day = entry.published_at + timedelta(days=contest.count_day, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: day)
    refused = client.post(url, {"views": "12", "likes": "99"})
    page = client.post(url, {"views": "12000", "likes": "340"}, follow=True)

    assert "Report your figures from" in text_of(early, "my-entry")
    assert refused.status_code == 400
    assert "likes" in text_of(refused.content.decode(), "id_report_results_likes_errors").lower()
    assert "Day 7: 12,000 views, 340 likes." in text_of(page.content.decode(), "my-entry")


def test_the_creator_withdraws_and_the_page_says_so(client, world):
    contest = publish(world)
    entry = enter(contest)
    as_user(client, entry.creator.user)

    page = client.post(reverse("contests:entry_act", args=[entry.pk, "withdraw"]), follow=True)

    assert "Your entry is withdrawn." in page.content.decode()
    assert "Withdrawn" in text_of(page.content.decode(), "my-entry")
    assert "Withdraw your entry" not in page.content.decode()


# ------------------------------------------------------------------ the brand's steps


def test_cancel_is_offered_before_anyone_enters_and_refused_with_its_reason_after(client, world):
    empty, entered = publish(world), publish(world)
    enter(entered)
    as_user(client, world["owner"])

    offered = client.get(contest_page(empty)).content.decode()
    explained = client.get(contest_page(entered)).content.decode()
    refused = client.post(reverse("contests:act", args=[entered.pk, "cancel"]), follow=True)
    cancelled = client.post(reverse("contests:act", args=[empty.pk, "cancel"]), follow=True)

    assert "Cancel the contest" in text_of(offered, "actions")
    assert "Creators have entered: the contest runs to its end." in text_of(explained, "actions")
    assert "Cancel the contest" not in text_of(explained, "actions")
    assert "Creators have entered: the contest runs to its end." in refused.content.decode()
    assert "Cancelled" in cancelled.content.decode()
    assert balance("brand_available", brand=world["brand"]) == TOPUP - POOL


def test_the_brand_confirms_and_the_winner_finds_the_prize_in_earnings(client, world):
    contest = publish(world)
    first, second = enter(contest), enter(contest)
    report(first, 9_000)
    report(second, 5_000)
    rank(contest)
    as_user(client, world["owner"])

    page = client.post(reverse("contests:act", args=[contest.pk, "confirm"]), follow=True)

    assert "The winners are confirmed and paid" in page.content.decode()
    assert cny(TIERS[0]["prize"]) in text_of(page.content.decode(), "entries")
    first.refresh_from_db()
    winner = as_user(client, first.creator.user).get(contest_page(contest)).content.decode()
    assert f"You won {cny(first.creator_share)}" in text_of(winner, "my-entry")
    earnings = client.get(reverse("payouts:earnings")).content.decode()
    assert cny(first.creator_share) in earnings


def test_the_brands_pick_goes_by_the_places_it_gives(client, world):
    contest = publish(world, ranking=Contest.Ranking.BRAND_PICK, tiers=[{"places": 1, "prize": 100_000}])
    top, other = enter(contest), enter(contest)
    report(top, 9_000)
    report(other, 5_000)
    rank(contest)
    as_user(client, world["owner"])

    form = client.get(contest_page(contest)).content.decode()
    twice = client.post(
        reverse("contests:act", args=[contest.pk, "confirm"]), {f"place_{top.pk}": "1", f"place_{other.pk}": "1"}
    )
    client.post(reverse("contests:act", args=[contest.pk, "confirm"]), {f"place_{other.pk}": "1"})

    assert f'name="place_{top.pk}"' in form and f'name="place_{other.pk}"' in form
    assert "Give each place to one entry only." in twice.content.decode()
    other.refresh_from_db()
    assert other.status == E.AWARDED and other.prize == 100_000


def test_a_viewer_sees_the_contest_but_cannot_confirm(client, world):
    contest = publish(world)
    report(enter(contest), 9_000)
    rank(contest)
    as_user(client, world["viewer"])

    page = client.get(contest_page(contest)).content.decode()
    refused = client.post(reverse("contests:act", args=[contest.pk, "confirm"]))

    assert "Viewers of a brand cannot act on its contests." in text_of(page, "actions")
    assert refused.status_code == 403
    assert Contest.objects.get(pk=contest.pk).status == Contest.Status.RANKED


# ------------------------------------------------------------------ disputes


def test_a_dispute_needs_a_reason_then_staff_decide_it_from_the_disputes_page(client, world):
    contest = publish(world)
    honest, bought = enter(contest), enter(contest)
    report(honest, 5_000)
    report(bought, 90_000)
    rank(contest)
    as_user(client, world["owner"])
    url = reverse("contests:act", args=[contest.pk, "dispute"])

    no_reason = client.post(url, {"comment": "  "})
    client.post(url, {"comment": "The second entry's views were bought."})
    queue = as_user(client, world["admin"]).get(reverse("deals:disputes")).content.decode()
    staff_page = client.get(contest_page(contest)).content.decode()
    decided = client.post(
        reverse("contests:act", args=[contest.pk, "resolve"]),
        {"excluded": [str(bought.pk)], "comment": "Bought views: excluded."},
        follow=True,
    )

    assert no_reason.status_code == 400
    assert text_of(no_reason.content.decode(), "id_dispute_comment_errors")
    assert contest.order.title in text_of(queue, "disputed-contests")
    assert "Decide and pay" in text_of(staff_page, "actions")
    assert "The dispute is decided and the prizes are paid." in decided.content.decode()
    honest.refresh_from_db()
    bought.refresh_from_db()
    assert (honest.status, honest.prize, bought.status) == (E.AWARDED, TIERS[0]["prize"], E.UNPLACED)


# ------------------------------------------------------------------ who sees what


def test_another_brand_and_unknown_ids_get_404(client, world):
    contest = publish(world)
    stranger = MembershipFactory()

    as_user(client, stranger.user)
    other = client.get(contest_page(contest))
    listed = client.get(reverse("contests:list")).content.decode()
    unknown = client.get(reverse("contests:detail", args=[987_654_321]))
    bad_action = as_user(client, world["owner"]).post(reverse("contests:act", args=[contest.pk, "rank"]))

    assert other.status_code == 404
    assert contest.order.title not in listed
    assert unknown.status_code == 404
    assert bad_action.status_code == 404


def test_a_creator_sees_only_their_own_entry_until_the_winners_are_paid(client, world):
    contest = publish(world)
    mine, theirs = enter(contest), enter(contest)
    report(mine, 1_000)
    report(theirs, 9_000)
    theirs_url = reverse("contests:entry_act", args=[theirs.pk, "withdraw"])
    as_user(client, mine.creator.user)

    page = client.get(contest_page(contest)).content.decode()
    refused = client.post(theirs_url)

    assert mine.creator.display_name in text_of(page, "entries")
    assert theirs.creator.display_name not in text_of(page, "entries")
    assert refused.status_code == 404
    assert ContestEntry.objects.get(pk=theirs.pk).status == E.SUBMITTED


def test_the_page_keeps_to_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    contest = publish(world)
    for views in (100, 200, 300, 400):
        report(enter(contest), views)
    rank(contest)
    as_user(client, world["owner"])

    with django_assert_max_num_queries(40):
        client.get(contest_page(contest))

    assert Order.objects.filter(mode=Order.Mode.CONTEST).count() == 1
    assert contests.contest_side(contest, world["owner"]) == "brand"


# ------------------------------------------------------------------ a post taken down


def test_the_brand_reports_an_entrys_post_down_from_the_page_and_it_leaves_the_ranking(client, world):
    contest = publish(world)
    gone, kept = enter(contest), enter(contest)
    report(gone, 9_000)
    report(kept, 5_000)
    as_user(client, world["owner"])
    url = reverse("contests:entry_act", args=[gone.pk, "report_removed"])

    offered = text_of(client.get(contest_page(contest)).content.decode(), "entries")
    refused = client.post(url, {"comment": ""})
    page = client.post(url, {"comment": "The post link shows 'video unavailable'."}, follow=True)

    assert "Report the post down" in offered
    assert refused.status_code == 400  # a reason is required, asked for beside the field of that entry's form
    assert text_of(refused.content.decode(), f"id_report_removed_{gone.pk}_comment_errors")
    assert ContestEntry.objects.get(pk=kept.pk).status == E.SUBMITTED
    assert "The post is reported down" in page.content.decode()
    assert ContestEntry.objects.get(pk=gone.pk).status == E.REMOVED
    rank(contest)
    assert [e.pk for e in contests.ranking(contest)] == [kept.pk]


def test_a_creator_reports_their_own_post_down_but_not_anothers_and_a_viewer_cannot(client, world):
    contest = publish(world)
    mine, theirs = enter(contest), enter(contest)
    viewer = MembershipFactory(brand=world["brand"], role="viewer").user

    as_user(client, mine.creator.user)
    own = text_of(client.get(contest_page(contest)).content.decode(), "my-entry")
    other = client.post(reverse("contests:entry_act", args=[theirs.pk, "report_removed"]), {"comment": "Gone."})
    done = client.post(
        reverse("contests:entry_act", args=[mine.pk, "report_removed"]), {"comment": "The platform took it down."}
    )
    as_user(client, viewer)
    seen = client.get(contest_page(contest)).content.decode()
    refused = client.post(reverse("contests:entry_act", args=[theirs.pk, "report_removed"]), {"comment": "Gone."})

    assert "Report the post down" in own
    assert other.status_code == 404
    assert done.status_code == 302 and ContestEntry.objects.get(pk=mine.pk).status == E.REMOVED
    assert "Report the post down" not in seen
    assert refused.status_code == 403
    assert ContestEntry.objects.get(pk=theirs.pk).status == E.SUBMITTED
