"""Webhook endpoints, the events they hear of, and every delivery and attempt (docs/webhooks.md).

An endpoint has one owner: a brand or an agency (``webhook_one_owner``: exactly one of them). An event is
recorded once per owner told of it, so each owner's receivers see their own ``webhook-id``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="webhook_endpoints", null=True)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="webhook_endpoints", null=True, blank=True
    )
    url = models.URLField(max_length=1000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)  # names from webhooks.events.EVENT_TYPES
    is_active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100)  # whsec_<base64>: shown once, when made or rotated
    # After a rotation the old secret signs too (a second signature) until this time, so receivers can switch.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(brand__isnull=False, agency__isnull=True)
                | models.Q(brand__isnull=True, agency__isnull=False),
                name="webhook_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """Something that happened, as the owner's endpoints are told: ``public_id`` is the ``webhook-id`` header,
    the same on every attempt and re-send, so a receiver that stores it handles each event once."""

    public_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="webhook_events", null=True)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="webhook_events", null=True, blank=True
    )
    object_key = models.CharField(max_length=60)  # "collaboration:12": deliveries for one object go in order
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["brand", "-id"], name="webhook_event_brand"),
            models.Index(fields=["agency", "-id"], name="webhook_event_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One POST: what the receiver answered (or why nothing came back)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_body = models.TextField(blank=True)  # the first 4 KB
    error = models.CharField(max_length=500, blank=True)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of {self.delivery_id}"
