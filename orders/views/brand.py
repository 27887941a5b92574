"""Brand side: send offers from the ranked list or a creator's profile; the order's board of deals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from brands.access import brand_member_required
from creators.models import Creator
from marketplace.core import DomainError, NotAllowed, format_money
from marketplace.core.access import money_throttled
from marketplace.core.web import paginate, redirect_page, render_page
from orders import flows
from orders.forms.deals import OfferForm
from orders.models import Order
from orders.selectors import deals as reads
from orders.services.deals import offer_send
from payouts.services import IdempotencyConflict

BOARD_PAGE = 60
APPLICANTS_PAGE = 20


def board_context(request, order: Order, *, can_edit: bool = True) -> dict:
    """The board (and for recruitment orders the applicants) for the order page and its htmx answers."""
    page = paginate(request, reads.order_board_cards(order=order), param="board_page", per_page=BOARD_PAGE)
    context = {
        "board": reads.order_board(order=order, cards=page.object_list),
        "board_page": page,
        "can_edit": can_edit,
        "counter_answers": [("accept_counter", _("Accept the counter")), ("decline_counter", _("Decline"))],
        "show_applicants": order.mode == Order.Mode.RECRUITMENT,
    }
    if order.mode == Order.Mode.RECRUITMENT:
        applications = paginate(
            request, reads.applications_for_order(order=order), param="applicants_page", per_page=APPLICANTS_PAGE
        )
        context["applicants_page"] = applications
        context["applicants"] = reads.applicant_rows(order=order, collaborations=applications.object_list)
        context["slots_taken"] = flows.slots_filled(order)
    return context


@brand_member_required(editor=True)
@require_http_methods(["GET", "POST"])
@money_throttled
def offer_create(request, handle: str):
    """An offer from a creator's profile: choose one of the brand's published orders."""
    creator = Creator.objects.filter(handle=handle, is_active=True).first()
    if creator is None:
        raise Http404
    options = reads.offerable_orders(brand_id=request.membership.brand_id, creator=creator)
    choices = [
        (order.pk, f"{order.title} · {format_money(price, order.currency) if price else _('no price for its format')}")
        for order, price in options
    ]
    form = OfferForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            c = offer_send(
                order_id=form.cleaned_data["order"],
                creator_id=creator.pk,
                actor=request.user,
                idempotency_key=form.key,
                price=form.cleaned_data["price"],
                note=form.cleaned_data["note"],
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except IdempotencyConflict:
            form.renew_key()
            form.add_error(None, _("This form was already sent with other values. Check the page, then send it again."))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in ("order", "price", "note") else None, exc.detail)
        else:
            messages.success(request, _("Offer sent to %(name)s; the money is held.") % {"name": creator.display_name})
            return redirect_page(request, "deals:collaboration", pk=c.pk)  # the whole deal page, not in the box
    context = {"creator": creator, "form": form, "has_orders": bool(options)}
    status = 400 if request.method == "POST" and not request.htmx else 200
    return render_page(request, "orders/offer_create.html", context, fragment="orders/_offer_form.html", status=status)
