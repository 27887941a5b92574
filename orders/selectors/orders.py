"""Reads on orders, always scoped to the viewer's brand; and the creator's dashboard counts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from brands.selectors import membership_for_user
from creators.models import Creator
from creators.selectors import CreatorDashboard, creator_dashboard
from orders import flows
from orders.models import Collaboration, Order, OrderEvent, OrderTargetLabel


def order_list_for_brand(*, brand_id: int, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(brand_id=brand_id).select_related("product_category")
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def order_status_counts(*, brand_id: int) -> dict[str, int]:
    """Status → number of the brand's orders, with a zero for every status."""
    counts = dict.fromkeys(Order.Status.values, 0)
    rows = Order.objects.filter(brand_id=brand_id).values("status").annotate(n=Count("id")).order_by()
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def order_get_for_user(*, user, pk: int) -> Order:
    """The order ``pk`` if it belongs to the brand ``user`` is a member of; Http404 otherwise.

    Another brand's order and a missing one look the same, so ids reveal nothing.
    """
    if user is None or not user.is_authenticated:
        raise Http404
    order = (
        Order.objects.select_related("brand", "product_category", "created_by")
        .filter(pk=pk, brand__memberships__user=user)
        .first()
    )
    if order is None:
        raise Http404
    return order


def order_get_for_member(*, user, pk: int) -> Order | None:
    """The order ``pk`` if ``user`` is a member of its brand, with ``member_role`` (their role); else None.

    A user has at most one brand seat, usually loaded with the user (``brands.callers``),
    so this is one query for the order, and none for a caller without a seat.
    """
    seat = membership_for_user(user)
    if seat is None:
        return None
    order = (
        Order.objects.select_related("brand", "product_category", "created_by")
        .filter(pk=pk, brand_id=seat.brand_id)
        .first()
    )
    if order is not None:
        order.member_role = seat.role
    return order


def order_target_labels(*, order_id: int) -> QuerySet[OrderTargetLabel]:
    return OrderTargetLabel.objects.filter(order_id=order_id).select_related("label").order_by("-weight", "label__path")


def order_events(*, order_id: int) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(order_id=order_id).select_related("actor").order_by("created_at", "id")


def creator_home(creator: Creator) -> CreatorDashboard:
    """The creator's dashboard: their profile checklist (creators.selectors) and their deal counts, work
    that takes a place of their capacity and offers awaiting their answer (3 queries)."""
    counts = Collaboration.objects.filter(creator=creator).aggregate(
        active=flows.CAPACITY_USED,
        offers=Count("pk", filter=Q(status__in=flows.AWAITING_CREATOR)),
    )
    return creator_dashboard(creator, active_collaborations=counts["active"], open_offers=counts["offers"])
