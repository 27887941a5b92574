"""The creator's home page: made of the deal's data, so it lives here (the brand's reads money and campaign
reports too, so it lives in insights.views.dashboard).

Its URL is the creators app's (``creators:dashboard`` /creator/); the wiring (marketplace/urls.py) adds it
to that namespace, because creators may not import orders.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from creators.selectors import creator_for_user
from orders.selectors.orders import creator_home


@login_required
@require_GET
def creator_dashboard(request):
    creator = creator_for_user(request.user)
    context = {"creator": creator, "dashboard": creator_home(creator)}
    return render(request, "creators/creator_dashboard.html", context)
