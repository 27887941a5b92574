"""Ranked creators for an order (a section the order page loads, and a page of its own): status (polled),
filters, component bars, reasons, "why not?", and offers sent to the ticked creators."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brands.access import brand_member_required
from creators.models import Creator
from creators.selectors import AUTHENTICITY_WARNING, active_creator_by_handle
from marketplace.core import DomainError, NotAllowed
from marketplace.core.access import money_throttled, throttled
from marketplace.core.audience import AGE_BUCKETS, region_names
from marketplace.core.web import paginate, refused_status, render_page
from matching import lists, selectors, services
from matching.api import RerankThrottle
from matching.forms import RankingFilterForm, WhyNotForm
from matching.models import RankingRun
from orders.forms.deals import SendOffersForm
from orders.models import Order
from orders.selectors.orders import order_get_for_user
from orders.services.deals import offer_send
from orders.services.orders import order_allowed_actions
from orders.views.brand import board_context

PAGE_SIZE = 25


def ranking_context(request, order) -> dict:
    """Everything the ranking section needs: its own view, and the answer to offers sent from it."""
    run = selectors.latest_run(order)
    pending = False
    if run is None:
        # Published a moment ago: the matcher has not picked up the order.published message yet. The worker
        # queues the run and acknowledges the message in one commit, so a message found consumed means the run
        # committed after the first read: read it again, never "no ranking yet" with nothing polling.
        pending = selectors.first_ranking_pending(order)
        if not pending:
            run = selectors.latest_run(order)
    filters, errors = RankingFilterForm(request.GET).filters_and_errors()
    results = selectors.results_for_run(run, filters=filters, limit=services.TOP_K) if run else []
    page = paginate(request, results, per_page=PAGE_SIZE)
    names = selectors.reason_names(page.object_list)
    rows = [
        {
            "result": r,
            "match_score": selectors.match_score(r.score),
            "moved": [selectors.reason_text(x, names, order.currency) for x in r.reasons if x["code"] == "model_moved"],
            "reasons": [
                (x.get("points"), selectors.reason_text(x, names, order.currency))
                for x in r.reasons
                if x["code"] != "model_moved"
            ],
        }
        for r in page.object_list
    ]
    return {
        "age_buckets": AGE_BUCKETS,
        "warning_score": AUTHENTICITY_WARNING,
        "order": order,
        "run": run,
        "top_k": services.TOP_K,  # how many of the eligible a run keeps
        "compare_max": lists.COMPARE_MAX,
        "page": page,
        "rows": rows,
        "filters": request.GET,
        "filter_errors": errors,
        "pending": pending,
        "polling": pending or (run is not None and run.status in (RankingRun.Status.QUEUED, RankingRun.Status.RUNNING)),
        "region_choices": sorted(region_names().items(), key=lambda item: item[1]),
        "can_edit": request.membership.can_edit_orders,
        "order_actions": order_allowed_actions(order, can_edit=request.membership.can_edit_orders),
        # A fresh key per drawn list: sending the same ticked creators twice makes one offer each.
        "offer_key": uuid.uuid4().hex,
    }


@brand_member_required
@require_GET
def order_ranking(request, pk: int):
    order = order_get_for_user(user=request.user, pk=pk)
    context = ranking_context(request, order)
    return render_page(request, "matching/ranking_detail.html", context, fragment="matching/_ranking.html")


def _rerank_message(seconds: int) -> str:
    wait = timeuntil(timezone.now() + timedelta(seconds=max(seconds, 60)))
    return _("Too many ranking requests for your brand. Try again in %(wait)s.") % {"wait": wait}


@brand_member_required(editor=True)
@require_POST
@throttled(RerankThrottle, scope="rerank", message=_rerank_message)
def order_rerank(request, pk: int):
    order = order_get_for_user(user=request.user, pk=pk)
    if refusal := services.ranking_refusal(order):
        messages.error(request, refusal)
    elif services.ranking_request(order=order, actor=request.user, trigger="manual").queued_now:
        messages.success(request, _("Ranking queued; the list updates when the worker is done."))
    else:
        messages.info(request, _("This order is being ranked already; the list updates when that run is done."))
    if request.htmx:
        return render(request, "matching/_ranking.html", ranking_context(request, order))
    # Back to the list as it was shown: its filters and page came along on the form's address.
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse("matching:order_ranking", args=[order.pk]) + query)


@brand_member_required
@require_GET
def order_why_not(request, pk: int):
    order = order_get_for_user(user=request.user, pk=pk)
    form = WhyNotForm(request.GET)
    handle = form.cleaned_data["creator"] if form.is_valid() else ""
    creator = active_creator_by_handle(handle)
    reasons = selectors.why_not(order, creator) if creator else None
    context = {
        "order": order,
        "handle": handle,
        "error": next(iter(form.errors.get("creator", [])), ""),
        "creator": creator,
        "reasons": [selectors.ELIGIBILITY_TEXT[r] for r in reasons] if reasons else [],
        "eligible": reasons == [],
        "ranked": creator is not None and selectors.rank_of(order, creator),
    }
    if context["eligible"] and not context["ranked"]:
        context["standing"] = selectors.standing(order, creator)
    return render_page(
        request, "matching/why_not.html", context, fragment="matching/_why_not.html", status=refused_status(form)
    )


# ------------------------------------------------------------ offers from the ranked list


@brand_member_required(editor=True)
@require_POST
@money_throttled
def offers_send(request, pk: int):
    """Offer every ticked creator a place; each offer holds its money. One key per form drawn, so a
    double submit replays instead of offering twice."""
    order = order_get_for_user(user=request.user, pk=pk)
    form = SendOffersForm(request.POST)
    refused: dict[int, str] = {}
    if not form.is_valid():
        refusals = [*form.non_field_errors(), *form.errors.get("idempotency_key", [])]
        for error in refusals or [_("The form was incomplete; reload the page.")]:
            messages.error(request, error)
    else:
        refused = dict(form.cleaned_data["refused"])
        refused.update(send_offers_to(request, order, form.cleaned_data["terms"], form.key))
    if request.htmx:
        # The ranked list again (a new form, so a new key) and, out of band, the board with the new offers.
        # A refused offer is said on its creator's row, or above the list when the row is not on this page.
        # A row that was not sent keeps its tick, price and note, so the brand corrects the one field that is
        # wrong instead of typing the row again; a sent row starts empty.
        context = {**ranking_context(request, order), **board_context(request, order)}
        unsent = None if not form.is_valid() else set(refused)  # None: nothing was sent
        for row in context["rows"]:
            creator_id = row["result"].creator_id
            row["offer_error"] = refused.pop(creator_id, "")
            if unsent is None or creator_id in unsent:
                row["typed"] = typed_offer(request.POST, creator_id)
        refusals_as_messages(request, refused)
        return render(request, "matching/_offers_sent.html", context)
    # Sent: to the board, where the new offers are. Anything refused: to the top of the page, where the
    # messages say what and why (the board's anchor scrolled them out of view).
    anchor = "" if refused or not form.is_valid() else "#collaboration-board"
    refusals_as_messages(request, refused)
    return redirect(reverse("orders:detail", args=[order.pk]) + anchor)


def typed_offer(data, creator_id: int) -> dict:
    """What the brand typed on one row of the ranked list's offer form, to draw the row again as it was."""
    return {
        "ticked": str(creator_id) in data.getlist("creator"),
        "price": data.get(f"price_{creator_id}", ""),
        "note": data.get(f"note_{creator_id}", ""),
    }


