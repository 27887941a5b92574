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
from tests.orders.conftest import act, deal_in, make_creator

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
    assert COLLABORATION_FLOW[S.OFFERED] == {S.ACCEPTED, S.CLOSED, S.COUNTERED}
    assert COLLABORATION_FLOW[S.COUNTERED] == {S.ACCEPTED, S.CLOSED, S.OFFERED}
    assert COLLABORATION_FLOW[S.VIDEO_SUBMITTED] == {S.VIDEO_APPROVED, S.SCRIPT_APPROVED, S.CANCELLED, S.DISPUTED}
    assert COLLABORATION_FLOW[S.PUBLISHED] == {S.COMPLETED, S.DISPUTED}
    assert COLLABORATION_FLOW[S.COMPLETED] == {S.SETTLED, S.DISPUTED}
    assert COLLABORATION_FLOW[S.DISPUTED] == {S.RESOLVED}
    for terminal in (S.SETTLED, S.CLOSED, S.CANCELLED, S.RESOLVED):
        assert terminal not in COLLABORATION_FLOW
    # A step that keeps the status (extending the usage rights) is no edge of the flow.
    assert ACTIONS["extend_rights"].target == STAYS
    assert all(state not in targets for state, targets in COLLABORATION_FLOW.items())


@pytest.mark.parametrize("state", list(S.values))
def test_every_state_action_actor_is_allowed_exactly_as_the_table_says(world, state):
    # The order states a usage right beyond the creator's post, so a deal has rights to extend once published.
    Order.objects.filter(pk=world["order"].pk).update(usage_channels=["brand_accounts"])
    c = deal_in(world, state)
    other = make_creator()
    later = timezone.now() + timedelta(days=30)
    checked = 0
    for action, step in ACTIONS.items():
        for role in ROLES:
            actor = actor_for(role, world, c, other)
            allowed = state in step.sources and ROLE_SIDE.get(role) in step.actors
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
