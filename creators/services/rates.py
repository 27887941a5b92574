"""The rate card and the usage-rights rates: every price a creator sets, checked against the money limits and
kept as history (an accepted price is never rewritten)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from creators.models import (
    Creator,
    RatePrice,
    RightsRate,
    UsageRight,
)
from creators.services.common import (
    check_actor,
    first_of_month,
    first_of_next_month,
    lock_creator,
    platform_today,
    touch,
)
from marketplace.core import audit
from marketplace.core.models import ContentFormat, User

# ---------------------------------------------------------------- rate card


# The bounds of one rate-card price (CNY 1.00 to CNY 10,000,000.00). The platform's limit for any amount
# (marketplace.core.MAX_AMOUNT) is far higher; a price is a single deal's.
RATE_CARD_MIN_PRICE = 100
RATE_CARD_MAX_PRICE = 1_000_000_000


def check_rate_card_price(amount: int) -> None:
    """Raise ValidationError (field ``amount``) unless ``amount`` is a whole price within the bounds."""
    from marketplace.core import format_money

    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError({"amount": _("The price must be more than zero.")})
    if not RATE_CARD_MIN_PRICE <= amount <= RATE_CARD_MAX_PRICE:
        raise ValidationError(
            {
                "amount": _("A price must be between %(low)s and %(high)s.")
                % {
                    "low": format_money(RATE_CARD_MIN_PRICE, settings.CURRENCY),
                    "high": format_money(RATE_CARD_MAX_PRICE, settings.CURRENCY),
                }
            }
        )


@transaction.atomic
def rate_card_set_price(
    *, creator: Creator, actor: User | None, format: str, amount: int | None, today: date | None = None
) -> RatePrice | None:
    """Set the creator's price for one format, following Xingtu's next-month rule; ``None`` stops offering it.

    With no price in force today (never priced, or no longer offered), the price takes effect from
    the first of this month, or from the first of next month when the format already changed this
    month. Otherwise it takes effect from the first of next month; a pending row for that month is
    replaced, and asking for the price already in force withdraws the pending change. Stopping
    follows the same rule: brands can still send offers at the price in force until next month.
    Rows already in force are never touched, so quotes in flight keep their price. Returns the row
    that carries ``amount`` (None when nothing is priced or pending). See docs/rate-card.md.
    """
    check_actor(creator, actor)
    if format not in ContentFormat.values:
        raise ValidationError({"format": _("Unknown format %(format)s.") % {"format": format}})
    if amount is not None:
        check_rate_card_price(amount)
    today = today or platform_today()
    locked = lock_creator(creator)
    rows = list(RatePrice.objects.filter(creator=locked, format=format).order_by("-effective_from"))
    in_force = next((r for r in rows if r.effective_from <= today), None)
    pending = next((r for r in reversed(rows) if r.effective_from > today), None)
    offered = in_force is not None and in_force.amount is not None
    if pending is not None and pending.amount == amount:
        return pending
    if not offered and amount is None:
        if pending is not None:
            _withdraw_pending(locked, actor, pending)
        return None
    if (in_force.amount if in_force else None) == amount:
        if pending is not None:
            _withdraw_pending(locked, actor, pending)
        return in_force
    if not offered and (in_force is None or in_force.effective_from < first_of_month(today)):
        return _add_price(locked, actor, format, amount, first_of_month(today), replaces=pending)
    return _add_price(locked, actor, format, amount, first_of_next_month(today), replaces=pending)


def _withdraw_pending(creator: Creator, actor: User | None, pending: RatePrice) -> None:
    pending.delete()
    touch(creator)
    audit(actor=actor, action="rate_card.withdraw_change", obj=creator, format=pending.format, amount=pending.amount)


def _add_price(
    creator: Creator,
    actor: User | None,
    format: str,
    amount: int | None,
    effective_from: date,
    *,
    replaces: RatePrice | None,
) -> RatePrice:
    # A pending row is not in force yet, so no quote can rest on it: replacing it is safe.
    if replaces is not None:
        replaces.delete()
    row = RatePrice(
        creator=creator, format=format, amount=amount, currency=settings.CURRENCY, effective_from=effective_from
    )
    row.full_clean(validate_unique=False)
    row.save()
    touch(creator)
    audit(
        actor=actor,
        action="rate_card.set_price" if amount is not None else "rate_card.stop_offering",
        obj=creator,
        format=format,
        amount=amount,
        currency=row.currency,
        effective_from=effective_from.isoformat(),
        replaced_amount=replaces.amount if replaces else None,
    )
    return row


@transaction.atomic
def rate_card_set_prices(
    *, creator: Creator, actor: User | None, prices: Mapping[str, int | None], today: date | None = None
) -> list[RatePrice | None]:
    """Set several formats at once, all or nothing (the rate-card form saves every format together);
    a format mapped to None stops being offered."""
    return [
        rate_card_set_price(creator=creator, actor=actor, format=fmt, amount=amount, today=today)
        for fmt, amount in prices.items()
    ]


# ------------------------------------------------------------- rights rates

# The largest share of the fee one right may cost per month: the whole fee (docs/deals.md, "Usage rights").
RIGHTS_MAX_BPS = 10_000


@transaction.atomic
def rights_rate_set(
    *,
    creator: Creator,
    actor: User | None,
    right: str,
    percent_bps: int | None = None,
    monthly_amount: int | None = None,
) -> RightsRate | None:
    """Price one usage right per month, as a share of the fee (``percent_bps``) or an amount
    (``monthly_amount``); neither stops pricing it (the right is then included at no charge). In force at once:
    deals keep the rates they were offered at. Raises ValidationError naming the field."""
    check_actor(creator, actor)
    if right not in UsageRight.values:
        raise ValidationError({"right": _("Unknown right %(right)s.") % {"right": right}})
    if percent_bps is not None and monthly_amount is not None:
        raise ValidationError({"percent_bps": _("Give a percentage or an amount per month, not both.")})
    if percent_bps is not None and (
        not isinstance(percent_bps, int) or isinstance(percent_bps, bool) or not 0 < percent_bps <= RIGHTS_MAX_BPS
    ):
        raise ValidationError({"percent_bps": _("A percentage must be more than 0 and at most 100.")})
    if monthly_amount is not None:
        check_rate_card_price(monthly_amount)
    locked = lock_creator(creator)
    old = RightsRate.objects.filter(creator=locked, right=right).first()
    if old is not None and (old.percent_bps, old.monthly_amount) == (percent_bps, monthly_amount):
        return old
    if old is not None:
        old.delete()
    row = None
    if percent_bps is not None or monthly_amount is not None:
        row = RightsRate(
            creator=locked,
            right=right,
            percent_bps=percent_bps,
            monthly_amount=monthly_amount,
            currency=settings.CURRENCY,
        )
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
    touch(locked)
    audit(
        actor=actor,
        action="rights_rate.set",
        obj=locked,
        right=right,
        percent_bps=percent_bps,
        monthly_amount=monthly_amount,
    )
    return row


@transaction.atomic
def rights_rates_set(
    *, creator: Creator, actor: User | None, rates: Mapping[str, tuple[int | None, int | None]]
) -> list[RightsRate | None]:
    """Set several rights at once, all or nothing: ``{right: (percent_bps, monthly_amount)}``."""
    return [
        rights_rate_set(creator=creator, actor=actor, right=right, percent_bps=bps, monthly_amount=amount)
        for right, (bps, amount) in rates.items()
    ]