def refusals_as_messages(request, refused: dict[int, str]) -> None:
    names = dict(Creator.objects.filter(pk__in=list(refused)).values_list("pk", "display_name"))
    for creator_id, problem in refused.items():
        name = names.get(creator_id, f"#{creator_id}")
        messages.error(request, _("%(name)s: %(problem)s") % {"name": name, "problem": problem})


def send_offers_to(request, order: Order, terms: dict[int, tuple[int | None, str]], key: str) -> dict[int, str]:
    """Send each offer at its row's price (the rate card's when left empty) with its note; returns creator id →
    why it was refused. The ranked list and the saved lists (matching.list_views) send through here."""
    names = dict(Creator.objects.filter(pk__in=list(terms)).values_list("pk", "display_name"))
    sent, repeated, refused = [], [], {}
    for creator_id, (price, note) in terms.items():
        started = timezone.now()
        name = names.get(creator_id, f"#{creator_id}")
        try:
            c = offer_send(
                order_id=order.pk,
                creator_id=creator_id,
                actor=request.user,
                idempotency_key=f"{key}:{creator_id}",
                price=price,
                note=note,
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            refused[creator_id] = exc.detail
            continue
        (sent if c.created_at >= started else repeated).append(name)
    if sent:
        messages.success(request, _("Offer sent to %(names)s; the money is held.") % {"names": ", ".join(sent)})
    if repeated:
        messages.info(request, _("Already sent with this form: %(names)s.") % {"names": ", ".join(repeated)})
    return refused
