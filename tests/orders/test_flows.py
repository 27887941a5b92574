"""The state groups of orders.flows: the matcher, the accept path, the order's slots, the pages and
the creator's record all read the same rule, so they cannot disagree."""

import ast
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from insights.growth import creator_growth
from marketplace.core import Conflict
from matching.features import excluded_creators
from orders import flows
from orders.models import Collaboration, Order
from orders.selectors import deals as reads
from orders.selectors.orders import creator_home
from orders.services import deals
from orders.services.collaborations import ACTIONS
from orders.services.track_record import refresh_creator_history
from tests.factories import CollaborationFactory, OrderFactory
from tests.orders.conftest import act, deal_in, key, make_creator

S = Collaboration.Status
ROOT = Path(__file__).resolve().parents[2]


def another_order(world, **kw) -> Order:
    """A second published recruitment order of the world's brand (a creator is on an order once)."""
    values = {
        "brand": world["brand"],
        "status": Order.Status.PUBLISHED,
        "price_per_creator": world["order"].price_per_creator,
        "creators_wanted": 5,
        "mode": Order.Mode.RECRUITMENT,
        "apply_by": timezone.now() + timedelta(days=3),
        "script_by": timezone.now() + timedelta(days=7),
        "publish_from": date.today(),
        "publish_until": date.today() + timedelta(days=30),
    }
    values.update(kw)
    return OrderFactory(**values)


def on(world, order: Order) -> dict:
    return {**world, "order": order}


def offer_and_accept(world, creator):
    """The creator's answer to a fresh offer: the accepted deal, or the Conflict it was refused with."""
    c = deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    try:
        return act(c, "accept", creator.user)
    except Conflict as refusal:
        return refusal


# ---------------------------------------------------------------- capacity


def test_a_completed_deal_leaves_the_creator_free_for_the_matcher_and_for_accept(world):
    creator = make_creator(max_concurrent=1)
    deal_in(on(world, another_order(world)), S.COMPLETED, creator)

    assert creator.pk not in excluded_creators(world["order"])["no_capacity"]
    answer = offer_and_accept(world, creator)

    assert isinstance(answer, Collaboration) and answer.status == S.ACCEPTED


def test_a_published_deal_keeps_the_creator_busy_for_the_matcher_and_for_accept(world):
    creator = make_creator(max_concurrent=1)
    deal_in(on(world, another_order(world)), S.PUBLISHED, creator)

    assert creator.pk in excluded_creators(world["order"])["no_capacity"]
    answer = offer_and_accept(world, creator)

    assert isinstance(answer, Conflict) and answer.field == "creator"
    assert str(answer.detail) == "The creator has no free capacity."


STATES = st.sampled_from(S.values)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(states=st.lists(STATES, max_size=6), data=st.data())
def test_the_matcher_says_eligible_exactly_when_accept_does_not_refuse_for_capacity(world, states, data):
    capacity = data.draw(st.integers(min_value=1, max_value=len(states) + 1), label="capacity")
    with transaction.atomic():
        creator = make_creator(max_concurrent=capacity)
        for state in states:  # the state is all the rule reads, so each deal is written straight in it
            CollaborationFactory(creator=creator, order=OrderFactory(brand=world["brand"]), status=state)

        eligible = creator.pk not in excluded_creators(world["order"])["no_capacity"]
        answer = offer_and_accept(world, creator)

        refused_for_capacity = isinstance(answer, Conflict) and answer.field == "creator"
        assert not (isinstance(answer, Conflict) and answer.field != "creator"), answer.detail
        assert eligible == (not refused_for_capacity)
        assert eligible == (sum(s in flows.OCCUPIES_CAPACITY for s in states) < capacity)
        transaction.set_rollback(True)


def test_the_creator_dashboard_counts_what_occupies_capacity(world):
    creator = make_creator(max_concurrent=5)
    for state in (S.ACCEPTED, S.PUBLISHED, S.DISPUTED, S.COMPLETED, S.SETTLED, S.OFFERED):
        CollaborationFactory(creator=creator, order=OrderFactory(brand=world["brand"]), status=state)

    dashboard = creator_home(creator)

    assert dashboard.active_collaborations == 3


