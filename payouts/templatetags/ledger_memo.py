"""``{{ tx|memo_text:currency }}``: a ledger transaction's memo in the reader's terms (payouts.memos)."""

from django import template

from payouts.memos import memo_text as _memo_text

register = template.Library()


@register.filter
def memo_text(tx, currency: str) -> str:
    return _memo_text(tx, currency)
