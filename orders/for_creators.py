"""What the creator page (the creators app, a layer below) reads from the deal: past collaborations for the
media kit. creators may not import orders; it reaches this through the plug-in point the wiring names
(``settings.CREATOR_RECORD``, loaded by ``marketplace.core.plugins.plugin``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orders.flows import WORK_ACCEPTED
from orders.history_import import UNKNOWN_BRAND_SLUG
from orders.models import Collaboration

PAST_SHOWN = 10


@dataclass(frozen=True)
class PastCollaboration:
    brand: str
    category: str
    finished_at: datetime | None
    post_url: str
    views: int | None
    rating: int | None
    review: str


def past_collaborations(creator_id: int, *, limit: int = PAST_SHOWN) -> list[PastCollaboration]:
    """The creator's finished collaborations, latest first: the brand, what it sold, the post, the views, and
    the brand's rating and review. Never the price (a brand's deal terms are its own); imported history
    without a known brand is left out."""
    rows = (
        Collaboration.objects.real()
        .filter(creator_id=creator_id, status__in=WORK_ACCEPTED)
        .exclude(order__brand__slug=UNKNOWN_BRAND_SLUG)
        .select_related("order__brand", "order__product_category")
        .order_by("-completed_at", "-id")[:limit]
    )
    return [
        PastCollaboration(
            brand=c.order.brand.name,
            category=c.order.product_category.name if c.order.product_category_id else "",
            finished_at=c.completed_at,
            post_url=c.post_url,
            views=c.views,
            rating=c.brand_rating,
            review=c.brand_comment,
        )
        for c in rows
    ]
