"""Sign-up and account settings. Each sign-up creates every row it needs in one transaction."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from brands.models import BrandMembership
from brands.services import brand_create
from creators.models import Creator
from marketplace.core import audit, update_fields
from marketplace.models import User


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def _user_create(*, email: str, password: str, full_name: str = "") -> User:
    """A new user with ``password`` (already checked by the password validators)."""
    email = User.objects.normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    user = User(email=email, full_name=full_name.strip())
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def brand_signup(*, email: str, password: str, full_name: str, brand_name: str) -> BrandMembership:
    """Create the user, their brand (with a unique slug) and their owner seat in it."""
    user = _user_create(email=email, password=password, full_name=full_name)
    brand_create(name=brand_name, owner=user)
    audit(actor=user, action="account.signed_up", obj=user, kind="brand")
    return BrandMembership.objects.select_related("brand", "user").get(user=user)


@transaction.atomic
def creator_signup(*, email: str, password: str, display_name: str, handle: str) -> Creator:
    """Create the user and the creator profile linked to it."""
    handle = handle.strip().lower()
    if Creator.objects.filter(handle__iexact=handle).exists():
        raise ValidationError({"handle": _("This handle is taken.")})
    user = _user_create(email=email, password=password, full_name=display_name)
    creator = Creator(user=user, handle=handle, display_name=display_name.strip())
    creator.full_clean()
    creator.save()
    audit(actor=user, action="account.signed_up", obj=user, kind="creator", handle=handle)
    return creator


@transaction.atomic
def user_password_changed(*, user: User) -> int:
    """What follows a new password, however it was set (the change page, a reset link, the admin,
    manage.py changepassword: ``User.save`` calls this): every API token made under the old password
    is revoked, and the failed logins counted against the account are forgotten, so its owner can log
    in at once. Returns how many tokens were revoked."""
    from marketplace.services.tokens import api_tokens_revoke_all
    from marketplace.throttles import login_failures_clear

    login_failures_clear(user.email)
    return api_tokens_revoke_all(user=user, actor=None, reason="password_changed")


@transaction.atomic
def user_update_settings(*, user: User, full_name: str, time_zone: str) -> User:
    """Change the name and the time zone that pages show times in."""
    if time_zone not in time_zone_names():
        raise ValidationError({"time_zone": _("Choose a valid time zone.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    update_fields(user, full_name=full_name.strip(), time_zone=time_zone)
    audit(actor=user, action="account.settings_changed", obj=user, time_zone=time_zone)
    return user
