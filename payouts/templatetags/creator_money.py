"""``{% creator_take amount currency fee_bps as take %}``: gross, platform fee and net of a price, split by
the ledger's own rule (payouts.selectors.creator_take)."""

from django import template

from payouts.selectors import CreatorTake, creator_take

register = template.Library()


@register.simple_tag(name="creator_take")
def creator_take_tag(amount: int, currency: str, fee_bps: int | None = None) -> CreatorTake:
    # A card rendered without the hold's rate (no hold yet, or not annotated) shows today's platform fee.
    return creator_take(amount=amount, currency=currency, fee_bps=fee_bps if isinstance(fee_bps, int) else None)
