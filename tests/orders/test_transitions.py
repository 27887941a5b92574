"""Every (state, action, actor) of the collaboration table, generated from the table itself."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from marketplace.core import DomainError
from orders.access import ADMIN, BRAND, CREATOR, SYSTEM
from orders.models import Collaboration, Order
from orders.services.collaborations import ACTIONS, COLLABORATION_FLOW, STAYS
from payouts.models import LedgerEntry
from tests.orders.conftest import act, deal_in, deposit_order, make_creator, play_order

S = Collaboration.Status
ROLES = ("owner", "viewer", "creator", "other_creator", "admin", "system")
ROLE_SIDE = {"owner": BRAND, "creator": CREATOR, "admin": ADMIN, "system": SYSTEM}


class Rollback(Exception):
    pass


def actor_for(role, world, collaboration, other):
    return {
        "owner": world["owner"],
        "viewer": world["viewer"],
        "creator": collaboration.creator.user,
        "other_creator": other.user,
        "admin": world["admin"],
        "system": None,
    }[role]


def test_the_flow_table_is_derived_from_the_actions_and_matches_the_spec():
    assert COLLABORATION_FLOW[S.OFFERED] == {S.ACCEPTED, S.CLOSED, S.COUNTERED, S.DEPOSIT_PAID}
    assert COLLABORATION_FLOW[S.DEPOSIT_PAID] == {S.REQUOTED, S.ACCEPTED, S.CLOSED}
    assert COLLABORATION_FLOW[S.REQUOTED] == {S.DEPOSIT_PAID, S.ACCEPTED, S.CLOSED}
    assert COLLABORATION_FLOW[S.COUNTERED] == {S.ACCEPTED, S.CLOSED, S.OFFERED}
    assert COLLABORATION_FLOW[S.VIDEO_SUBMITTED] == {S.VIDEO_APPROVED, S.SCRIPT_APPROVED, S.CANCELLED, S.DISPUTED}
    assert COLLABORATION_FLOW[S.PUBLISHED] == {S.COMPLETED, S.DISPUTED}
    assert COLLABORATION_FLOW[S.COMPLETED] == {S.SETTLED, S.DISPUTED, S.PLAYS_COUNTED}
    assert COLLABORATION_FLOW[S.PLAYS_COUNTED] == {S.SETTLED, S.DISPUTED}
    assert COLLABORATION_FLOW[S.DISPUTED] == {S.RESOLVED}
    for terminal in (S.SETTLED, S.CLOSED, S.CANCELLED, S.RESOLVED):
        assert terminal not in COLLABORATION_FLOW
    # A step that keeps the status (extending the usage rights) is no edge of the flow.
    assert ACTIONS["extend_rights"].target == STAYS
    assert all(state not in targets for state, targets in COLLABORATION_FLOW.items())


P = Collaboration.Pricing
# Every state each kind of deal can reach: a fixed deal never has its plays counted nor a deposit, a
# per-play offer is never countered (its terms are the order's).
UNREACHABLE = {
    P.FIXED: {S.PLAYS_COUNTED, S.DEPOSIT_PAID, S.REQUOTED},
    P.PER_PLAY: {S.COUNTERED, S.DEPOSIT_PAID, S.REQUOTED},
    # A deposit order sends direct offers: no applications; its re-quote replaces the counter.
    P.DEPOSIT: {S.COUNTERED, S.PLAYS_COUNTED, S.APPLIED},
}
REACHABLE = [(pricing, state) for pricing in P.values for state in S.values if state not in UNREACHABLE[pricing]]
ORDER_FOR = {P.FIXED: lambda world: None, P.PER_PLAY: play_order, P.DEPOSIT: deposit_order}


@pytest.mark.parametrize(("pricing", "state"), REACHABLE)
def test_every_state_action_actor_is_allowed_exactly_as_the_table_says(world, pricing, state):
    order = ORDER_FOR[pricing](world)
    # The order states a usage right beyond the creator's post, so a deal has rights to extend once published.
    Order.objects.filter(pk=(order or world["order"]).pk).update(usage_channels=["brand_accounts"])
    if order is not None:
        order.refresh_from_db()
    c = deal_in(world, state, order=order)
    assert c.pricing == pricing
    other = make_creator()
    later = timezone.now() + timedelta(days=30)
    checked = 0
    for action, step in ACTIONS.items():
        for role in ROLES:
            actor = actor_for(role, world, c, other)
            allowed = state in step.sources and ROLE_SIDE.get(role) in step.actors and pricing in step.pricings
            entries = LedgerEntry.objects.count()
            try:
                with transaction.atomic():
                    after = act(c, action, actor, now=later if role == "system" else None)
                    assert allowed, f"{action} by {role} from {state} should be refused"
                    assert after.status in ({state} if step.target == STAYS else COLLABORATION_FLOW[state])
                    raise Rollback
            except Rollback:
                pass
            except DomainError as exc:
                assert not allowed, f"{action} by {role} from {state} was refused: {exc.detail}"
                assert exc.status in (403, 409) and exc.detail
                assert LedgerEntry.objects.count() == entries
                c.refresh_from_db()
                assert c.status == state
            checked += 1
    assert checked == len(ACTIONS) * len(ROLES)
