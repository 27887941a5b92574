"""``{% creator_take amount currency fee_bps agency_bps as take %}``: gross, platform fee, agency share and net
of a price, split by the ledger's own rule (payouts.selectors.creator_take)."""

from django import template

from payouts.selectors import CreatorTake, creator_take

register = template.Library()


@register.simple_tag(name="creator_take")
def creator_take_tag(amount: int, currency: str, fee_bps: int | None = None, agency_bps: int | None = 0) -> CreatorTake:
    # A card rendered without the hold's rate (no hold yet) shows today's platform fee; without an agency, none.
    return creator_take(
        amount=amount,
        currency=currency,
        fee_bps=fee_bps if isinstance(fee_bps, int) else None,
        agency_bps=agency_bps if isinstance(agency_bps, int) else 0,
    )
