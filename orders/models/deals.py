"""Everything that happens on a collaboration: its event log, deliverables and disputes."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.core.logs import request_id_field
from orders.models.orders import Collaboration


class CollaborationEvent(models.Model):
    """Append-only: one row per action on a collaboration (status change or comment)."""

    collaboration = models.ForeignKey(Collaboration, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    # Choices give get_old_status_display(): a status is shown by its label (Collaboration.Status), never its code.
    old_status = models.CharField(
        max_length=20, choices=Collaboration.Status.choices, blank=True
    )  # "": the first event
    new_status = models.CharField(max_length=20, choices=Collaboration.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    request_id = request_id_field()

    class Meta:
        db_table = "marketplace_collaborationevent"  # deployed under the marketplace app; the table kept its name
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["collaboration", "created_at"], name="collab_event_time")]

    def __str__(self) -> str:
        return f"{self.collaboration_id} {self.action}: {self.old_status} → {self.new_status}"


def deliverable_path(instance: "Deliverable", filename: str) -> str:
    """Server-generated name: the uploader's file name is never used on disk."""
    return f"deliverables/{instance.collaboration_id}/{uuid.uuid4().hex}{instance.extension}"


class Deliverable(models.Model):
    """A script (text), a video or an evidence file, stored outside static and served to the parties only."""

    class Kind(models.TextChoices):
        SCRIPT = "script", _("Script")
        VIDEO = "video", _("Video")
        EVIDENCE = "evidence", _("Evidence")

    collaboration = models.ForeignKey(Collaboration, on_delete=models.CASCADE, related_name="deliverables")
    dispute = models.ForeignKey("Dispute", null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=deliverable_path, blank=True, max_length=300)
    extension = models.CharField(max_length=8, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "marketplace_deliverable"  # deployed under the marketplace app; the table kept its name
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.round} of {self.collaboration_id}"


class Dispute(models.Model):
    """Either side's complaint about a collaboration; an admin decides how the escrow is paid out."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Decision(models.TextChoices):
        RELEASE = "release", _("Release to the creator")
        REFUND = "refund", _("Refund the brand")
        SPLIT = "split", _("Split")

    collaboration = models.ForeignKey(Collaboration, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    previous_status = models.CharField(max_length=20, choices=Collaboration.Status.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, editable=False)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    creator_amount = models.BigIntegerField(null=True, blank=True)
    brand_amount = models.BigIntegerField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "marketplace_dispute"  # deployed under the marketplace app; the table kept its name
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration"], condition=models.Q(status="open"), name="one_open_dispute_per_collaboration"
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} on {self.collaboration_id} ({self.status})"


class CalendarFeed(models.Model):
    """A user's secret iCalendar address for their deadlines (orders.selectors.deadlines).

    Stored hashed, like API tokens: the address is shown once, when it is made; making a new one
    replaces the digest, so the old address answers 404 from then on.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
