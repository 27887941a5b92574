"""Verification of brands and creators: the one place their ``verification`` status changes.

A brand or a creator submits evidence (a ``VerificationRequest`` row; the subject becomes *pending*);
staff approve or reject it with a reason; the subject's status follows, both steps are audited, and the
subject's people are notified. The admin's bulk actions use ``set_verification`` too. The matcher ranks
only verified creators and refreshes its snapshot from ``updated_at``, which every change here moves.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.audit import audit
from marketplace.core.errors import Conflict, DomainError, InvalidTransition
from marketplace.core.models import User, VerificationRequest, VerificationStatus
from marketplace.core.models.verification import DECISION_REASON_MAX
from marketplace.core.notifications import notify


def set_verification(*, actor: User, model: type[Model], pks: list[int], to: str, reason: str = "") -> int:
    """Move the brands or creators ``pks`` to verification status ``to``; one audit row per change.

    Rows are locked first and those already in ``to`` skipped, so two staff members acting at once
    write one audit row per real change. Returns how many rows changed.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = list(model.objects.filter(pk__in=pks).exclude(verification=to).select_for_update().only("verification"))
        values = {"verification": to, "verified_at": now if to == VerificationStatus.VERIFIED else None}
        if any(f.name == "updated_at" for f in model._meta.fields):
            # The matcher refreshes its snapshot from rows whose updated_at moved; eligibility did.
            values["updated_at"] = now
        model.objects.filter(pk__in=[row.pk for row in rows]).update(**values)
        for row in rows:
            data = {"old": row.verification, "new": to} | ({"reason": reason} if reason else {})
            audit(actor=actor, action=f"{model._meta.model_name}.verification", obj=row, **data)
    return len(rows)


@transaction.atomic
def verification_submit(
    *, request_model: type[VerificationRequest], subject: Model, user: User, **evidence: str
) -> VerificationRequest:
    """File ``subject``'s evidence for staff and mark it pending.

    Raises Conflict when the subject is verified already or has a request waiting; ValidationError for
    bad evidence (a field-level message).
    """
    locked = type(subject).objects.select_for_update().get(pk=subject.pk)
    if locked.verification == VerificationStatus.VERIFIED:
        raise Conflict(_("You are verified already."))
    if _pending(locked, request_model).exists():
        raise Conflict(_("Your request is waiting for staff already."))
    request = request_model(**{request_model.subject_field: locked}, submitted_by=user, **evidence)
    request.full_clean()
    request.save()
    set_verification(actor=user, model=type(subject), pks=[subject.pk], to=VerificationStatus.PENDING)
    return request


@transaction.atomic
def verification_decide(
    *, request_model: type[VerificationRequest], request_id: int, approve: bool, reason: str, actor: User
) -> VerificationRequest:
    """Approve or reject a waiting request (a reason is required to reject); the subject's status follows
    and its people are notified after commit. Raises InvalidTransition when the request was decided already."""
    request = (
        request_model.objects.select_for_update(no_key=True)
        .select_related(request_model.subject_field)
        .get(pk=request_id)
    )
    if request.status != VerificationRequest.Status.PENDING:
        raise InvalidTransition(_("This request was decided already."), field="status")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError(_("Say why the request is rejected: the applicant reads it."), field="reason")
    if len(reason) > DECISION_REASON_MAX:
        raise ValidationError(
            {"reason": _("At most %(max)d characters.") % {"max": DECISION_REASON_MAX}}, code="max_length"
        )
    subject = request.subject
    to = VerificationStatus.VERIFIED if approve else VerificationStatus.REJECTED
    set_verification(actor=actor, model=type(subject), pks=[subject.pk], to=to, reason=reason)
    request.status = VerificationRequest.Status.APPROVED if approve else VerificationRequest.Status.REJECTED
    request.reason, request.decided_by, request.decided_at = reason, actor, timezone.now()
    request.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit(actor=actor, action=f"{request._meta.model_name}.decide", obj=request, status=request.status, reason=reason)
    _tell(request, approve=approve)
    return request


def _tell(request: VerificationRequest, *, approve: bool) -> None:
    def text() -> str:
        if approve:
            return _("Verification approved: %(name)s is verified.") % {"name": request.subject}
        return _("Verification not approved for %(name)s: %(reason)s") % {
            "name": request.subject,
            "reason": request.reason,
        }

    notify(request.recipients(), kind="verification", text=text, url=reverse(request.page_url_name))


def verification_open(subject: Model, request_model: type[VerificationRequest]) -> bool:
    """May ``subject`` file evidence now: not verified, and no request of theirs waiting for staff?

    (A profile imported as *pending* has no request yet: it may file one.)"""
    if subject.verification == VerificationStatus.VERIFIED:
        return False
    return not _pending(subject, request_model).exists()


def _pending(subject: Model, request_model: type[VerificationRequest]):
    return request_model.objects.filter(
        **{request_model.subject_field: subject}, status=VerificationRequest.Status.PENDING
    )
