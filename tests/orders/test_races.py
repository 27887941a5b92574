"""Real threads against PostgreSQL: one slot, fifty hands; approve against dispute."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from brands.models import BrandMembership
from marketplace.core import DomainError
from orders.models import Collaboration, Order
from orders.services import deals
from payouts import services as money
from payouts.models import LedgerEntry
from tests.factories import MembershipFactory
from tests.orders.conftest import PRICE, act, balance, deal_in, key, make_creator
from tests.orders.test_flows import another_order

S = Collaboration.Status
pytestmark = pytest.mark.django_db(transaction=True)
N = 50


def race(fns):
    """Run each function in its own thread, released together by a barrier; return results/errors."""
    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def one_slot(world):
    order = world["order"]
    Order.objects.filter(pk=order.pk).update(creators_wanted=1)
    order.refresh_from_db()
    money.topup(brand_id=world["brand"].pk, amount=N * PRICE, idempotency_key=key(), actor=world["owner"])
    return world


def test_fifty_creators_accepting_a_one_slot_order_at_once_one_wins(one_slot):
    world = one_slot
    offers = [
        deals.offer_send(
            order_id=world["order"].pk, creator_id=make_creator().pk, actor=world["owner"], idempotency_key=key()
        )
        for _ in range(N)
    ]

    results = race([lambda c=c: act(c, "accept", c.creator.user) for c in offers])

    wins = [r for r in results if isinstance(r, Collaboration)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == N - 1
    assert all("places" in r.detail for r in losses)
    assert Collaboration.objects.filter(order=world["order"], status=S.ACCEPTED).count() == 1
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def test_fifty_applicants_selected_at_once_fill_one_slot(one_slot):
    world = one_slot
    applications = [
        deals.application_submit(order_id=world["order"].pk, actor=make_creator().user, quote=PRICE, pitch="Me!")
        for _ in range(N)
    ]

    results = race([lambda c=c: act(c, "select", world["owner"]) for c in applications])

    assert sum(isinstance(r, Collaboration) for r in results) == 1
    assert Collaboration.objects.filter(order=world["order"], status=S.ACCEPTED).count() == 1
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


@pytest.mark.parametrize(
    ("state", "approve", "dispute"),
    [(S.PUBLISHED, "accept_work", "open_dispute"), (S.COMPLETED, "confirm_live", "report_down")],
)
def test_approve_racing_a_dispute_exactly_one_wins(world, state, approve, dispute):
    for _ in range(4):
        c = deal_in(world, state)

        results = race(
            [
                lambda c=c: act(c, approve, world["owner"]),
                lambda c=c: act(c, dispute, c.creator.user, comment="The brand changed the brief."),
            ]
        )

        assert sum(isinstance(r, Collaboration) for r in results) == 1
        assert sum(isinstance(r, DomainError) for r in results) == 1
        c.refresh_from_db()
        assert c.disputes.count() == (1 if c.status == S.DISPUTED else 0)
        if c.status == S.DISPUTED:
            assert balance("order_escrow", order=world["order"]) > 0  # frozen, not paid
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def test_offers_from_different_brands_accepted_at_once_never_exceed_the_creators_capacity(world):
    creator = make_creator(max_concurrent=1)
    offers = []
    # Different brands, so no wallet lock lines the accepts up: only the transition's row lock on the
    # collaboration and its creator (FOR UPDATE over the join) keeps the creator's last place single.
    for _ in range(10):
        owner = MembershipFactory(role=BrandMembership.Role.OWNER)
        money.topup(brand_id=owner.brand_id, amount=PRICE, idempotency_key=key(), actor=owner.user)
        order = another_order({**world, "brand": owner.brand})
        offers.append(
            deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=owner.user, idempotency_key=key())
        )

    results = race([lambda c=c: act(c, "accept", creator.user) for c in offers])

    wins = [r for r in results if isinstance(r, Collaboration)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 9
    assert all(r.detail == "The creator has no free capacity." for r in losses)
    assert Collaboration.objects.filter(creator=creator, status=S.ACCEPTED).count() == 1


def test_a_payout_request_commits_while_a_deal_of_the_same_creator_is_moving(world, monkeypatch):
    """Found by bench/soak.py: POST /api/v1/payouts/ answered 503 (a deadlock) while the brand approved
    another deal of the same creator. A transition locked the creator's row FOR UPDATE (Django locks every
    table a select_related joins), which blocks the foreign-key check (FOR KEY SHARE) the payout runs at
    COMMIT; the transition then waited for the creator's accounts the payout held. A transition's lock is
    FOR NO KEY UPDATE: it still excludes other transitions, and lets the payout commit."""
    from orders.services import collaborations

    creator = make_creator()
    deal_in(world, Collaboration.Status.SETTLED, creator)  # the creator has money available
    moving = deal_in({**world, "order": another_order(world)}, Collaboration.Status.SCRIPT_SUBMITTED, creator)
    available = balance("creator_available", creator=creator)
    inside, release = threading.Event(), threading.Event()
    real_move_money = collaborations.move_money

    def move_money_slowly(ctx):
        inside.set()  # the transition holds its locks now
        release.wait(timeout=30)
        return real_move_money(ctx)

    monkeypatch.setattr(collaborations, "move_money", move_money_slowly)
    results = {}

    def run(name, fn):
        try:
            results[name] = fn()
        except Exception as exc:  # asserted on below
            results[name] = exc
        finally:
            connection.close()

    mover = threading.Thread(target=run, args=("approve", lambda: act(moving, "approve_script", world["owner"])))
    mover.start()
    assert inside.wait(timeout=30)
    payer = threading.Thread(
        target=run,
        args=("payout", lambda: money.payout_request(creator_id=creator.pk, amount=available, idempotency_key=key())),
    )
    payer.start()
    payer.join(timeout=10)
    committed_while_moving = not payer.is_alive()
    release.set()
    mover.join(timeout=30)
    payer.join(timeout=30)

    assert committed_while_moving, "the payout waited for the other deal's transition"
    assert results["payout"].amount == available, results
    assert results["approve"].status == Collaboration.Status.SCRIPT_APPROVED, results
    assert balance("creator_available", creator=creator) == 0
