"""Order pages for brand members: list, detail, create, edit, publish, close, and the form's pickers."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.access import brand_member_required
from marketplace.core import DomainError, NotAllowed
from marketplace.core.audience import GENDER_LABELS, region_name
from marketplace.core.catalogue import label_search, product_category_search
from marketplace.core.models import Label, ProductCategory
from marketplace.core.params import SearchForm
from marketplace.core.web import form_add_errors, paginate, refused_status
from orders.forms.orders import OrderForm
from orders.models import Order
from orders.models.orders import default_cancellation_schedule
from orders.selectors.orders import order_events, order_get_for_user, order_list_for_brand, order_target_labels
from orders.services.orders import order_allowed_actions, order_close, order_create, order_publish, order_update
from orders.views import board_context

PAGE_SIZE = 20


@brand_member_required
@require_GET
def order_list(request):
    status = request.GET.get("status", "")
    if status not in Order.Status.values:
        status = ""
    orders = order_list_for_brand(brand_id=request.membership.brand_id, status=status or None)
    page = paginate(request, orders, per_page=PAGE_SIZE)
    context = {"page": page, "status": status, "statuses": Order.Status.choices}
    return render(request, "orders/order_list.html", context)


@brand_member_required
@require_GET
def order_detail(request, pk: int):
    order = order_get_for_user(user=request.user, pk=pk)
    status_labels = dict(Order.Status.choices)
    context = {
        "order": order,
        "target_labels": order_target_labels(order_id=order.pk),
        "events": [
            (event, status_labels.get(event.old_status, event.old_status), status_labels.get(event.new_status))
            for event in order_events(order_id=order.pk)
        ],
        "genders": [str(GENDER_LABELS.get(g, g)) for g in order.target_gender],
        "regions": [region_name(code) for code in order.target_regions],
        "channels": [str(Order.UsageChannel(c).label) for c in order.usage_channels if c in Order.UsageChannel.values],
        "cancellation_schedule": _cancellation_rows(order),
        "can_edit": request.membership.can_edit_orders,
        "order_actions": order_allowed_actions(order, can_edit=request.membership.can_edit_orders),
    }
    if order.status != Order.Status.DRAFT:
        # The ranked creators are the matcher's section: the page loads it from matching's own URL.
        context["ranked"] = True
        context.update(board_context(request, order, can_edit=request.membership.can_edit_orders))
    return render(request, "orders/order_detail.html", context)


def _form_page(request, form: OrderForm, order: Order | None, *, error_heading: str = "", status: int | None = None):
    """The brief's form page: 400 when it shows a refused submission (``status`` overrides), else 200."""
    context = {
        "form": form,
        "order": order,
        "currency": order.currency if order else settings.CURRENCY,
        "cancellation_schedule": _cancellation_rows(order),
        "error_heading": error_heading,
        "order_actions": order_allowed_actions(order, can_edit=True) if order else frozenset(),
    }
    return render(request, "orders/order_form.html", context, status=status or refused_status(form))


def _publish_problems_page(request, order: Order, problems: ValidationError, *, saved: bool = False):
    """A draft that cannot be published yet: its brief in the form, each problem beside its field."""
    form = OrderForm(OrderForm.data_for(order), initial=OrderForm.initial_for(order))
    form.is_valid()
    form_add_errors(form, problems)
    if saved:
        heading = _("Your changes are saved, but the order is not published yet. Fix what is marked below:")
    else:
        heading = _("The order is not published yet. Fix what is marked below, then save and publish:")
    return _form_page(request, form, order, error_heading=heading, status=400)


def _cancellation_rows(order: Order | None) -> list[tuple[str, str]]:
    """The cancellation schedule stored on the order (the platform default for a new one), as percentages."""
    schedule = order.cancellation_schedule if order else default_cancellation_schedule()
    names = {
        "before_script": _("Cancelled before a script is submitted"),
        "after_script": _("Cancelled after a script is submitted"),
        "after_video": _("Cancelled after a video is submitted"),
        "after_two_video_rounds": _("Cancelled after two video rounds"),
    }
    # JSONB does not keep key order, so show the steps in the order a deal goes through them.
    steps = sorted(schedule, key=lambda step: list(names).index(step) if step in names else len(names))
    return [(names.get(step, step), f"{schedule[step] / 100:g} %") for step in steps]


@brand_member_required(editor=True)
@require_http_methods(["GET", "POST"])
def order_create_view(request):
    form = OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = order_create(brand=request.membership.brand, actor=request.user, brief=form.to_brief())
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Publish it when the brief is complete."))
            return redirect("orders:detail", pk=order.pk)
    return _form_page(request, form, None)


@brand_member_required(editor=True)
@require_http_methods(["GET", "POST"])
def order_update_view(request, pk: int):
    order = order_get_for_user(user=request.user, pk=pk)
    if not order.is_editable:
        messages.error(request, _("Only draft orders can be edited."))
        return redirect("orders:detail", pk=order.pk)
    form = OrderForm(request.POST or None, initial=OrderForm.initial_for(order))
    if request.method == "POST" and form.is_valid():
        try:
            order_update(order_id=order.pk, actor=request.user, brief=form.to_brief())
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except ValidationError as exc:
            form_add_errors(form, exc)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("orders:detail", pk=order.pk)
        else:
            if request.POST.get("then_publish"):
                done = _("Draft saved and the order published.")
                return _run_transition(request, order.pk, order_publish, done, after_save=True)
            messages.success(request, _("Draft saved."))
            return redirect("orders:detail", pk=order.pk)
    return _form_page(request, form, order)


def _run_transition(request, pk: int, service, done_message: str, *, after_save: bool = False):
    order = order_get_for_user(user=request.user, pk=pk)
    try:
        service(order_id=order.pk, actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    except ValidationError as exc:
        if order.is_editable and hasattr(exc, "error_dict"):
            return _publish_problems_page(request, order, exc, saved=after_save)
        for problem in exc.messages:
            messages.error(request, problem)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done_message)
    return redirect("orders:detail", pk=order.pk)


@brand_member_required(editor=True)
@require_POST
def order_publish_view(request, pk: int):
    return _run_transition(request, pk, order_publish, _("The order is published."))


@brand_member_required(editor=True)
@require_POST
def order_close_view(request, pk: int):
    return _run_transition(request, pk, order_close, _("The order is closed."))


# ------------------------------------------------------------------ pickers


@brand_member_required
@require_GET
def label_search_view(request):
    query = SearchForm(request.GET).query()
    labels = label_search(query=query) if query is not None else []
    context = {"labels": labels, "query": query or ""}
    return render(request, "orders/_label_results.html", context, status=200 if query is not None else 400)


@brand_member_required
@require_GET
def label_pick(request, label_id: int):
    label = Label.objects.filter(pk=label_id).first()
    if label is None:
        raise Http404
    return render(request, "orders/_label_row.html", {"label": label, "weight": 1})


@brand_member_required
@require_GET
def category_search_view(request):
    query = SearchForm(request.GET).query()
    categories = product_category_search(query=query) if query is not None else []
    context = {"categories": categories, "query": query or ""}
    return render(request, "orders/_category_results.html", context, status=200 if query is not None else 400)


@brand_member_required
@require_GET
def category_pick(request, category_id: int):
    category = ProductCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404
    return render(request, "orders/_category_choice.html", {"category": category})
