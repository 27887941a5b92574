"""The brand's and the creator's home pages: made of the deal's data, so they live here.

Their URLs are the brands and creators apps' (``brands:dashboard`` /brand/, ``creators:dashboard``
/creator/); the wiring (marketplace/urls.py) adds them to those namespaces, because brands and creators
may not import orders.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from brands.access import brand_member_required
from creators.selectors import creator_for_user
from orders.models import Order
from orders.selectors.orders import creator_home, order_list_for_brand, order_status_counts

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


@login_required
@require_GET
def creator_dashboard(request):
    creator = creator_for_user(request.user)
    context = {"creator": creator, "dashboard": creator_home(creator)}
    return render(request, "creators/creator_dashboard.html", context)
