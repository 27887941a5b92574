"""Beat down for an hour of simulated time, then back (issue 14, fault 6): each timer fires once.

The real worker and beat processes run an hour ahead under libfaketime (``LD_PRELOAD``; the kernel's
clock, not only Python's, so freezegun's limits do not apply), while PostgreSQL and the web keep the
real time. Three deals are made due within that hour: an offer that lapses, published work the brand
has not looked at (accepted automatically after 7 days) and a script whose deadline passes. Beat is
stopped first, as if it had been down; when it comes back an hour "later" every timer is overdue.
"""

from __future__ import annotations

import glob

import pytest

from tests.faults.conftest import one, start_worker, wait_for

pytestmark = pytest.mark.slow

FAKETIME = next(iter(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")), None)
DUE_IN = "30 minutes"
RUN_TIMERS_AGAIN = """
from datetime import timedelta
from django.utils import timezone
from orders.services.deals import timers_run
timers_run(now=timezone.now() + timedelta(hours=1))
"""


# The creator of an open offer accepts it (the demo's accepted deals were all told of a deadline already;
# its creators with open offers have no login, so this one gets one first).
ACCEPT_AN_OFFER = """
import json
from django.contrib.auth import get_user_model
from orders.models import Collaboration
from orders.services.collaborations import collaboration_transition
c = Collaboration.objects.filter(status="offered").select_related("creator").order_by("-pk").first()
if c.creator.user is None:
    c.creator.user = get_user_model().objects.create_user(email=f"faults-{c.creator.pk}@creators.demo")
    c.creator.save(update_fields=["user"])
collaboration_transition(collaboration_id=c.pk, action="accept", actor=c.creator.user)
print(json.dumps(c.pk))
"""


def a_deal(sql, status: str) -> int:
    """A deal in ``status`` whose brand was not told of a missed deadline yet."""
    query = (
        "SELECT c.id FROM marketplace_collaboration c WHERE c.status = %s AND NOT EXISTS (SELECT 1 FROM "
        "marketplace_collaborationevent e WHERE e.collaboration_id = c.id AND e.action = 'deadline') ORDER BY c.id"
    )
    return one(sql, query, [status])


def events(sql, collaboration_id: int, action: str) -> int:
    query = "SELECT count(*) FROM marketplace_collaborationevent WHERE collaboration_id = %s AND action = %s"
    return one(sql, query, [collaboration_id, action])


@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed (.ci/run installs it)")
def test_beat_down_for_an_hour_then_back_fires_each_due_timer_once(stack, sql):
    accepted = stack.json(ACCEPT_AN_OFFER)
    offer, published = a_deal(sql, "offered"), a_deal(sql, "published")
    assert None not in (offer, published)
    stack.stop("beat")
    sql.run("UPDATE marketplace_collaboration SET expires_at = now() + interval %s WHERE id = %s", [DUE_IN, offer])
    sql.run(
        "UPDATE marketplace_collaboration SET published_at = now() - interval '7 days' + interval %s WHERE id = %s",
        [DUE_IN, published],
    )
    sql.run(
        "UPDATE marketplace_order SET script_by = now() + interval %s "
        "WHERE id = (SELECT order_id FROM marketplace_collaboration WHERE id = %s)",
        [DUE_IN, accepted],
    )

    stack.stop("worker")
    stack.extra_env.update(LD_PRELOAD=FAKETIME, FAKETIME="+1h", FAKETIME_DONT_FAKE_MONOTONIC="1")
    try:
        start_worker(stack)
        stack.start("beat")
        fired = {(offer, "expire"), (published, "auto_accept"), (accepted, "deadline")}
        wait_for(lambda: all(events(sql, *f) for f in fired), 120, "the overdue timers", every=1)
        # The timers run again (as beat's next tick would, an hour ahead too): nothing left to do for these.
        stack.python(RUN_TIMERS_AGAIN)
    finally:
        stack.stop("beat")
        stack.stop("worker")
        # Beat's schedule file now holds last runs an hour ahead: the real-time beat would wait an hour.
        for schedule in stack.root.glob("celerybeat-schedule*"):
            schedule.unlink()
        for name in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"):
            stack.extra_env.pop(name)
        start_worker(stack)
        stack.start("beat")

    assert {f: events(sql, *f) for f in fired} == dict.fromkeys(fired, 1)
    status = "SELECT status FROM marketplace_collaboration WHERE id = %s"
    # An offer that lapses closes; published work the brand did not look at is accepted.
    assert (one(sql, status, [offer]), one(sql, status, [published])) == ("closed", "completed")
