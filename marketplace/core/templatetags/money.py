"""``{{ amount|money:currency }}``: integer minor units shown with their currency."""

from django import template

from marketplace.core import format_money
from marketplace.core.money import currency_label as _currency_label

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """Format minor units as "CNY 1,234.50"; "—" when there is no amount."""
    if amount in (None, ""):
        return format_money(None, currency)
    return format_money(int(amount), currency)


@register.filter
def currency_label(currency: str) -> str:
    """``{{ order.currency|currency_label }}``: "CNY" in English, "¥" in zh-Hans."""
    return _currency_label(currency)
