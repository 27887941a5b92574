"""The viewer's notifications: the list, mark all read, and open one (which marks it read)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core.models import Notification
from marketplace.core.web import paginate
from orders.selectors import deals as reads
from orders.services.notifications import notifications_mark_read

PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request):
    page = paginate(request, reads.notifications_for_user(user=request.user), per_page=PAGE_SIZE)
    return render(request, "orders/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("deals:notifications")


@login_required
@require_GET
def notification_open(request, pk: int):
    """Go where the notification points, marking it read on the way (a link, so it works without JS)."""
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise Http404
    notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    # Stored URLs are our own paths; anything else goes back to the list.
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("deals:notifications")
    return redirect(target)
