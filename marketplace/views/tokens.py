"""API tokens page: create (shown once), list, revoke one or all."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.core import DomainError
from marketplace.models import ApiToken
from marketplace.services.tokens import api_token_create, api_token_revoke, api_tokens_revoke_all


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    created, error = None, ""
    if request.method == "POST":
        try:
            _row, created = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except DomainError as exc:
            error = exc.detail
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")[:50]
    active = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).exists()
    context = {"tokens": tokens, "created": created, "error": error, "any_active": active}
    response = render(request, "marketplace/api_tokens.html", context)
    response["Cache-Control"] = "no-store"  # the new token is on this page exactly once
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    try:
        api_token_revoke(user=request.user, token_id=pk)
        messages.success(request, _("Token revoked; scripts using it now get 401."))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("api_tokens")


@login_required
@require_POST
def tokens_revoke_all(request):
    count = api_tokens_revoke_all(user=request.user, actor=request.user, reason="revoke_all")
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d token revoked; scripts using it now get 401.",
                "%(count)d tokens revoked; scripts using them now get 401.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("You have no active tokens."))
    return redirect("api_tokens")
