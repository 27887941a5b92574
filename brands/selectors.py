"""Reads on brands, scoped to the viewer."""

from __future__ import annotations

from django.db.models import QuerySet

from brands.models import BrandMembership


def membership_for_user(user) -> BrandMembership | None:
    """The viewer's seat in their brand (with the brand loaded), or None."""
    if user is None or not user.is_authenticated:
        return None
    seat = BrandMembership.user.field.remote_field  # the user's side of the one-to-one
    if seat.is_cached(user):  # loaded with the user (brands.callers)
        return seat.get_cached_value(user)
    membership = BrandMembership.objects.select_related("brand").filter(user=user).first()
    if membership is not None:
        # Fill the reverse one-to-one cache, so role_of(user) later in the request needs no query.
        user.brand_membership = membership
    return membership


def member_list(*, brand_id: int) -> QuerySet[BrandMembership]:
    return BrandMembership.objects.filter(brand_id=brand_id).select_related("user").order_by("user__email")


def member_get(*, brand_id: int, membership_id: int) -> BrandMembership | None:
    return BrandMembership.objects.select_related("user").filter(brand_id=brand_id, pk=membership_id).first()
