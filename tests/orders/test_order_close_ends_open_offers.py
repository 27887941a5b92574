"""Closing an order ends every open offer, counter and application on it in the same transaction, their holds back
in the brand's wallet; the deals it already made run on (docs/deals.md, "Closing an order")."""

import pytest
from django.urls import reverse

from marketplace.core import Conflict, InvalidTransition, NotAllowed
from marketplace.core.models import Notification
from orders.models import Collaboration, CollaborationEvent, Order
from orders.services import deals
from orders.services.collaborations import allowed_actions
from orders.services.orders import order_close, order_transition
from payouts.selectors import ledger_problems
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, TOPUP, act, balance, deal_in, key, make_creator
from tests.orders.test_money_paths import assert_books_balance

S = Collaboration.Status


def wallet(world) -> dict:
    return {
        "available": balance("brand_available", brand=world["brand"]),
        "held": balance("brand_held", brand=world["brand"]),
        "escrow": balance("order_escrow", order=world["order"]),
    }


@pytest.fixture
def busy_order(world):
    """The world's order with an open offer, a countered one, an application, and a deal in delivery."""
    before = wallet(world)
    deals_on = {state: deal_in(world, state) for state in (S.OFFERED, S.COUNTERED, S.APPLIED, S.ACCEPTED)}
    return before, deals_on


def test_closing_releases_every_open_hold_and_ends_each_offer_with_an_event(world, busy_order):
    before, on = busy_order
    assert wallet(world)["held"] == 2 * PRICE  # the offer and the countered offer

    order_close(order_id=world["order"].pk, actor=world["owner"])

    statuses = {state: Collaboration.objects.get(pk=c.pk).status for state, c in on.items()}
    assert statuses == {S.OFFERED: S.CLOSED, S.COUNTERED: S.CLOSED, S.APPLIED: S.CLOSED, S.ACCEPTED: S.ACCEPTED}
    # Back to what it was before the offers, but for the deal already made: its price stays in escrow.
    assert before == {"available": TOPUP, "held": 0, "escrow": 0}
    assert wallet(world) == {"available": TOPUP - PRICE, "held": 0, "escrow": PRICE}
    ended = {e.collaboration_id: e for e in CollaborationEvent.objects.filter(data__order_closed=True)}
    assert {pk: (e.action, e.actor) for pk, e in ended.items()} == {
        on[S.OFFERED].pk: ("withdraw", world["owner"]),
        on[S.COUNTERED].pk: ("withdraw", world["owner"]),
        on[S.APPLIED].pk: ("reject_application", world["owner"]),
    }
    assert ledger_problems() == []
    assert_books_balance()


def test_a_deal_already_made_is_untouched_by_the_close(world, busy_order):
    _before, on = busy_order
    accepted = on[S.ACCEPTED]
    events = accepted.events.count()

    order_close(order_id=world["order"].pk, actor=world["owner"])

    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED and accepted.events.count() == events
    assert "submit_script" in allowed_actions(accepted, accepted.creator.user)
    act(accepted, "submit_script", accepted.creator.user)  # the work goes on


def test_the_creator_hears_the_offer_was_withdrawn(world):
    c = deal_in(world, S.OFFERED)

    order_close(order_id=world["order"].pk, actor=world["owner"])

    note = Notification.objects.get(user=c.creator.user, collaboration=c, kind="withdraw")
    assert "withdrew the offer" in note.text


def test_a_counter_after_the_close_is_refused_and_nothing_stays_allowed(world):
    c = deal_in(world, S.OFFERED)
    order_close(order_id=world["order"].pk, actor=world["owner"])

    response = api_for(c.creator.user).post(
        reverse("api:collaboration-counter", args=[c.pk]), {"price_minor": PRICE, "note": "More."}, format="json"
    )

    c.refresh_from_db()
    assert response.status_code == 409
    assert c.status == S.CLOSED and c.countered_at is None
    assert allowed_actions(c, c.creator.user) == [] and allowed_actions(c, world["owner"]) == []


def test_the_api_close_releases_the_holds(world):
    c = deal_in(world, S.OFFERED)

    response = api_for(world["owner"]).post(reverse("api:order-close", args=[world["order"].pk]), format="json")

    c.refresh_from_db()
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert c.status == S.CLOSED
    assert wallet(world) == {"available": TOPUP, "held": 0, "escrow": 0}


