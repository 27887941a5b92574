"""Who the viewer is: staff, a brand member (with a role), a creator or an agency member."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist

from marketplace.core.plugins import plugin


@dataclass(frozen=True)
class Role:
    kind: str  # "staff", "brand", "creator", "agency" or "none"
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

    @property
    def is_agency(self) -> bool:
        return self.kind == "agency"


def role_of(user) -> Role | None:
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_starmap_role", None)
    if cached is not None:
        return cached
    role = _resolve(user)
    user._starmap_role = role
    return role


def has_a_part(user) -> bool:
    """Whether the account already plays a part on Starmap: staff, a brand seat, a creator profile or an
    agency seat. A person uses one account per role, so such an account takes no other (brands.services
    brand_create and brand_member_add, agencies.services.agency_create): the one home of that rule.
    Resolved afresh, not from the per-request cache, so a service sees what the database holds now."""
    return _resolve(user).kind != "none"


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
        pass
    else:
        return Role("creator")
    try:  # the agencies app's seat (the reverse accessor; the kernel imports no app)
        user.agency_membership  # noqa: B018 - existence check
    except ObjectDoesNotExist:
        return Role("none")
    return Role("agency")


def caller_loader() -> ModuleType:
    """The module that loads a caller with their brand seat in one query (``user_with_seat(user_id)``,
    ``token_with_caller(digest)``). Brand seats are the brands app's, which the kernel does not import:
    the wiring names the loader in ``settings.CALLER_LOADER`` (brands.callers)."""
    return plugin("CALLER_LOADER")


class CallerBackend(AxesStandaloneBackend, ModelBackend):
    """Django's model backend (e-mail and password) behind django-axes' lockout check, whose session user
    arrives with the brand seat loaded (``caller_loader``), so a page's role checks need
    no query of their own.

    It is the only backend, so axes sees every ``authenticate()`` (the login page, the Django admin's,
    any other caller, which must pass the request) and ``login()`` needs no backend name.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Raises PermissionDenied for a locked-out account or client, before the password is checked.
        AxesStandaloneBackend.authenticate(self, request, username=username, password=password, **kwargs)
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        user = caller_loader().user_with_seat(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
