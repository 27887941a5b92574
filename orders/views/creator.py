"""Creator side: the inbox (offers, applications, collaborations by state, recommended orders) and applying."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creators.selectors import creator_for_user
from marketplace.core import DomainError, NotAllowed
from marketplace.core.web import paginate
from orders import flows
from orders.forms.deals import ApplyForm
from orders.models import Order
from orders.selectors import deals as reads
from orders.services.deals import application_submit

LIST_PAGE = 10


@login_required
@require_GET
def inbox(request):
    creator = creator_for_user(request.user)
    return render(request, "orders/collaboration_inbox.html", inbox_context(request, creator))


def inbox_counts(creator) -> dict:
    """Every count the inbox shows: open offers, my applications, my collaborations per state.

    An htmx step on the inbox answers with these out of band (``orders/_inbox_counts.html``).
    """
    return {
        "offers": reads.inbox_offers(creator=creator).count(),
        "applications": reads.inbox_applications(creator=creator).count(),
        "groups": _group_counts(creator),
    }


def _group_counts(creator) -> list[tuple[str, object, int]]:
    counts = reads.inbox_group_counts(creator=creator)
    return [(key, title, counts.get(key, 0)) for key, title, _states in reads.INBOX_GROUPS]


def collaborations_context(request, creator, query: QueryDict | None = None) -> dict:
    """The inbox's "My collaborations" section: a count per state and a page of the deals in the state that
    ``query`` (the inbox's query string: the request's own unless given) names, in progress by default."""
    query = request.GET if query is None else query
    groups = {key for key, _title, _states in reads.INBOX_GROUPS}
    group = query.get("group") if query.get("group") in groups else "in_progress"
    deals = reads.inbox_collaborations(creator=creator, group=group)
    return {
        "groups": _group_counts(creator),
        "group": group,
        # paginate reads the page from the query string it is given
        "collaborations": paginate(SimpleNamespace(GET=query), deals, per_page=20, path=reverse("deals:inbox")),
    }


def inbox_context(request, creator, bound: tuple[Order, ApplyForm] | None = None) -> dict:
    # Drawn after a refused application (a POST to another address) too: the links name this page.
    path = reverse("deals:inbox")
    recommended = paginate(
        request,
        reads.recommended_with_reasons(creator=creator),
        param="recommended_page",
        per_page=LIST_PAGE,
        path=path,
    )
    placed = False
    for item in recommended.object_list:
        order = item["order"]
        if bound and bound[0].pk == order.pk:
            item["form"], placed = bound[1], True
        else:
            item["form"] = ApplyForm(
                listed=order.per_creator_budget(), currency=order.currency, auto_id=f"id_apply{order.pk}_%s"
            )
    return {
        # A refused application to an order not on this page of recommendations is shown on its own.
        "bound_apply": {"order": bound[0], "form": bound[1]} if bound and not placed else None,
        "creator": creator,
        "now": timezone.now(),
        "offers": paginate(
            request, reads.inbox_offers(creator=creator), param="offers_page", per_page=LIST_PAGE, path=path
        ),
        "applications": paginate(
            request, reads.inbox_applications(creator=creator), param="applications_page", per_page=LIST_PAGE, path=path
        ),
        **collaborations_context(request, creator),
        "recommended": recommended,
    }


@login_required
@require_POST
def apply(request, order_pk: int):
    """Apply to an open recruitment order with a quote (±20 % of the listed price) and a pitch."""
    creator = creator_for_user(request.user)
    order = Order.objects.filter(pk=order_pk, status__in=flows.OPEN_FOR_DEALS, mode=Order.Mode.RECRUITMENT).first()
    if order is None:
        raise Http404
    form = ApplyForm(
        request.POST, listed=order.per_creator_budget(), currency=order.currency, auto_id=f"id_apply{order.pk}_%s"
    )
    if form.is_valid():
        try:
            c = application_submit(
                order_id=order.pk,
                actor=request.user,
                quote=form.cleaned_data["quote"],
                pitch=form.cleaned_data["pitch"],
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            messages.success(request, _("You applied to “%(order)s”.") % {"order": order.title})
            if request.htmx:
                # The inbox's "My applications" list is redrawn beside the form, and every count, out of band.
                applications = paginate(
                    request,
                    reads.inbox_applications(creator=creator),
                    param="applications_page",
                    per_page=LIST_PAGE,
                    path=reverse("deals:inbox"),
                )
                context = {
                    "order": order,
                    "applied": c,
                    "applications": applications,
                    "inbox_counts": inbox_counts(creator),
                    "now": timezone.now(),
                }
                return render(request, "orders/_apply_form.html", context)
            return redirect("deals:inbox")
    if request.htmx:
        return render(request, "orders/_apply_form.html", {"order": order, "form": form})
    context = inbox_context(request, creator, (order, form))
    return render(request, "orders/collaboration_inbox.html", context, status=400)
