"""The usage rights' timers: the notice before they end and their lapse, each recorded once per end date.

The rights run from publication to ``Collaboration.rights_until`` (orders.rights prices them, the state
machine's ``extend_rights`` moves the end date and clears both marks). Each mark is claimed with a
compare-and-set UPDATE, so a second run, or two beats at once, record and tell nothing more.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import rights
from orders.models import Collaboration, CollaborationEvent
from orders.services import notifications

# What both sides read (notifications.DID holds the steps people take).
TOLD = {
    "rights_expiring": gettext_lazy("the usage rights end within 7 days: the brand may extend them"),
    "rights_lapsed": gettext_lazy(
        "the usage rights have ended: the brand may no longer use the work beyond the creator's post"
    ),
}


def rights_timers_run(*, now: datetime) -> dict[str, int]:
    """Tell both sides once before a deal's rights end, and record once that they ended."""
    due = Collaboration.objects.filter(rights_until__isnull=False)
    notices = _claim(
        due.filter(
            rights_notice_at__isnull=True,
            rights_lapsed_at__isnull=True,
            rights_until__lte=now + rights.EXPIRY_NOTICE,
            rights_until__gt=now,
        ),
        mark="rights_notice_at",
        action="rights_expiring",
        now=now,
    )
    lapsed = _claim(
        due.filter(rights_lapsed_at__isnull=True, rights_until__lte=now),
        mark="rights_lapsed_at",
        action="rights_lapsed",
        now=now,
    )
    return {"rights_notices": notices, "rights_lapsed": lapsed}


def _claim(candidates, *, mark: str, action: str, now: datetime) -> int:
    done = 0
    for pk in candidates.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            # Compare-and-set on the mark and the same end date: an extension or another run in between wins.
            c = Collaboration.objects.select_related("order", "creator").get(pk=pk)
            claimed = Collaboration.objects.filter(
                pk=pk, rights_until=c.rights_until, **{f"{mark}__isnull": True}
            ).update(**{mark: now})
            if not claimed:
                continue
            CollaborationEvent.objects.create(
                collaboration=c,
                action=action,
                old_status=c.status,
                new_status=c.status,
                data={"rights_until": c.rights_until.isoformat()},
            )
            notifications.notify(
                notifications.brand_users(c) + notifications.creator_users(c),
                kind=action,
                text=lambda c=c, action=action: _text(c, action),
                collaboration=c,
            )
        done += 1
    return done


def _text(c: Collaboration, action: str) -> str:
    return _("On “%(order)s”, %(what)s.") % {"order": c.order.title, "what": TOLD[action]}
