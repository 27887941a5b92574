"""The secret address of a user's deadlines calendar: made, replaced and stopped by its owner only."""

from __future__ import annotations

import secrets

from django.db import transaction

from marketplace.core import audit
from marketplace.core.models import User
from orders.models import CalendarFeed


@transaction.atomic
def calendar_feed_renew(*, user: User) -> str:
    """A new secret token for ``user``'s feed; any address given before stops working. Returns the token,
    which is shown once and stored only as its digest."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"digest": CalendarFeed.digest_of(token)})
    audit(actor=user, action="calendar_feed.renew", obj=user)
    return token


@transaction.atomic
def calendar_feed_stop(*, user: User) -> bool:
    """No feed for ``user`` any more; returns whether there was one."""
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        audit(actor=user, action="calendar_feed.stop", obj=user)
    return bool(deleted)
