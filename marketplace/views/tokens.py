"""API tokens page: create (shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.core import DomainError
from marketplace.models import ApiToken
from marketplace.services.tokens import api_token_create, api_token_revoke


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
    response = render(request, "marketplace/api_tokens.html", {"tokens": tokens, "created": created, "error": error})
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
