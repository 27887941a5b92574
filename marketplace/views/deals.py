"""Collaboration pages: the timeline and the actions the viewer may take now."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from marketplace.models import Collaboration
from marketplace.services.collaborations import allowed_actions, role_in
from marketplace.services.deals import _is_brand_viewer


@login_required
@require_GET
def collaboration_detail(request, pk: int):
    c = Collaboration.objects.select_related("order__brand", "creator").filter(pk=pk).first()
    if c is None or (role_in(c, request.user) is None and not _is_brand_viewer(c, request.user)):
        raise Http404
    context = {
        "collaboration": c,
        "events": c.events.select_related("actor"),
        "actions": allowed_actions(c, request.user),
    }
    return render(request, "deals/collaboration_detail.html", context)
