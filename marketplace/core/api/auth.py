"""DRF authentication by personal API token: ``Authorization: Token smp_…`` (or ``Bearer``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from marketplace.core.models import ApiToken
from marketplace.core.roles import caller_loader
from marketplace.core.throttles import LimiterUnavailable, TokenFailureThrottle

LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        # Failed lookups are limited per client IP; past the limit even a good token waits (429).
        throttle = TokenFailureThrottle()
        try:
            locked_out = throttle.exceeded(request)
        except LimiterUnavailable:
            # Redis is down, so the count cannot be read: a token that matches still works (32 random bytes are
            # not guessed by trying), and one that does not is refused below with the 503 of a door that fails
            # closed, counted by no one and answering nothing a 401 would (docs/security.md).
            locked_out = False
        if locked_out:
            raise exceptions.Throttled(
                wait=throttle.wait(), detail=_("Too many requests with a token that is not valid from your address.")
            )
        try:
            row = self._active_token(header)
        except exceptions.AuthenticationFailed:
            throttle.allow_request(request)  # LimiterUnavailable (503) while Redis is down
            raise
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def _active_token(self, header: list[bytes]) -> ApiToken:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give exactly one token after “Token”."))
        try:
            token = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        row = caller_loader().token_with_caller(ApiToken.digest_of(token))
        if row is None or not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is not valid or was revoked."))
        return row

    def authenticate_header(self, request) -> str:
        return "Token"


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.core.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Authorization: Token smp_… (or Bearer smp_…)"}
