"""Negotiation: the one rule on prices in every mode (docs/deals.md, "Negotiation").

A direct offer carries a price the brand chooses and a note; the creator may counter it once, within
``BAND_BPS`` of the offered price and before the offer lapses (``OFFER_TTL`` after it was sent). A
recruitment application quotes within the same band of the listed price; a re-quote of a deposit
reuses it. Everything that checks a counter, a quote or a note imports it from here: the services,
the forms (for their hints) and the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from marketplace.core import DomainError, check_amount, format_money
from orders import rights

# How far a counter (or a quote) may be from the price it answers: 20 % below or above.
BAND_BPS = 2000
# How long an offer (and the negotiation on it) or an application stays open.
OFFER_TTL = timedelta(hours=72)
# How many times the creator may counter one offer.
COUNTERS_ALLOWED = 1
# The longest note with an offer or a counter.
NOTE_MAX_CHARS = 2000


def price_band(reference: int) -> tuple[int, int]:
    """The lowest and highest price that answers ``reference`` (the band is rounded down, towards it)."""
    band = reference * BAND_BPS // 10_000
    return reference - band, reference + band


def check_in_band(amount: int, *, reference: int, currency: str, field: str) -> None:
    """Raise DomainError on ``field`` unless ``amount`` is whole minor units within the band of ``reference``."""
    check_amount(amount, field=field)
    low, high = price_band(reference)
    if not low <= amount <= high:
        raise DomainError(
            _("Give a price between %(low)s and %(high)s (±20 %% of %(reference)s).")
            % {
                "low": format_money(low, currency),
                "high": format_money(high, currency),
                "reference": format_money(reference, currency),
            },
            field=field,
        )


def clean_note(note: str | None, *, field: str = "note", required: bool = False) -> str:
    """A note with an offer or a counter: stripped, at most NOTE_MAX_CHARS, no NUL; optional unless ``required``."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS or "\x00" in note or (required and not note):
        raise DomainError(
            _("Write a note of up to %(n)s characters.") % {"n": f"{NOTE_MAX_CHARS:,}"},
            field=field,
        )
    return note


def counter_refusal(*, counters_made: int, expires_at: datetime | None, now: datetime) -> str:
    """Why the creator may not counter now ("" when they may): once only, and while the offer is open."""
    if counters_made >= COUNTERS_ALLOWED:
        return _("You can counter an offer once, and you already did.")
    if expires_at is not None and now > expires_at:
        return _("This offer has expired.")
    return ""


def rights_quote(*, order, creator, work_price: int) -> rights.RightsQuote:
    """The usage rights an offer or an application adds to ``work_price`` (orders.rights prices them): the deal's
    price, the hold and the band a counter is checked against are the work plus this."""
    return rights.quote(order=order, creator=creator, work_price=work_price)


def check_counter_covers_rights(amount: int, *, rights_price: int, currency: str, field: str) -> None:
    """A counter is the deal's whole price: it must leave something for the work beyond the usage rights,
    which keep the price they were offered at (docs/deals.md, "Usage rights")."""
    if rights_price and amount <= rights_price:
        raise DomainError(
            _("Give more than the usage rights alone cost (%(rights)s).")
            % {"rights": format_money(rights_price, currency)},
            field=field,
        )
