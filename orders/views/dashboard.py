"""The brand's home page: its orders by status and the latest ones.

Its URL is the brands app's (``brands:dashboard``, /brand/); the wiring (marketplace/urls.py) adds it to
that namespace, because the page is made of the deal's data and brands may not import orders.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from brands.access import brand_member_required
from orders.models import Order
from orders.selectors.orders import order_list_for_brand, order_status_counts

RECENT_ORDERS = 5
# What the dashboard's table shows of them (title, status, price per creator, date).
RECENT_ORDER_COLUMNS = (
    "title",
    "status",
    "price_per_creator",
    "total_budget",
    "creators_wanted",
    "currency",
    "created_at",
)


@brand_member_required
@require_GET
def brand_dashboard(request):
    brand_id = request.membership.brand_id
    counts = order_status_counts(brand_id=brand_id)
    total = sum(counts.values())
    status_rows = [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "percent": round(100 * counts[value] / total) if total else 0,
        }
        for value, label in Order.Status.choices
    ]
    context = {
        "membership": request.membership,
        "brand": request.membership.brand,
        "status_rows": status_rows,
        "total_orders": total,
        "recent_orders": list(
            order_list_for_brand(brand_id=brand_id).select_related(None).only(*RECENT_ORDER_COLUMNS)[:RECENT_ORDERS]
        ),
    }
    return render(request, "brands/brand_dashboard.html", context)
