"""Capacity: collaborations on Starmap plus the work running elsewhere (imported current load) fill
the creator's slots, in every place that asks whether a creator is free."""

import pytest

from marketplace.core import Conflict
from marketplace.models import Order
from marketplace.services import deals
from matching import engine, selectors, services
from tests.deals.conftest import S, act, deal_in, key, make_creator
from tests.factories import OrderFactory


@pytest.fixture(autouse=True)
def _snapshot_dir(settings, tmp_path):
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    engine.reset()
    yield
    engine.reset()


def another_open_order(world) -> Order:
    """A second open recruitment order like the world's, with the same budget and window."""
    order = world["order"]
    fields = ("format", "price_per_creator", "mode", "apply_by", "script_by", "publish_from", "publish_until")
    return OrderFactory(
        brand=world["brand"], status=Order.Status.PUBLISHED, creators_wanted=5, **{f: getattr(order, f) for f in fields}
    )


def ranked_ids(order) -> set[int]:
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)
    return set(run.results.values_list("creator_id", flat=True))


# (elsewhere, busy on Starmap, slots) → full?
CASES = [(2, 0, 2, True), (1, 1, 2, True), (1, 0, 2, False), (0, 1, 2, False), (3, 0, 2, True)]


@pytest.mark.parametrize(("elsewhere", "busy", "slots", "full"), CASES)
def test_work_running_elsewhere_takes_slots_in_ranking_recommendations_and_accepting(
    world, elsewhere, busy, slots, full
):
    creator = make_creator(max_concurrent=slots, external_load=elsewhere)
    for _ in range(busy):
        deal_in(world, S.ACCEPTED, creator=creator)
    fresh = another_open_order(world)

    in_ranking = creator.pk in ranked_ids(fresh)
    why = selectors.why_not(fresh, creator)
    recommended = [r["order"].pk for r in selectors.recommended_orders(creator)]
    offer = deals.offer_send(order_id=fresh.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())

    if full:
        assert not in_ranking and "no_capacity" in why and fresh.pk not in recommended
        with pytest.raises(Conflict, match="no free capacity"):
            act(offer, "accept", creator.user)
    else:
        assert in_ranking and "no_capacity" not in why and fresh.pk in recommended
        assert act(offer, "accept", creator.user).status == S.ACCEPTED
