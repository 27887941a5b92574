"""Money: integer minor units, their one formatter, parser and the one set of amount limits."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _

from marketplace.core.errors import DomainError

# English pages write the ISO code ("CNY 1,234.50"): "CN¥" or "¥" alone is ambiguous to readers of
# English (yen, yuan); every other language writes the locale's own form (zh-Hans: "¥1,234.50").
ISO_CODE_PATTERN = "¤¤ #,##0.00"


@cache
def _babel_locale(language: str) -> Locale:
    return Locale.parse(to_locale(language))


def format_money(amount: int | None, currency: str) -> str:
    """Integer minor units → the amount in the active language's form: "CNY 1,234.50" in English,
    "¥1,234.50" in zh-Hans (Babel, from CLDR). All supported currencies have two decimals."""
    if amount is None:
        return "—"
    value = Decimal(int(amount)).scaleb(-2)
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language.startswith("en"):
        return format_currency(value, currency, format=ISO_CODE_PATTERN, locale="en", currency_digits=False)
    return format_currency(value, currency, locale=_babel_locale(language), currency_digits=False)


def currency_label(currency: str) -> str:
    """The currency as labels and headings name it in the active language: "CNY" in English, "¥" in
    zh-Hans (the symbol format_money writes), e.g. "Amount (CNY)" / "金额（¥）"."""
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language.startswith("en"):
        return currency
    return get_currency_symbol(currency, locale=_babel_locale(language))


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
