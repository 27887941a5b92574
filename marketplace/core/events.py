"""Facts the outside world hears of (webhooks), announced by the app that makes the change, in its transaction.

A lower app calls ``announce("collaboration.accept", collaboration)``; the module the wiring names in
``settings.EVENT_SINK`` (``webhooks.for_events``: marketplace/core/plugins.py) decides who is told and
writes the deliveries in the same transaction, so nothing is told of a change that rolls back.
"""

from __future__ import annotations

from django.conf import settings

from marketplace.core.plugins import plugin


def announce(fact: str, obj) -> None:
    if getattr(settings, "EVENT_SINK", ""):
        plugin("EVENT_SINK").announce(fact, obj)