# ------------------------------------------------------------- order slots


@pytest.mark.parametrize("done", [S.SETTLED, S.RESOLVED, S.COMPLETED])
def test_a_finished_deal_still_fills_its_place_on_the_order(world, done, client):
    order = world["order"]
    order.creators_wanted = 1
    order.save(update_fields=["creators_wanted"])
    deal_in(world, done)
    late = deal_in(world, S.APPLIED)

    with pytest.raises(Conflict, match=r"All 1 places on this order are taken\."):
        act(late, "select", world["owner"])

    client.force_login(world["owner"])
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "1 of 1 places taken" in page


def test_an_order_slot_is_freed_only_by_a_deal_that_let_the_creator_go(world):
    order = world["order"]
    order.creators_wanted = len(S.values)
    order.save(update_fields=["creators_wanted"])
    for state in S.values:
        if state != S.APPLIED:
            deal_in(world, state)

    assert flows.slots_filled(order) == len(flows.FILLS_ORDER_SLOT)
    assert flows.FILLS_ORDER_SLOT.isdisjoint(flows.LET_GO | flows.AWAITING_ANSWER)
    assert set(S.values) == flows.FILLS_ORDER_SLOT | flows.LET_GO | flows.AWAITING_ANSWER


def test_every_state_that_occupies_capacity_also_fills_a_slot():
    assert flows.OCCUPIES_CAPACITY < flows.FILLS_ORDER_SLOT


# ---------------------------------------------------------- state machine


def test_timers_and_actions_read_the_same_groups():
    assert ACTIONS["expire"].sources == flows.AWAITING_ANSWER
    assert ACTIONS["cancel"].sources == flows.IN_DELIVERY
    assert {state for _key, _title, states in reads.BOARD_COLUMNS for state in states} == set(S.values)


# -------------------------------------------------------- completed orders


def test_completed_orders_are_counted_the_same_way_everywhere(world):
    creator = make_creator()
    for state in S.values:
        deal_in(on(world, another_order(world)), state, creator)
    # completed, plays counted (a per-play deal whose work was accepted) and settled: the brand accepted the
    # work; a refunded dispute is not a completed order
    expected = 3

    deals.creator_record_refresh(creator_id=creator.pk)
    creator.refresh_from_db()
    on_rating = creator.completed_orders
    refresh_creator_history()
    creator.refresh_from_db()
    nightly = creator.completed_orders
    on_growth_page = creator_growth(creator).figures.completed_orders

    assert on_rating == nightly == on_growth_page == expected


# ------------------------------------------------------- one home per group

APP_DIRS = ("marketplace", "brands", "creators", "payouts", "orders", "matching", "insights", "bench")
STATUS_NAMES = set(S.names)
STATUS_VALUES = set(S.values)


def _status_of(node) -> str | None:
    """The collaboration state a literal element names: S.X, Collaboration.Status.X or its string value."""
    if isinstance(node, ast.Attribute) and node.attr in STATUS_NAMES:
        base = ast.unparse(node.value)
        if base == "S" or base.endswith("Collaboration.Status"):
            return node.attr
    if isinstance(node, ast.Constant) and node.value in STATUS_VALUES:
        return node.value
    return None


def _state_groups_outside_flows() -> list[str]:
    found = []
    for path in sorted(p for d in APP_DIRS for p in (ROOT / d).rglob("*.py")):
        if "migrations" in path.parts or path == ROOT / "orders" / "flows.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
                states = [s for s in map(_status_of, node.elts) if s]
                # Strings only count when the whole literal is statuses ("accepted" is also a field name).
                named = sum(isinstance(e, ast.Attribute) for e in node.elts if _status_of(e))
                if len(states) >= 2 and (named >= 2 or len(states) == len(node.elts)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {states}")
    return found


def test_no_module_but_flows_lists_a_group_of_collaboration_states():
    assert _state_groups_outside_flows() == []


def test_no_template_compares_a_collaboration_status_to_a_string():
    pattern = re.compile(r"\b(c|collaboration|card|deal)\.status\s*(==|!=|\bin\b)")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]

    assert found == []
