from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Evidence texts are read by a person; a page of text is enough and keeps the queue readable.
EVIDENCE_NOTE_MAX = 2000
DECISION_REASON_MAX = 1000


class VerificationRequest(models.Model):
    """What a brand or a creator submitted to be verified, and staff's decision on it.

    Abstract: brands and creators each keep their own table (a kernel model cannot point at an app);
    marketplace.core.verification holds the one submit / decide flow both use.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    evidence_url = models.URLField(_("link staff can check"), max_length=500)
    note = models.TextField(_("note to staff"), blank=True, max_length=EVIDENCE_NOTE_MAX)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    reason = models.TextField(_("reason"), blank=True, max_length=DECISION_REASON_MAX)

    class Meta:
        abstract = True
        ordering = ["-submitted_at", "-id"]

    # The subject (a Creator or a Brand) and who hears about the decision: each concrete model says.
    subject_field = ""

    @property
    def subject(self) -> models.Model:
        return getattr(self, self.subject_field)

    def recipients(self) -> list:
        raise NotImplementedError
