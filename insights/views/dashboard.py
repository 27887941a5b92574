"""The brand's home page: what needs its action with deadlines, spend this month and the wallet, live campaigns
with their headline figures and the view across them (insights.dashboard), and its orders by status.

Its URL is the brands app's (``brands:dashboard`` /brand/); the wiring adds it to that namespace, because
brands may import neither the deals, the money nor the reports.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from brands.access import brand_member_required
from insights.dashboard import brand_home
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
        "home": brand_home(brand_id=brand_id),
        "membership": request.membership,
        "brand": request.membership.brand,
        "status_rows": status_rows,
        "total_orders": total,
        "recent_orders": list(
            order_list_for_brand(brand_id=brand_id).select_related(None).only(*RECENT_ORDER_COLUMNS)[:RECENT_ORDERS]
        ),
    }
    return render(request, "brands/brand_dashboard.html", context)
