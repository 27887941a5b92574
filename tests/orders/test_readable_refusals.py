"""Refusals name a step and a status the way people say them, in their language — never by code.

Generated from the tables: every action of ``ACTIONS`` against every status it does not start from,
every side that never takes it, and every step of every status table that ``check_transition`` reads.
A new action, status or table is covered by being added.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from marketplace.core import InvalidTransition, check_transition
from orders.models import Collaboration
from orders.selectors.deals import EVENT_LABELS
from orders.services.collaborations import ACTIONS, refusal_not_now, refusal_not_yours
from orders.services.notifications import DID
from orders.services.orders import ORDER_FLOW
from orders.views.collaboration import BUTTONS, PAGE_ACTIONS
from payouts.services.payout import PAYOUT_FLOW
from payouts.services.wallet import HOLD_FLOW, TOPUP_FLOW
from tests.orders.conftest import deal_in

S = Collaboration.Status
LATIN = re.compile(r"[A-Za-z]")
FLOWS = {"collaboration": None, "order": ORDER_FLOW, "payout": PAYOUT_FLOW, "top-up": TOPUP_FLOW, "hold": HOLD_FLOW}


def _no_code(text: str, *codes: str) -> None:
    """No stored code in the words: neither ``snake_case`` nor the code itself as a word."""
    assert "_" not in text, text
    for code in codes:
        if code != code.lower() or "_" in code:
            assert code not in text, text


REFUSED_NOW = [(a, s) for a, step in ACTIONS.items() for s in S.values if s not in step.sources]


@pytest.mark.parametrize(("action", "status"), REFUSED_NOW)
def test_a_step_refused_in_a_status_names_both_in_words_in_english_and_chinese(action, status):
    with translation.override("en"):
        english = refusal_not_now(action, status)
    with translation.override("zh-hans"):
        chinese = refusal_not_now(action, status)

    assert str(ACTIONS[action].label) in english and str(S(status).label).lower() in english
    _no_code(english, action, status)
    assert not LATIN.search(chinese), chinese


@pytest.mark.parametrize("action", ACTIONS)
def test_a_step_taken_by_the_wrong_side_is_named_in_words_in_english_and_chinese(action):
    with translation.override("en"):
        english = refusal_not_yours(action)
    with translation.override("zh-hans"):
        chinese = refusal_not_yours(action)

    assert str(ACTIONS[action].label) in english
    _no_code(english, action)
    assert not LATIN.search(chinese), chinese


@pytest.mark.parametrize("action", ACTIONS)
def test_every_step_has_words_on_the_timeline_in_notifications_and_on_its_button(action):
    assert action in EVENT_LABELS and action in DID
    if action in PAGE_ACTIONS:
        assert action in BUTTONS


STATUS_STEPS = [
    (name, current, to)
    for name, flow in FLOWS.items()
    if flow is not None
    for current in {*flow, *(t for targets in flow.values() for t in targets)}
    for to in {*flow, *(t for targets in flow.values() for t in targets)}
    if to not in flow.get(current, ())
]


@pytest.mark.parametrize(("table", "current", "to"), STATUS_STEPS)
def test_a_move_no_status_table_allows_is_refused_in_words(table, current, to):
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as chinese:
        check_transition(FLOWS[table], current=current, to=to)
    with translation.override("en"), pytest.raises(InvalidTransition) as english:
        check_transition(FLOWS[table], current=current, to=to)

    _no_code(str(english.value.detail), current, to)
    assert not LATIN.search(str(chinese.value.detail)), chinese.value.detail


def test_approving_a_script_before_one_is_submitted_says_so_on_the_page_in_both_languages(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(world["owner"])
    url = reverse("deals:act", args=[c.pk, "approve_script"])

    english = client.post(url, {}, follow=True).content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.post(url, {}, follow=True).content.decode()

    assert "You cannot approve the script now: the collaboration is accepted." in english
    assert "approve script" not in english and "approve_script" not in chinese
    with translation.override("zh-hans"):
        assert refusal_not_now("approve_script", S.ACCEPTED) in chinese