def test_a_close_by_the_system_ends_the_offers_too(world):
    c = deal_in(world, S.OFFERED)

    order_transition(order_id=world["order"].pk, to=Order.Status.CLOSED, actor=None)

    c.refresh_from_db()
    event = CollaborationEvent.objects.get(collaboration=c, action="withdraw")
    assert c.status == S.CLOSED and event.actor is None and event.data["order_closed"] is True
    assert wallet(world)["held"] == 0


def test_a_refused_close_ends_nothing(world):
    c = deal_in(world, S.OFFERED)

    with pytest.raises(NotAllowed):
        order_close(order_id=world["order"].pk, actor=world["viewer"])
    order_close(order_id=world["order"].pk, actor=world["owner"])
    with pytest.raises(InvalidTransition):
        order_close(order_id=world["order"].pk, actor=world["owner"])

    assert c.events.filter(action="withdraw").count() == 1
    assert wallet(world) == {"available": TOPUP, "held": 0, "escrow": 0}


# ------------------------------------------------- an offer left open on a closed order


@pytest.fixture
def left_open(world):
    """Open offers on an order closed before closing ended them (older data): the close is written directly."""
    offered, countered = deal_in(world, S.OFFERED), deal_in(world, S.COUNTERED)
    Order.objects.filter(pk=world["order"].pk).update(status=Order.Status.CLOSED)
    offered.refresh_from_db()
    countered.refresh_from_db()
    return offered, countered


@pytest.mark.parametrize(
    ("which", "action", "who"),
    [
        (0, "accept", "creator"),
        (0, "counter", "creator"),
        (1, "accept_counter", "owner"),
        (1, "decline_counter", "owner"),
    ],
)
def test_no_step_that_hires_or_negotiates_is_taken_on_a_closed_order(world, left_open, which, action, who):
    c = left_open[which]
    actor = c.creator.user if who == "creator" else world["owner"]
    held = wallet(world)

    with pytest.raises(Conflict) as refused:
        act(c, action, actor)

    c.refresh_from_db()
    assert refused.value.detail == "The order is no longer open."
    assert c.status in (S.OFFERED, S.COUNTERED) and wallet(world) == held


def test_on_a_closed_order_only_ending_an_offer_is_offered(world, left_open):
    offered, countered = left_open

    assert allowed_actions(offered, offered.creator.user) == ["decline"]
    assert allowed_actions(offered, world["owner"]) == ["withdraw"]
    assert allowed_actions(countered, countered.creator.user) == ["decline"]
    assert allowed_actions(countered, world["owner"]) == ["withdraw"]


def test_an_offer_left_open_still_gives_its_hold_back_when_it_ends(world, left_open):
    offered, countered = left_open

    act(offered, "withdraw", world["owner"])
    act(countered, "decline", countered.creator.user)

    assert wallet(world) == {"available": TOPUP, "held": 0, "escrow": 0}


# ------------------------------------------------------------------ offers


def test_an_offer_on_a_closed_order_says_the_order_is_closed(world):
    order_close(order_id=world["order"].pk, actor=world["owner"])

    with pytest.raises(Conflict) as refused:
        deals.offer_send(
            order_id=world["order"].pk, creator_id=make_creator().pk, actor=world["owner"], idempotency_key=key()
        )

    assert refused.value.detail == "The order is closed: it takes no more offers."
    assert wallet(world) == {"available": TOPUP, "held": 0, "escrow": 0}


def test_an_offer_on_a_draft_still_asks_to_publish_first(world):
    Order.objects.filter(pk=world["order"].pk).update(status=Order.Status.DRAFT)

    with pytest.raises(Conflict, match=r"Publish the order before sending offers\."):
        deals.offer_send(
            order_id=world["order"].pk, creator_id=make_creator().pk, actor=world["owner"], idempotency_key=key()
        )


def test_a_callers_own_check_on_the_locked_order_can_stop_the_close_before_anything_ends(world):
    c = deal_in(world, S.OFFERED)

    def stale(order):
        raise Conflict("Stale.")

    with pytest.raises(Conflict, match=r"Stale\."):
        order_close(order_id=world["order"].pk, actor=world["owner"], check=stale)

    c.refresh_from_db()
    assert c.status == S.OFFERED and wallet(world)["held"] == PRICE
