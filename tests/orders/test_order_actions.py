"""The order page offers a step exactly when the order's transition table (and the services behind the
buttons) would take it: for every status an order can be in, to an editor and to a viewer."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from marketplace.core import DomainError
from matching.services import ranking_refusal
from orders.models import Order
from orders.services import deals
from orders.services.orders import ORDER_FLOW
from tests.factories import RankingResultFactory, RankingRunFactory
from tests.orders.conftest import key, make_creator
from tests.pages import page_as_shown

BUTTONS = {
    "publish": '<button type="submit">Publish</button>',
    "close": ">Close order</button>",
    "edit": ">Edit</a>",
    "rank": ">Rank again</button>",
    "send_offers": ">Send offers</button>",
}


def _takes_an_offer(order: Order, creator, actor) -> bool:
    try:
        with transaction.atomic():
            deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=actor, idempotency_key=key())
            transaction.set_rollback(True)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("member", ["owner", "viewer"])
@pytest.mark.parametrize("status", Order.Status.values)
def test_the_order_page_shows_each_step_exactly_when_it_is_allowed(world, client, status, member):
    order = world["order"]
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    creator = make_creator()
    run = RankingRunFactory(order=order, status="done")
    RankingResultFactory(run=run, rank=1, creator=creator, price=order.per_creator_budget())
    editor = member == "owner"
    allowed = {
        "publish": editor and Order.Status.PUBLISHED in ORDER_FLOW.get(status, ()),
        "close": editor and Order.Status.CLOSED in ORDER_FLOW.get(status, ()),
        "edit": editor and status == Order.Status.DRAFT,
        "rank": editor and ranking_refusal(order) is None,
        "send_offers": editor and _takes_an_offer(order, creator, world["owner"]),
    }
    client.force_login(world[member])

    html = page_as_shown(client, reverse("orders:detail", args=[order.pk]))  # with the ranking it loads

    shown = {name: button in html for name, button in BUTTONS.items()}
    assert shown == allowed
    if status == Order.Status.DRAFT and editor:
        form = client.get(reverse("orders:update", args=[order.pk])).content.decode()
        assert 'name="then_publish"' in form
