"""What must hold after any fault: the checks the fault tests and the soak run on a stack when it is quiet.

    python manage.py shell -c "from marketplace.dev.invariants import report; report()"

prints one JSON object: ``problems`` (a list of sentences, empty when all is well) and ``counts``. The
checks read what is stored; none of them trusts a process that may have died:

- the ledger: ``payouts.selectors.ledger_check`` (what `manage.py ledger_verify` prints), which also
  compares every balance with what the holds, top-ups and payouts imply;
- every collaboration is in one of its flow's states, and its event log ends in that state (a
  transition half-written would leave them apart);
- every payout sent was paid out once: one payout posting, and it is not left claimed;
- nothing is stuck: no ranking run queued or running, no outbox message unacknowledged, no payout
  requested or sending, older than ``quiet_after`` seconds.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from marketplace.core.models import OutboxMessage
from matching.models import RankingRun
from orders.models import Collaboration, CollaborationEvent
from payouts import selectors
from payouts.models import LedgerTransaction, Payout


def problems(*, quiet_after: float = 60) -> tuple[list[str], dict[str, int]]:
    found: list[str] = []
    _, ledger = selectors.ledger_check()
    found += [f"ledger: {p}" for p in ledger]

    statuses = set(Collaboration.Status.values)
    last_event = CollaborationEvent.objects.filter(collaboration=OuterRef("pk")).order_by("-created_at", "-id")
    deals = Collaboration.objects.annotate(last=Subquery(last_event.values("new_status")[:1]))
    for pk, status, last in deals.values_list("pk", "status", "last"):
        if status not in statuses:
            found.append(f"collaboration {pk}: status {status!r} is not one of its flow's")
        elif last is not None and last != status:
            found.append(f"collaboration {pk}: status {status!r} but its last event says {last!r}")

    sent = Payout.objects.filter(status=Payout.Status.SENT).annotate(
        postings=Count("transactions", filter=Q(transactions__kind=LedgerTransaction.Kind.PAYOUT))
    )
    for pk, postings in sent.exclude(postings=1).values_list("pk", "postings"):
        found.append(f"payout {pk}: sent with {postings} payout postings")

    before = timezone.now() - timedelta(seconds=quiet_after)
    stuck = {
        "ranking run": RankingRun.objects.filter(
            status__in=[RankingRun.Status.QUEUED, RankingRun.Status.RUNNING], created_at__lt=before
        ),
        "outbox message": OutboxMessage.objects.filter(acknowledged_at__isnull=True, created_at__lt=before),
        "payout": Payout.objects.filter(
            status__in=[Payout.Status.REQUESTED, Payout.Status.SENDING], created_at__lt=before
        ),
    }
    for what, rows in stuck.items():
        for pk, created in rows.values_list("pk", "created_at"):
            found.append(f"{what} {pk}: stuck since {created:%H:%M:%S}")

    counts = {
        "collaborations": deals.count(),
        "payouts_sent": sent.count(),
        "ranking_runs_done": RankingRun.objects.filter(status=RankingRun.Status.DONE).count(),
    }
    return found, counts


def report(quiet_after: float = 60) -> None:
    found, counts = problems(quiet_after=quiet_after)
    print(json.dumps({"problems": found, "counts": counts}))
