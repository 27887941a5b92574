"""The admin dispute queue (outside the Django admin): open disputes oldest first, the whole
timeline of one, and the decision form (release / refund / split, with a written reason)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core import DomainError, NotAllowed
from marketplace.core.access import money_throttled, staff_required
from marketplace.core.web import paginate, redirect_page
from orders.forms.deals import DecisionForm
from orders.models import Dispute
from orders.selectors import deals as reads
from orders.selectors.contests import disputed_contests
from orders.services.collaborations import collaboration_transition
from payouts.selectors import hold_for_collaboration

QUEUE_PAGE = 25


@staff_required
@require_GET
def dispute_list(request):
    context = {
        "page": paginate(request, reads.open_disputes(), per_page=QUEUE_PAGE),
        "contests": paginate(request, disputed_contests(), param="contests", per_page=QUEUE_PAGE),
        "now": timezone.now(),
    }
    return render(request, "orders/dispute_list.html", context)


@staff_required
@require_GET
def dispute_detail(request, pk: int):
    dispute = reads.dispute_for_staff(user=request.user, pk=pk)
    return render(request, "orders/dispute_detail.html", dispute_context(request, dispute))


def dispute_context(request, dispute: Dispute, form: DecisionForm | None = None) -> dict:
    c = dispute.collaboration
    if form is None and dispute.status == Dispute.Status.OPEN:
        form = DecisionForm(escrow=c.agreed_price, currency=c.currency, auto_id="id_decision_%s")
    return {
        "dispute": dispute,
        "collaboration": c,
        "order": c.order,
        "form": form,
        "escrow": c.agreed_price,
        "hold": hold_for_collaboration(collaboration_id=c.pk),
        # Drawn after a refused decision (a POST to another address) too: the links name this page.
        "timeline": paginate(
            request, reads.timeline(c), per_page=100, path=reverse("deals:dispute", args=[dispute.pk])
        ),
        "money": reads.money_movements(c),
        "disputes": reads.disputes_of(c),
        "now": timezone.now(),
    }


@staff_required
@require_POST
@money_throttled
def dispute_decide(request, pk: int):
    """Resolve through the collaboration's one transition: it posts to the ledger, notifies, audits."""
    dispute = reads.dispute_for_staff(user=request.user, pk=pk)
    c = dispute.collaboration
    form = DecisionForm(request.POST, escrow=c.agreed_price, currency=c.currency, auto_id="id_decision_%s")
    if form.is_valid():
        try:
            collaboration_transition(
                collaboration_id=c.pk,
                action="resolve",
                actor=request.user,
                comment=form.cleaned_data["comment"],
                payload=form.payload(),
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.detail)
            else:
                messages.error(request, exc.detail)
                if not request.htmx:
                    return redirect("deals:dispute", pk=dispute.pk)
        else:
            messages.success(request, _("Dispute decided; both sides are notified."))
            return redirect_page(request, "deals:disputes")
    dispute.refresh_from_db()
    context = dispute_context(request, dispute, form if dispute.status == Dispute.Status.OPEN else None)
    if request.htmx:
        return render(request, "orders/_decision_form.html", context)
    return render(request, "orders/dispute_detail.html", context, status=400)
