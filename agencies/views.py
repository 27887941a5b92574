"""Agency pages: the roster (with invitations, the invite form and the agency's money), the statement, the
payouts (owners request one; managers read them), creating an agency, and a creator's page of invitations and
contract. Every write calls a service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from agencies import selectors, services
from agencies.access import agency_member_required
from agencies.forms import AgencyCreateForm, InviteForm
from agencies.models import Representation
from creators.selectors import active_creator_by_handle
from marketplace.core import DomainError, form_add_errors, format_money
from marketplace.core.access import money_throttled
from marketplace.core.roles import has_a_part, role_of
from marketplace.core.web import paginate, refused_status, render_page
from payouts.forms import PayoutRequestForm
from payouts.models import Account
from payouts.selectors import (
    agency_balances,
    agency_escrow_share,
    agency_statement,
    payouts_for_agency,
    settled_earnings,
)
from payouts.views.common import PAGE_SIZE, call_service, redirect_after

R = Representation.Status
ACTIONS = {"accept": R.ACTIVE, "decline": R.DECLINED, "end": R.ENDED}


@agency_member_required
def roster(request):
    return _roster_page(request)


def _roster_page(request, *, invite_form: InviteForm | None = None, status: int = 200):
    seat = request.agency_seat
    page = paginate(request, selectors.roster_for_agency(seat.agency), param="page")
    earned = settled_earnings(creator_ids=[rep.creator_id for rep in page.object_list])
    # Earnings only where the contract lets the agency see them.
    rows = [(rep, earned.get(rep.creator_id, 0) if rep.may_see_earnings else None) for rep in page.object_list]
    balances = agency_balances(agency_id=seat.agency_id)
    # Pending: the agency's share of roster deals in escrow (fixed by each escrow) and shares paid, not yet settled.
    in_escrow = agency_escrow_share(agency_id=seat.agency_id)
    context = {
        "agency": seat.agency,
        "can_manage": seat.can_manage,
        "page": page,
        "rows": rows,
        "invitations": selectors.invitations_for_agency(seat.agency)[:50],
        "invite_form": invite_form or InviteForm(),
        "pending": balances[Account.Kind.AGENCY_PENDING] + in_escrow,
        "pending_in_escrow": in_escrow,
        "available": balances[Account.Kind.AGENCY_AVAILABLE],
        "currency": settings.CURRENCY,
    }
    return render_page(request, "agencies/roster.html", context, status=status)


@agency_member_required(owner=True)
@require_POST
def invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        creator = active_creator_by_handle(form.cleaned_data["handle"])
        if creator is None:
            form.add_error("handle", _("No creator has this handle."))
        else:
            try:
                services.representation_invite(
                    actor=request.user,
                    creator_id=creator.pk,
                    share_bps=form.share_bps(),
                    may_answer_offers=form.cleaned_data["may_answer_offers"],
                    may_submit_deliverables=form.cleaned_data["may_submit_deliverables"],
                    may_see_earnings=form.cleaned_data["may_see_earnings"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                form.add_error("handle" if exc.field == "creator_id" else None, exc.detail)
            else:
                messages.success(request, _("%(name)s is invited.") % {"name": creator.display_name})
                return redirect("agencies:roster")
    return _roster_page(request, invite_form=form, status=400)


@agency_member_required
def statement(request):
    seat = request.agency_seat
    page = paginate(request, agency_statement(agency_id=seat.agency_id), param="page")
    return render_page(
        request,
        "agencies/statement.html",
        {"agency": seat.agency, "page": page},
        partials={"statement": "payouts/_statement.html"},
    )


@agency_member_required
@require_GET
def payouts(request):
    return _payouts_page(request, None)


def _payouts_page(request, form: PayoutRequestForm | None, *, status: int = 200):
    seat = request.agency_seat
    available = agency_balances(agency_id=seat.agency_id)[Account.Kind.AGENCY_AVAILABLE]
    if seat.can_manage:
        form = form or _payout_form(None, available)
    path = reverse("agencies:payouts")
    history = paginate(
        request, payouts_for_agency(agency_id=seat.agency_id), per_page=PAGE_SIZE, path=path, param="payouts_page"
    )
    context = {
        "agency": seat.agency,
        "available": available,
        "currency": settings.CURRENCY,
        "form": form if seat.can_manage else None,
        "payouts_page": history,
    }
    return render_page(
        request, "agencies/payouts.html", context, partials={"payouts": "payouts/_payout_history.html"}, status=status
    )


def _payout_form(data, available: int) -> PayoutRequestForm:
    return PayoutRequestForm(data, available=available, minimum=settings.PAYOUT_MINIMUM, currency=settings.CURRENCY)


@agency_member_required(owner=True)
@require_POST
@money_throttled
def payout_request(request):
    available = agency_balances(agency_id=request.agency_seat.agency_id)[Account.Kind.AGENCY_AVAILABLE]
    form = _payout_form(request.POST, available)
    if form.is_valid():
        payout = call_service(
            form,
            lambda: services.agency_payout_request(
                actor=request.user, amount=form.cleaned_data["amount"], idempotency_key=form.key
            ),
        )
        if payout is not None:
            messages.success(
                request,
                _("The agency's payout of %(amount)s is requested.")
                % {"amount": format_money(payout.amount, payout.currency)},
            )
            return redirect_after(request, "agencies:payouts")
    if request.htmx:
        return render(request, "agencies/_payout_form.html", {"form": form})
    return _payouts_page(request, form, status=400)


@login_required
def agency_create(request):
    if selectors.seat_of(request.user) is not None:
        return redirect("agencies:roster")
    if has_a_part(request.user):
        raise PermissionDenied(_("Brand members and creators cannot start an agency with the same account."))
    form = AgencyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_create(name=form.cleaned_data["name"], owner=request.user)
        except ValidationError as exc:  # the name's unique check
            form_add_errors(form, exc)
        except DomainError as exc:
            form.add_error("name", exc.detail)
        else:
            return redirect("agencies:roster")
    return render(request, "agencies/agency_create.html", {"form": form}, status=refused_status(form))


@login_required
def creator_agency(request):
    """The creator's invitations and contract in force, with the buttons to answer or end them."""
    role = role_of(request.user)
    if role is None or not role.is_creator:
        raise PermissionDenied(_("Only creators can do this."))
    reps = selectors.representations_for_creator(request.user.creator)
    return render(request, "agencies/creator_agency.html", {"representations": reps[:20]})


@login_required
@require_POST
def contract_act(request, pk: int, action: str):
    """Accept, decline or end a contract: the creator or an agency owner (a 404 for anyone else)."""
    if action not in ACTIONS:
        raise Http404
    try:
        services.representation_transition(representation_id=pk, to=ACTIONS[action], actor=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from None
        if exc.status == 403:
            raise PermissionDenied(exc.detail) from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, DONE[action])
    return redirect("agencies:roster" if selectors.seat_of(request.user) is not None else "agencies:creator_agency")


DONE = {
    "accept": gettext_lazy("You are now represented by this agency."),
    "decline": gettext_lazy("Invitation declined."),
    "end": gettext_lazy("The contract has ended."),
}
