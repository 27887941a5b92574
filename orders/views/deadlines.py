"""Deadlines: the list for a creator or a brand member, and their calendar at a secret, revocable address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core.web import paginate
from orders.ical import deadlines_ics
from orders.models import CalendarFeed
from orders.selectors.deadlines import calendar_feed_owner, deadlines_for_user, feed_since
from orders.services.calendar import calendar_feed_renew, calendar_feed_stop

PAGE = 25
# The feed's new address is shown once, on the page the renewal redirects to.
SESSION_FEED_URL = "calendar_feed_url"


@login_required
@require_GET
def deadline_list(request):
    page = paginate(request, deadlines_for_user(user=request.user), per_page=PAGE)
    context = {
        "page": page,
        "deadlines": page.object_list,
        "has_feed": CalendarFeed.objects.filter(user=request.user).exists(),
        "feed_url": request.session.pop(SESSION_FEED_URL, ""),
    }
    return render(request, "orders/deadline_list.html", context)


@login_required
@require_POST
def calendar_feed_renew_view(request):
    token = calendar_feed_renew(user=request.user)
    request.session[SESSION_FEED_URL] = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    messages.success(
        request,
        _("Your calendar address is below. Copy it now: it is shown once. Any earlier address stopped working."),
    )
    return redirect("deals:deadlines")


@login_required
@require_POST
def calendar_feed_stop_view(request):
    if calendar_feed_stop(user=request.user):
        messages.success(request, _("Your calendar address no longer works."))
    return redirect("deals:deadlines")


@require_GET
def calendar_feed(request, token: str):
    """The owner's deadlines as iCalendar; an unknown, replaced or stopped address is a 404 like any other."""
    user = calendar_feed_owner(token=token)
    if user is None:
        raise Http404
    items = deadlines_for_user(user=user, since=feed_since())
    body = deadlines_ics(items, name=_("Starmap deadlines"), host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="starmap-deadlines.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
