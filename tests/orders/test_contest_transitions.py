"""Every contest state × action × actor, and every entry state × action × actor: the table says allowed or
refused, and a refused step changes nothing and writes no ledger entry. Built from the tables, so a state,
an action or a side added later is covered too."""

from datetime import timedelta

import pytest
from django.db import transaction

from marketplace.core import InvalidTransition, NotAllowed
from orders.access import ADMIN, BRAND, CREATOR, SYSTEM
from orders.models import Contest, ContestEntry
from orders.services import contests
from payouts.models import LedgerEntry
from tests.orders.conftest import make_creator
from tests.orders.contest_helpers import enter, publish, rank, rank_time, report

C, E = Contest.Status, ContestEntry.Status
ACTORS = ("owner", "viewer", "entrant", "stranger", "admin", "system")
SIDE = {"owner": BRAND, "entrant": CREATOR, "admin": ADMIN, "system": SYSTEM}  # the viewer and stranger have none
CHECKED = {"contest": 0, "entry": 0}


class Undo(Exception):
    """Raised to roll a tried step back, so the next one starts from the same state."""


def contest_in(world, state: str):
    contest = publish(world)
    entry = enter(contest) if state != C.CANCELLED else None
    if entry is not None:
        report(entry, 1_000)
    if state == C.CANCELLED:
        contests.contest_transition(contest_id=contest.pk, action="cancel", actor=world["owner"])
    if state in (C.RANKED, C.DISPUTED, C.SETTLED):
        rank(contest)
    if state == C.DISPUTED:
        contests.contest_transition(contest_id=contest.pk, action="dispute", actor=world["owner"], comment="Why.")
    if state == C.SETTLED:
        contests.contest_transition(contest_id=contest.pk, action="confirm", actor=world["owner"])
    contest.refresh_from_db()
    assert contest.status == state
    return contest, entry


def actors(world, entry):
    return {
        "owner": world["owner"],
        "viewer": world["viewer"],
        "entrant": entry.creator.user if entry else make_creator().user,
        "stranger": make_creator().user,
        "admin": world["admin"],
        "system": None,
    }


def attempt(fn, *, allowed: bool, refused_by: type[Exception] | None, read_status):
    """Run one step in a savepoint rolled back afterwards; check refusals change nothing, move no money."""
    ledger_before, status_before = LedgerEntry.objects.count(), read_status()
    outcome = None
    try:
        with transaction.atomic():
            try:
                fn()
                outcome = "done"
            except (NotAllowed, InvalidTransition) as exc:
                outcome = exc
                assert LedgerEntry.objects.count() == ledger_before
                assert read_status() == status_before
            except Exception as exc:  # a guard beyond the table (a deadline, a missing pick): still refused
                outcome = exc
            raise Undo
    except Undo:
        pass
    if allowed:
        assert not isinstance(outcome, NotAllowed | InvalidTransition), outcome
    else:
        assert isinstance(outcome, refused_by), outcome


@pytest.mark.parametrize("state", list(C))
def test_every_contest_action_by_every_actor(world, state):
    contest, entry = contest_in(world, state)
    people = actors(world, entry)
    late = rank_time(contest) + timedelta(days=30)  # every deadline passed: only the table and the side decide

    for action, step in contests.CONTEST_ACTIONS.items():
        for who in ACTORS:
            side_ok = SIDE.get(who) in step.actors
            if who == "entrant" and entry is None:
                side_ok = False  # no entry, no side
            state_ok = state in step.sources
            attempt(
                lambda a=action, w=who: contests.contest_transition(
                    contest_id=contest.pk, action=a, actor=people[w], comment="Why.", now=late
                ),
                allowed=side_ok and state_ok,
                refused_by=NotAllowed if not side_ok else InvalidTransition,
                read_status=lambda: Contest.objects.get(pk=contest.pk).status,
            )
            CHECKED["contest"] += 1


ENTRY_STATES = {
    E.SUBMITTED: None,
    E.WITHDRAWN: ("withdraw", "entrant"),
    E.REMOVED: ("report_removed", "owner"),
    E.AWARDED: "settle",
    E.UNPLACED: "settle",
}


@pytest.mark.parametrize("state", list(E))
def test_every_entry_action_by_every_actor(world, state):
    contest = publish(world)
    entry, other = enter(contest), enter(contest)
    report(other, 500)
    people = actors(world, entry)
    how = ENTRY_STATES[state]
    if state == E.AWARDED:
        report(entry, 1_000)
    if how == "settle":
        rank(contest)
        contests.contest_transition(contest_id=contest.pk, action="confirm", actor=world["owner"])
    elif how:
        contests.entry_transition(entry_id=entry.pk, action=how[0], actor=people[how[1]], comment="Gone.")
    entry.refresh_from_db()
    contest.refresh_from_db()
    assert entry.status == state

    for action, step in contests.ENTRY_ACTIONS.items():
        for who in ACTORS:
            side_ok = SIDE.get(who) in step.actors
            state_ok = state in step.sources
            attempt(
                lambda a=action, w=who: contests.entry_transition(
                    entry_id=entry.pk,
                    action=a,
                    actor=people[w],
                    comment="Gone.",
                    payload={"views": 2_000, "likes": 1},
                    now=entry.published_at + timedelta(days=8),
                ),
                allowed=side_ok and state_ok and contest.status in contests.ENTRY_NEEDS_CONTEST[action],
                refused_by=NotAllowed if not side_ok else InvalidTransition,
                read_status=lambda: ContestEntry.objects.get(pk=entry.pk).status,
            )
            CHECKED["entry"] += 1


def test_the_matrix_covers_every_state_action_and_actor():
    assert len(C) * len(contests.CONTEST_ACTIONS) * len(ACTORS) == 5 * 6 * 6
    assert len(E) * len(contests.ENTRY_ACTIONS) * len(ACTORS) == 5 * 5 * 6
