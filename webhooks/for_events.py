"""The event sink the wiring names (``settings.EVENT_SINK``): the apps below announce facts through
``marketplace.core.events.announce``, which calls :func:`announce` here in the announcing transaction."""

from webhooks.services import event_announce


def announce(fact: str, obj) -> None:
    event_announce(fact, obj)
