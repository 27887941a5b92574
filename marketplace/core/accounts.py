"""Sign-up and account settings. Each sign-up creates every row it needs in one transaction."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.core import audit, update_fields
from marketplace.core.models import User


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def user_create(*, email: str, password: str, full_name: str = "") -> User:
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
def user_password_changed(*, user: User) -> int:
    """What follows a new password, however it was set (the change page, a reset link, the admin,
    manage.py changepassword: ``User.save`` calls this): every API token made under the old password
    is revoked, and the failed logins counted against the account are forgotten, so its owner can log
    in at once. Returns how many tokens were revoked."""
    from marketplace.core.throttles import login_failures_clear
    from marketplace.core.tokens import api_tokens_revoke_all

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
