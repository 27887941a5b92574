"""Pay per play (Xingtu's 按播放量): the one rule on what a per-play deal pays (docs/deals.md, "Pay per play").

The brand names a base price, a price per 10,000 valid plays and a maximum per creator. The maximum is held
when the offer is sent (or the applicant selected) and goes into escrow on acceptance like any deal's price.
Fourteen days after publishing the plays are counted from the results snapshots (``count_plays``, a timer);
the deal then pays ``base + plays × rate / 10,000`` (rounded down to the minor unit), never more than the
maximum, plus its usage rights in full (``deal_amount``), and the rest of the escrow goes back to the brand.
The brand confirms the figures, or they are confirmed automatically ``CONFIRM_WITHIN`` later; a disagreement
goes to a dispute with the figures frozen. Everything that computes, checks or shows these amounts imports it
from here: the state machine, the timers, the forms, the API and the reports.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from marketplace.core import DomainError, check_amount, format_money

# The rate is a price per this many valid plays (Xingtu quotes per 万次播放).
PLAYS_UNIT = 10_000
# The plays that count are those of the first 14 days after publishing: the day-14 results snapshot.
COUNT_DAY = 14
COUNT_AFTER = timedelta(days=COUNT_DAY)
# The brand confirms the counted figures within three days, or they are confirmed automatically.
CONFIRM_WITHIN = timedelta(days=3)


def amount_for(*, base: int, rate: int, plays: int | None, cap: int) -> int:
    """What ``plays`` valid plays pay: base + plays × rate / 10,000, rounded down, at most ``cap``.
    No figures (``None``) pay the base only."""
    earned = base + (plays or 0) * rate // PLAYS_UNIT
    return min(earned, cap)


def deal_amount(collaboration, *, plays: int | None) -> int:
    """What a per-play deal pays on ``plays``: its usage rights in full, a fixed price whatever the plays
    (orders.rights, docs/deals.md "Usage rights with pay per play and deposits"), plus what the plays pay on the
    work's terms — base + plays × rate, at most the work's maximum (the price held less the rights)."""
    c = collaboration
    work_cap = c.agreed_price - c.rights_price
    return c.rights_price + amount_for(base=c.play_base, rate=c.play_rate, plays=plays, cap=work_cap)


def check_terms(*, base, rate, cap, currency: str) -> None:
    """Raise DomainError naming the field unless the terms are whole minor units: a base of zero or more, a
    rate above zero, and a maximum (``cap``) not below the base."""
    check_amount(base, field="play_base", allow_zero=True)
    check_amount(rate, field="play_rate")
    check_amount(cap, field="price")
    if base > cap:
        raise DomainError(
            _("The base price cannot be more than the maximum (%(cap)s).") % {"cap": format_money(cap, currency)},
            field="play_base",
        )


def counted_plays(collaboration) -> int | None:
    """The valid plays of the first 14 days: the views of the day-14 results snapshot as entered, imported or
    posted under the results rules (orders.services.results); ``None`` when day 14 has no figures."""
    snapshot = collaboration.results.filter(day=COUNT_DAY).only("views").first()
    return None if snapshot is None else snapshot.views


def deal_cost(collaboration, snapshots=None) -> int:
    """What a deal costs the brand, for the reports' CPM and CPE: a fixed deal its price; a per-play deal what
    it pays — the counted figures once counted, before that what its latest figures of the first 14 days
    would pay (the base when there are none), never the maximum merely held. ``snapshots``: its results."""
    c = collaboration
    if c.pricing != "per_play":
        return c.agreed_price
    if c.play_amount is not None:
        return c.play_amount
    snapshots = c.results.all() if snapshots is None else snapshots
    latest = max((s for s in snapshots if s.day <= COUNT_DAY), key=lambda s: s.day, default=None)
    plays = None if latest is None else latest.views
    return deal_amount(c, plays=plays)
