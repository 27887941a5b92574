"""Submission contests (投稿) and CPM submissions: publishing, entering, results, ranking, paying.

Two status fields, two tables in the shape every status table has (``Step`` of the collaboration
machine: sources, target, who, money): ``CONTEST_ACTIONS`` for the contest and ``ENTRY_ACTIONS`` for an
entry. ``contest_transition`` and ``entry_transition`` are the only code that changes them: lock the
row, check the side, the state, the deadline; move the money through the payouts services in the same
transaction; write the event and audit rows. The timers (ranking at the end of the counting window,
confirmation three days later) call the same function with ``actor=None``. docs/deals.md has every rule.

The package: ``steps.py`` (the tables, the sides, the refusals), ``publishing.py``, ``entries.py`` and
``settling.py`` (the contest's own steps, the ranking and awards, the timers).
"""

from orders.services.contests.entries import contest_enter, entry_transition
from orders.services.contests.publishing import ContestTerms, contest_publish, contest_terms_pool
from orders.services.contests.settling import (
    awards,
    contest_timers_run,
    contest_transition,
    entries_for_viewer,
    ranking,
)
from orders.services.contests.steps import (
    CONFIRM_AFTER,
    CONTEST_ACTIONS,
    CONTEST_FLOW,
    CPM_DAY,
    ENTRY_ACTIONS,
    ENTRY_FLOW,
    ENTRY_NEEDS_CONTEST,
    MAX_PLACES,
    RESULTS_GRACE,
    C,
    E,
    allowed_contest_actions,
    allowed_entry_actions,
    contest_side,
    entry_side,
    min_cpm,
)

__all__ = [
    "CONFIRM_AFTER",
    "CONTEST_ACTIONS",
    "CONTEST_FLOW",
    "CPM_DAY",
    "ENTRY_ACTIONS",
    "ENTRY_FLOW",
    "ENTRY_NEEDS_CONTEST",
    "MAX_PLACES",
    "RESULTS_GRACE",
    "C",
    "ContestTerms",
    "E",
    "allowed_contest_actions",
    "allowed_entry_actions",
    "awards",
    "contest_enter",
    "contest_publish",
    "contest_side",
    "contest_terms_pool",
    "contest_timers_run",
    "contest_transition",
    "entries_for_viewer",
    "entry_side",
    "entry_transition",
    "min_cpm",
    "ranking",
]
