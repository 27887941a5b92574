"""A refused status change names the states by their labels, for every status table there is."""

import pytest
from django.db import models

from marketplace.core.errors import InvalidTransition
from marketplace.core.transitions import check_transition
from orders.services.collaborations import COLLABORATION_FLOW
from orders.services.orders import ORDER_FLOW
from payouts.services.payout import PAYOUT_FLOW
from payouts.services.wallet import HOLD_FLOW, TOPUP_FLOW

FLOWS = {
    "collaboration": COLLABORATION_FLOW,
    "order": ORDER_FLOW,
    "payout": PAYOUT_FLOW,
    "top-up": TOPUP_FLOW,
    "hold": HOLD_FLOW,
}


@pytest.mark.parametrize("flow", FLOWS.values(), ids=FLOWS.keys())
def test_a_refused_transition_names_states_by_their_labels(flow):
    choices = type(next(iter(flow)))
    assert issubclass(choices, models.Choices)
    for current in flow:
        # the stored value is a plain string (as read from the database); a step the table does not allow:
        with pytest.raises(InvalidTransition) as refused:
            check_transition(flow, current=str(current.value), to=str(current.value))

        message = str(refused.value.detail)
        assert str(current.label).lower() in message, message
        assert "_" not in message, message
