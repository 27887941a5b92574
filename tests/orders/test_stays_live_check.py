"""Settlement after the stays-live check (docs/deals.md, "Settlement: the stays-live check").

A fixed-price or deposit deal's post must stay up STAYS_LIVE_FOR (14 days) from publication. The brand may confirm
it live as soon as it accepted the work (it waives the rest of its own check); the creator only once the period is
over; the timer settles what nobody confirmed by then. Until settlement the post can be reported down.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from marketplace.core import InvalidTransition
from orders.models import Collaboration, CollaborationEvent
from orders.services.collaborations import STAYS_LIVE_FOR, allowed_actions
from orders.services.deals import timers_run
from payouts.models import LedgerEntry
from payouts.selectors import ledger_problems
from payouts.services import fee_split
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, TOPUP, act, balance, deal_in, deposit_order, key, play_order
from tests.orders.test_money_paths import assert_books_balance, parties

S = Collaboration.Status
SHARE, FEE = fee_split(PRICE, 1000)


def accepted_work(world, *, published_ago=timedelta(days=2), order=None) -> Collaboration:
    """A deal whose post went up ``published_ago`` and whose work the brand has just accepted (completed)."""
    c = deal_in(world, S.PUBLISHED, order=order)
    Collaboration.objects.filter(pk=c.pk).update(published_at=timezone.now() - published_ago)
    c.refresh_from_db()
    return act(c, "accept_work", world["owner"])


def in_escrow(world, c) -> dict:
    """The money of a completed, unsettled deal: the price in escrow, nothing yet for the creator."""
    return {
        "brand_available": TOPUP - PRICE,
        "brand_held": 0,
        "escrow": PRICE,
        "creator_pending": 0,
        "creator_available": 0,
        "platform": 0,
    }


def paid(world, c) -> dict:
    return {**in_escrow(world, c), "escrow": 0, "creator_available": SHARE, "platform": FEE}


# ------------------------------------------------------------------ by hand


def test_the_creators_confirm_before_the_period_is_over_is_refused_with_the_date_and_moves_no_money(world):
    c = accepted_work(world)
    entries = LedgerEntry.objects.count()
    until = c.published_at + STAYS_LIVE_FOR

    with pytest.raises(InvalidTransition) as refused:
        act(c, "confirm_live", c.creator.user)

    c.refresh_from_db()
    assert refused.value.status == 409
    when = formats.date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT")
    assert refused.value.detail == (
        f"The post must stay up for 14 days after publishing: it can be confirmed live from {when}."
    )
    assert c.status == S.COMPLETED and c.settled_at is None
    assert LedgerEntry.objects.count() == entries
    assert parties(world, c) == in_escrow(world, c)


def test_the_refusal_gives_the_date_in_the_active_language(world):
    c = accepted_work(world)
    until = c.published_at + STAYS_LIVE_FOR

    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as refused:
        act(c, "confirm_live", c.creator.user)

    with translation.override("zh-hans"):
        when = formats.date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT")
    assert when in refused.value.detail


def test_the_creator_is_not_offered_confirm_live_before_the_date_but_the_brand_is(world):
    c = accepted_work(world)

    creator_may = allowed_actions(c, c.creator.user)
    brand_may = allowed_actions(c, world["owner"])
    api = api_for(c.creator.user).get(reverse("api:collaboration-detail", args=[c.pk])).json()

    assert "confirm_live" not in creator_may and "report_down" in creator_may
    assert "confirm_live" not in api["allowed_actions"] and "report_down" in api["allowed_actions"]
    assert {"confirm_live", "report_down"} <= set(brand_may)


def test_the_creator_is_offered_confirm_live_once_the_period_is_over(world):
    c = accepted_work(world, published_ago=STAYS_LIVE_FOR + timedelta(minutes=1))

    assert "confirm_live" in allowed_actions(c, c.creator.user)


def test_the_api_refuses_the_creators_early_confirm_with_409_and_the_date(world):
    c = accepted_work(world)

    response = api_for(c.creator.user).post(
        reverse("api:collaboration-confirm_live", args=[c.pk]), {}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    c.refresh_from_db()
    assert response.status_code == 409
    assert "can be confirmed live from" in response.json()["detail"]
    assert c.status == S.COMPLETED
    assert parties(world, c) == in_escrow(world, c)


def test_the_creator_may_confirm_once_the_post_has_stayed_up_14_days(world):
    c = accepted_work(world)

    act(c, "confirm_live", c.creator.user, now=c.published_at + STAYS_LIVE_FOR)

    c.refresh_from_db()
    assert c.status == S.SETTLED
    assert parties(world, c) == paid(world, c)
    assert_books_balance()


def test_the_brand_may_confirm_at_once_waiving_the_rest_of_its_check(world):
    c = accepted_work(world)

    act(c, "confirm_live", world["owner"])

    c.refresh_from_db()
    event = CollaborationEvent.objects.get(collaboration=c, action="confirm_live")
    assert c.status == S.SETTLED
    assert event.data["waived_until"] == (c.published_at + STAYS_LIVE_FOR).isoformat()
    assert parties(world, c) == paid(world, c)
    assert_books_balance()


def test_the_post_can_be_reported_down_until_settlement_and_not_after(world):
    reported = accepted_work(world, published_ago=timedelta(days=13))
    settled = accepted_work(world)
    act(settled, "confirm_live", world["owner"])

    act(reported, "report_down", world["owner"], comment="The post was taken down on day 13.")
    with pytest.raises(InvalidTransition):
        act(settled, "report_down", world["owner"], comment="Too late.")

    reported.refresh_from_db()
    assert reported.status == S.DISPUTED


# ------------------------------------------------------------------ the timer


def test_the_timer_settles_14_days_after_publication_and_not_before(world):
    c = accepted_work(world)
    due = c.published_at + STAYS_LIVE_FOR

    early = timers_run(now=due - timedelta(minutes=1))
    on_time = timers_run(now=due + timedelta(minutes=1))

    c.refresh_from_db()
    assert (early["live_confirmed"], on_time["live_confirmed"]) == (0, 1)
    assert c.status == S.SETTLED and c.settled_at == due + timedelta(minutes=1)
    assert CollaborationEvent.objects.get(collaboration=c, action="auto_confirm_live").actor is None
    assert parties(world, c) == paid(world, c)


def test_the_timer_settles_exactly_the_due_deals_once_and_never_a_disputed_one(world):
    due = accepted_work(world, published_ago=timedelta(days=15))
    due_deposit = accepted_work(world, published_ago=timedelta(days=15), order=deposit_order(world))
    not_due = accepted_work(world, published_ago=timedelta(days=10))
    disputed = accepted_work(world, published_ago=timedelta(days=15))
    act(disputed, "report_down", world["owner"], comment="Gone after a week.")
    per_play = accepted_work(world, published_ago=timedelta(days=15), order=play_order(world))

    first = timers_run()
    second = timers_run()

    status = dict(Collaboration.objects.values_list("pk", "status"))
    assert (first["live_confirmed"], second["live_confirmed"]) == (2, 0)
    assert status[due.pk] == status[due_deposit.pk] == S.SETTLED
    assert (status[not_due.pk], status[disputed.pk]) == (S.COMPLETED, S.DISPUTED)
    assert status[per_play.pk] == S.PLAYS_COUNTED  # settled on its plays, not by this check
    settled = CollaborationEvent.objects.filter(action="auto_confirm_live")
    assert sorted(settled.values_list("collaboration_id", flat=True)) == sorted([due.pk, due_deposit.pk])
    earned = {c.pk: balance("creator_available", creator=c.creator) for c in (due, due_deposit, not_due, disputed)}
    assert earned == {due.pk: SHARE, due_deposit.pk: SHARE, not_due.pk: 0, disputed.pk: 0}
    assert ledger_problems() == []
    assert_books_balance()


def test_the_timer_leaves_a_deal_the_brand_already_confirmed_alone(world):
    c = accepted_work(world, published_ago=timedelta(days=15))
    act(c, "confirm_live", world["owner"])

    assert timers_run()["live_confirmed"] == 0
    assert not CollaborationEvent.objects.filter(collaboration=c, action="auto_confirm_live").exists()
    assert parties(world, c) == paid(world, c)
