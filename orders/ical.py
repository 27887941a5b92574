"""Deadlines as an iCalendar file (RFC 5545), written by the ``icalendar`` library."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from marketplace.core import site_url
from orders.selectors.deadlines import Deadline

PRODID = "-//Starmap//Deadlines//EN"


def deadlines_ics(deadlines: Iterable[Deadline], *, name: str, host: str, now: datetime | None = None) -> bytes:
    """One VEVENT per deadline: a moment is a zero-length event in UTC, the publish window whole days.

    UIDs are stable (``<kind and id>@<host>``), so a calendar that refreshes the feed updates its events.
    """
    stamp = (now or timezone.now()).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for item in deadlines:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", f"{item.what} · {item.order_title}")
        if item.at is not None:
            event.add("dtstart", item.at.astimezone(UTC))
            event.add("dtend", item.at.astimezone(UTC))
        else:
            event.add("dtstart", item.day)
            event.add("dtend", (item.last_day or item.day) + timedelta(days=1))  # DTEND of a date is exclusive
        description = " · ".join(part for part in (item.party, item.order_title) if part)
        event.add("description", description)
        event.add("url", site_url(item.url))
        calendar.add_component(event)
    return calendar.to_ical()
