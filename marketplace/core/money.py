"""Money: integer minor units, their one formatter, parser and the one set of amount limits."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.errors import DomainError


def format_money(amount: int | None, currency: str) -> str:
    """Integer minor units → "CNY 1,234.50". All supported currencies have two decimals."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    return f"{sign}{currency} {whole:,}.{cents:02d}"


# The one limit on an amount of money, for every channel: web forms, the API, imports and the services.
# 10^12 minor units is ten billion in two-decimal currencies, more than any single payment here.
MAX_AMOUNT = 10**12

_MONEY_TEXT = re.compile(r"(?P<whole>[0-9]*)(?:\.(?P<frac>[0-9]*))?", re.ASCII)


def parse_money(text: str) -> int:
    """A decimal string with at most two decimals → integer minor units; ValueError otherwise.

    Parses ASCII digits as text, so no float or binary rounding is ever involved, and "١٢",
    "1e3", "NaN", "1,000" or "+5" are refused rather than guessed at.
    """
    value = text.strip()
    if len(value) > 24:
        raise ValueError(_("That amount is too large."))
    match = _MONEY_TEXT.fullmatch(value)
    if not value or match is None or not (match["whole"] or match["frac"]):
        raise ValueError(_("Enter an amount like 1200 or 1200.50."))
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise ValueError(_("Use at most two decimal places."))
    minor = int(match["whole"] or "0") * 100 + int(frac.ljust(2, "0"))
    if minor > MAX_AMOUNT:
        raise ValueError(_("That amount is too large."))
    return minor


# The one wording of "an amount must be above zero": services, web forms and the API say it alike.
AMOUNT_ABOVE_ZERO = gettext_lazy("The amount must be more than zero.")


def check_amount(amount: int, *, field: str = "amount", allow_zero: bool = False) -> None:
    """An amount a service is asked to take: whole minor units, above zero (or zero), at most MAX_AMOUNT."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DomainError(_("The amount must be a whole number of minor units."), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(str(AMOUNT_ABOVE_ZERO), field=field)
    if amount > MAX_AMOUNT:
        raise DomainError(_("That amount is too large."), field=field)


def minor_to_decimal_str(amount: int) -> str:
    """Integer minor units → "1234.50" (no grouping, no currency); "-1.50" for -150."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    return f"{sign}{whole}.{cents:02d}"
