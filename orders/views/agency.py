"""The agency's work page: the collaborations of the creators it represents now, newest first, each linking
to the collaboration page, where the agency takes the steps its contract grants."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from agencies.access import agency_member_required
from agencies.selectors import roster_creator_ids
from marketplace.core.web import paginate, render_page
from orders import flows
from orders.models import Collaboration


@agency_member_required
@require_GET
def agency_work(request):
    deals = (
        Collaboration.objects.real()  # a practice deal is the creator's own exercise
        .filter(creator_id__in=roster_creator_ids(request.user))
        .select_related("order__brand", "creator")
        .order_by("-updated_at", "-pk")
    )
    if request.GET.get("show") != "all":
        deals = deals.filter(status__in=flows.OPEN_OFFER | flows.IN_DELIVERY | {Collaboration.Status.PUBLISHED})
    page = paginate(request, deals, param="page")
    context = {"agency": request.agency_seat.agency, "page": page, "show_all": request.GET.get("show") == "all"}
    return render_page(request, "orders/agency_work.html", context)
