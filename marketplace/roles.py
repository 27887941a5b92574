"""Who the viewer is: staff, a brand member (with a role) or a creator."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist


@dataclass(frozen=True)
class Role:
    kind: str  # "staff", "brand", "creator" or "none"
    brand_role: str = ""  # owner / manager / viewer when kind == "brand"

    @property
    def is_brand(self) -> bool:
        return self.kind == "brand"

    @property
    def is_creator(self) -> bool:
        return self.kind == "creator"

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


def role_of(user) -> Role | None:
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_starmap_role", None)
    if cached is not None:
        return cached
    role = _resolve(user)
    user._starmap_role = role
    return role


def _resolve(user) -> Role:
    if user.is_staff:
        return Role("staff")
    try:
        membership = user.brand_membership
    except ObjectDoesNotExist:
        membership = None
    if membership is not None:
        return Role("brand", membership.role)
    try:
        user.creator  # noqa: B018 - existence check
    except ObjectDoesNotExist:
        return Role("none")
    return Role("creator")
