"""Usage rights as priced terms: the one place that prices them (docs/deals.md, "Usage rights").

An order states the channels the brand may use the work on, for how many days, and whether paid-ad
authorisation (Spark-Ads-style codes) is included. Each right beyond the creator's own account is priced
from the creator's rates (``creators.RightsRate``) per started month of use: a share of the fee for the
work (rounded down to the minor unit) or an amount. Unpriced rights are included at no charge. The offer,
an application, the negotiation rule and the held amount all read ``quote``; an extension reads
``extension_price``; nothing else computes a rights price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from creators.models import Creator, RightsRate, UsageRight
from marketplace.core import DomainError, check_amount

# A month of use, for pricing and for extensions: 30 days. A period is priced by its started months.
MONTH_DAYS = 30
# How long before the rights end both sides are told (once).
EXPIRY_NOTICE = timedelta(days=7)
# The longest single extension, in months.
MAX_EXTENSION_MONTHS = 12
# The order's channel that the fee for the work already covers (the creator's own post).
OWN_ACCOUNT = "creator_account"


@dataclass(frozen=True)
class RightsQuote:
    terms: dict  # what the deal stores (Collaboration.rights_terms): days, months and one line per right
    price: int  # the sum of the lines' prices, minor units


def months_for(days: int) -> int:
    """Started months of use in ``days`` (at least one)."""
    return max(1, -(-int(days) // MONTH_DAYS))


def line_price(line: dict, *, work_price: int, months: int) -> int:
    """One right for ``months``: the share of the fee rounded down to the minor unit, or the amount."""
    if line.get("percent_bps"):
        return work_price * line["percent_bps"] * months // 10_000
    return (line.get("monthly_amount") or 0) * months


def order_rights(order) -> list[str]:
    """The rights an order asks for, in the catalogue's order: its channels beyond the creator's own account,
    then paid-ad authorisation when it is included."""
    wanted = {c for c in order.usage_channels if c != OWN_ACCOUNT}
    if order.paid_ads_authorised:
        wanted.add(UsageRight.AD_AUTHORISATION)
    return [r for r in UsageRight.values if r in wanted]


def quote(*, order, creator: Creator, work_price: int) -> RightsQuote:
    """The rights the order states, priced at the creator's rates today on ``work_price``. A deal on an order
    that asks for no right beyond the creator's own post has empty terms and costs nothing more."""
    rights = order_rights(order)
    if not rights or order.usage_days <= 0:  # no right beyond the post, or none for any time
        return RightsQuote(terms={}, price=0)
    rates = {r.right: r for r in RightsRate.objects.filter(creator=creator, right__in=rights)}
    months = months_for(order.usage_days)
    lines = []
    for right in rights:
        rate = rates.get(right)
        line = {
            "right": right,
            "percent_bps": rate.percent_bps if rate else None,
            "monthly_amount": rate.monthly_amount if rate else None,
        }
        line["price"] = line_price(line, work_price=work_price, months=months)
        lines.append(line)
    price = sum(line["price"] for line in lines)
    check_amount(work_price + price, field="price")
    return RightsQuote(terms={"days": order.usage_days, "months": months, "lines": lines}, price=price)


def extension_price(collaboration, *, months: int) -> int:
    """What ``months`` more of the deal's rights cost: its own lines at the rates it was agreed at, on its fee
    for the work. Raises DomainError (field ``months``) outside 1..MAX_EXTENSION_MONTHS."""
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise DomainError(
            _("Extend by 1 to %(n)s months.") % {"n": MAX_EXTENSION_MONTHS},
            field="months",
        )
    work = collaboration.work_price
    return sum(line_price(line, work_price=work, months=months) for line in collaboration.rights_terms["lines"])


def extended_until(collaboration, *, months: int, now: datetime) -> datetime:
    """The new end of the rights: ``months`` after the current end, or after now when they have lapsed."""
    return max(collaboration.rights_until, now) + timedelta(days=MONTH_DAYS * months)


def right_label(right: str) -> str:
    return str(UsageRight(right).label) if right in UsageRight.values else right


def contract(collaboration, *, now: datetime) -> dict | None:
    """The deal's terms as both sides agreed them, for the collaboration page and the API: the fee for the work,
    each right with its rate and price, the total held, the period of use and when each side agreed. None for a
    deal whose order asked for no right beyond the creator's own post."""
    c = collaboration
    if not c.rights_terms:
        return None
    offer = c.origin == c.Origin.OFFER
    return {
        "work_price": c.work_price,
        "rights_price": c.rights_price,
        "total": c.agreed_price,
        "days": c.rights_terms["days"],
        "months": c.rights_terms["months"],
        "lines": [
            {
                "right": line["right"],
                "label": right_label(line["right"]),
                "percent": line["percent_bps"] / 100 if line.get("percent_bps") else None,
                "monthly_amount": line.get("monthly_amount"),
                "price": line["price"],
            }
            for line in c.rights_terms["lines"]
        ],
        # A direct offer is the brand's terms, accepted by the creator; an application the creator's, which the
        # brand accepts by selecting it.
        "brand_agreed_at": c.offered_at if offer else c.accepted_at,
        "creator_agreed_at": c.accepted_at if offer else c.offered_at,
        "agreed": bool(c.accepted_at),
        "rights_until": c.rights_until,
        "in_force": bool(c.rights_until and c.rights_until > now),
        "lapsed": bool(c.rights_until and c.rights_until <= now),
    }
