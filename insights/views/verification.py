"""The staff verification queue (outside the Django admin): brands' and creators' requests waiting for a
decision, one request with its evidence and the subject's history, and the approve / reject form.

It reads both brands and creators, so it sits above both, beside the staff overview; every write is
marketplace.core.verification's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from brands.models import BrandVerification
from creators.models import CreatorVerification
from marketplace.core import DomainError
from marketplace.core.access import staff_required
from marketplace.core.models import VerificationRequest
from marketplace.core.models.verification import DECISION_REASON_MAX
from marketplace.core.verification import verification_decide
from marketplace.core.web import form_add_errors, paginate

# The kinds of request, by the word in their address.
KINDS: dict[str, type[VerificationRequest]] = {"creator": CreatorVerification, "brand": BrandVerification}
KIND_LABELS = {"creator": gettext_lazy("Creators"), "brand": gettext_lazy("Brands")}
QUEUE_PAGE = 25
Status = VerificationRequest.Status


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=DECISION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to reject: the applicant reads it in the notification."),
    )


def _requests(kind: str):
    model = KINDS[kind]
    return model.objects.select_related(model.subject_field, "decided_by")


@staff_required
@require_GET
def verification_queue(request):
    """Waiting requests oldest first (the first filed is decided first); ``?status=`` shows decided ones."""
    status = request.GET.get("status", Status.PENDING)
    if status not in Status.values:
        status = Status.PENDING
    kind = request.GET.get("kind", "creator")
    if kind not in KINDS:
        kind = "creator"
    rows = _requests(kind).filter(status=status)
    rows = rows.order_by("submitted_at", "id") if status == Status.PENDING else rows.order_by("-decided_at", "-id")
    context = {
        "page": paginate(request, rows, per_page=QUEUE_PAGE),
        "kind": kind,
        "status": status,
        "kinds": [
            (k, label, KINDS[k].objects.filter(status=Status.PENDING).count()) for k, label in KIND_LABELS.items()
        ],
        "statuses": Status.choices,
    }
    return render(request, "marketplace/verification_queue.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def verification_detail(request, kind: str, pk: int):
    if kind not in KINDS:
        raise Http404
    try:
        item = _requests(kind).get(pk=pk)
    except KINDS[kind].DoesNotExist:
        raise Http404 from None
    form = DecisionForm(request.POST or None) if item.status == Status.PENDING else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            verification_decide(
                request_model=KINDS[kind],
                request_id=item.pk,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except (DomainError, ValidationError) as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Decided: %(name)s was told.") % {"name": item.subject})
            return redirect("staff_verification")
    history = _requests(kind).filter(**{KINDS[kind].subject_field: item.subject}).exclude(pk=item.pk)
    context = {"item": item, "kind": kind, "subject": item.subject, "form": form, "history": history[:20]}
    status = 400 if form is not None and form.errors else 409 if request.method == "POST" and form is None else 200
    if status == 409:
        messages.error(request, _("This request was decided already."))
    return render(request, "marketplace/verification_detail.html", context, status=status)
