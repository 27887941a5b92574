"""API tokens: created and revoked by their owner; stored hashed."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import DomainError, NotFound, audit
from marketplace.models import ApiToken, User

MAX_TOKENS = 20


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text, which is never stored or shown again."""
    name = (name or "").strip()
    if not name or len(name) > 80 or "\x00" in name:
        raise DomainError(_("Name the token (up to 80 characters), e.g. “reporting script”."), field="name")
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS:
        raise DomainError(_("Revoke a token first: at most %(n)s are active.") % {"n": MAX_TOKENS}, field="name")
    token = "smp_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], digest=ApiToken.digest_of(token))
    audit(actor=user, action="api_token.create", obj=row, name=name, prefix=row.prefix)
    return row, token


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    row = ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if row is None:
        raise NotFound(_("No such active token."))
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit(actor=user, action="api_token.revoke", obj=row, prefix=row.prefix)
    return row


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revoke every active token of ``user`` in one UPDATE; returns how many were active.

    ``reason`` is "revoke_all" (the tokens page) or "password_changed" (``user_password_changed``);
    ``actor`` is None when the system does it. One audit row, when there was anything to revoke.
    """
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit(actor=actor, action="api_token.revoke_all", obj=user, count=count, reason=reason)
    return count
